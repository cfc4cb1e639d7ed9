// Web-PKI certificate rules (RFC 5280 + CA/Browser Forum baseline requirements) that X509_verify_cert
// does not enforce by default. See docs/X509.md.
#include "x509/policy_checks.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace tls13::x509 {

namespace {

using errc = certificate_errc;

failure fail_at(errc code, const X509* x, int depth, const std::string& what) {
  return failure{code, where(x, depth) + ": " + what, depth};
}

std::string oid_text(const ASN1_OBJECT* o) {
  char buf[128];
  const int n = OBJ_obj2txt(buf, sizeof buf, o, 1);
  return n > 0 ? std::string(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1))
               : std::string("?");
}

// Critical extensions whose semantics we enforce. Anything else marked critical is refused (RFC 5280
// §4.2): certificatePolicies, policyConstraints, policyMappings and inhibitAnyPolicy included, since
// no policy processing is done.
bool processed_critical(int nid) noexcept {
  switch (nid) {
    case NID_basic_constraints:
    case NID_key_usage:
    case NID_ext_key_usage:
    case NID_subject_alt_name:
    case NID_name_constraints:
    case NID_tlsfeature:
      return true;
    default:
      return false;
  }
}

check_result check_serial(X509* x, int depth) {
  const ASN1_INTEGER* s = X509_get0_serialNumber(x);
  const int len = ASN1_STRING_length(s);
  const unsigned char* d = ASN1_STRING_get0_data(s);
  bool zero = true;
  for (int i = 0; i < len; ++i) zero = zero && d[i] == 0;
  if (ASN1_STRING_type(s) == V_ASN1_NEG_INTEGER || zero)
    return fail_at(errc::bad_certificate, x, depth, "serial number is not a positive integer");
  // DER content octets: the magnitude plus a zero octet when its top bit is set.
  const int octets = len + ((len > 0 && (d[0] & 0x80) != 0) ? 1 : 0);
  if (octets > 20)
    return fail_at(errc::bad_certificate, x, depth,
                   "serial number has " + std::to_string(octets) + " octets (at most 20 allowed)");
  return std::nullopt;
}

check_result check_extension_list(X509* x, int depth) {
  const int n = X509_get_ext_count(x);
  std::vector<std::pair<const unsigned char*, std::size_t>> oids;
  oids.reserve(static_cast<std::size_t>(std::max(n, 0)));
  for (int i = 0; i < n; ++i) {
    X509_EXTENSION* e = X509_get_ext(x, i);
    const ASN1_OBJECT* o = X509_EXTENSION_get_object(e);
    if (X509_EXTENSION_get_critical(e) == 1 && !processed_critical(OBJ_obj2nid(o)))
      return fail_at(errc::unsupported_certificate, x, depth,
                     "unrecognised critical extension " + oid_text(o));
    oids.emplace_back(OBJ_get0_data(o), OBJ_length(o));
  }
  auto less = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : std::memcmp(a.first, b.first, a.second) < 0;
  };
  std::sort(oids.begin(), oids.end(), less);
  for (std::size_t i = 1; i < oids.size(); ++i)
    if (oids[i].second == oids[i - 1].second &&
        std::memcmp(oids[i].first, oids[i - 1].first, oids[i].second) == 0)
      return fail_at(errc::bad_certificate, x, depth, "an extension appears more than once");
  return std::nullopt;
}

bool has_eku(X509* x, std::uint32_t bit) {
  return (X509_get_extension_flags(x) & EXFLAG_XKUSAGE) != 0 && (X509_get_extended_key_usage(x) & bit) != 0;
}

const char* role_eku_name(peer_role role) { return role == peer_role::server ? "serverAuth" : "clientAuth"; }

}  // namespace

check_result check_leaf_usage(X509* leaf, peer_role role, const verify_policy& policy, bool pinned) {
  const std::uint32_t flags = X509_get_extension_flags(leaf);
  if ((flags & EXFLAG_CA) != 0 && !pinned)
    return fail_at(errc::constraint_violated, leaf, 0,
                   "a CA certificate (basicConstraints CA:TRUE) used as end entity");
  if ((flags & EXFLAG_KUSAGE) != 0 && (X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) == 0)
    return fail_at(errc::bad_key_usage, leaf, 0,
                   "keyUsage lacks digitalSignature (TLS 1.3 signs with the leaf key)");
  const std::uint32_t want = role == peer_role::server ? XKU_SSL_SERVER : XKU_SSL_CLIENT;
  if ((flags & EXFLAG_XKUSAGE) == 0) {
    if (policy.require_leaf_eku && !pinned)
      return fail_at(errc::bad_key_usage, leaf, 0,
                     std::string("no extendedKeyUsage; ") + role_eku_name(role) + " is required");
  } else if (!has_eku(leaf, want)) {
    return fail_at(errc::bad_key_usage, leaf, 0,
                   std::string("extendedKeyUsage does not include ") + role_eku_name(role));
  }
  if (role == peer_role::server && policy.require_server_san &&
      X509_get_ext_by_NID(leaf, NID_subject_alt_name, -1) < 0)
    return fail_at(errc::name_mismatch, leaf, 0,
                   "a server certificate needs a subjectAltName (no CN fallback)");
  return std::nullopt;
}

check_result check_issuer_usage(X509* ca, int depth, bool trusted, peer_role role) {
  const std::uint32_t flags = X509_get_extension_flags(ca);
  if ((flags & EXFLAG_BCONS) == 0 || (flags & EXFLAG_CA) == 0)
    return fail_at(errc::constraint_violated, ca, depth,
                   "issues certificates but is not a CA (basicConstraints)");
  if ((flags & EXFLAG_KUSAGE) == 0) {
    if (!trusted) return fail_at(errc::bad_key_usage, ca, depth, "a CA certificate without keyUsage");
  } else if ((X509_get_key_usage(ca) & KU_KEY_CERT_SIGN) == 0) {
    return fail_at(errc::bad_key_usage, ca, depth, "keyUsage lacks keyCertSign");
  }
  const std::uint32_t want = role == peer_role::server ? XKU_SSL_SERVER : XKU_SSL_CLIENT;
  if (!trusted && (flags & EXFLAG_XKUSAGE) != 0 && !has_eku(ca, want))
    return fail_at(
        errc::bad_key_usage, ca, depth,
        std::string("extendedKeyUsage of the intermediate does not include ") + role_eku_name(role));
  return std::nullopt;
}

namespace {

bool allowed_digest(int md) noexcept { return md == NID_sha256 || md == NID_sha384 || md == NID_sha512; }

}  // namespace

check_result check_certificate_form(X509* x, int depth) {
  if (X509_get_version(x) != X509_VERSION_3)
    return fail_at(errc::bad_certificate, x, depth, "not an X.509 version 3 certificate");
  if (auto f = check_serial(x, depth)) return f;
  if (auto f = check_extension_list(x, depth)) return f;
  if ((X509_get_extension_flags(x) & EXFLAG_INVALID) != 0) {
    ERR_clear_error();
    return fail_at(errc::bad_certificate, x, depth, "an extension does not parse");
  }
  if (X509_ALGOR_cmp(X509_get0_tbs_sigalg(x), [&] {
        const X509_ALGOR* alg = nullptr;
        X509_get0_signature(nullptr, &alg, x);
        return alg;
      }()) != 0)
    return fail_at(errc::bad_certificate, x, depth,
                   "signatureAlgorithm differs from tbsCertificate.signature");
  return std::nullopt;
}

check_result check_signature_algorithm(X509* x, int depth) {
  int md = NID_undef, pk = NID_undef;
  if (X509_get_signature_info(x, &md, &pk, nullptr, nullptr) != 1) {
    ERR_clear_error();
    return fail_at(errc::unsupported_certificate, x, depth, "unsupported signature algorithm");
  }
  const bool ok = pk == NID_ED25519
                      ? md == NID_undef
                      : (pk == NID_rsaEncryption || pk == NID_rsassaPss || pk == NID_X9_62_id_ecPublicKey) &&
                            allowed_digest(md);
  if (ok) return std::nullopt;
  const char* name = OBJ_nid2ln(X509_get_signature_nid(x));
  // RFC 8446 §4.4.2.4 names the alert for MD5 (MUST) and SHA-1 (RECOMMENDED): bad_certificate;
  // other refused algorithms are unsupported_certificate.
  const bool weak_hash = md == NID_md5 || md == NID_sha1;
  return fail_at(weak_hash ? errc::bad_certificate : errc::unsupported_certificate, x, depth,
                 std::string("signature algorithm ") + (name != nullptr ? name : "?") +
                     " is not accepted (SHA-256/384/512 or Ed25519 only; never MD5 or SHA-1)");
}

check_result check_public_key(X509* x, int depth, const key_policy& keys) {
  EVP_PKEY* k = X509_get0_pubkey(x);
  if (k == nullptr) {
    ERR_clear_error();
    return fail_at(errc::bad_certificate, x, depth, "the public key does not parse");
  }
  if (public_key::from_native(k, keys)) return std::nullopt;
  ERR_clear_error();
  const char* type = EVP_PKEY_get0_type_name(k);
  std::string name = type != nullptr ? type : "unknown";
  char group[64];
  std::size_t group_len = 0;
  if (EVP_PKEY_is_a(k, "EC") == 1 && EVP_PKEY_get_group_name(k, group, sizeof group, &group_len) == 1)
    name += " (" + std::string(group, group_len) + ")";
  ERR_clear_error();
  std::string what = name + " key of " + std::to_string(EVP_PKEY_get_bits(k)) +
                     " bits is not accepted (RSA " + std::to_string(keys.min_rsa_bits) + ".." +
                     std::to_string(keys.max_rsa_bits) + " bits, ECDSA P-256 / P-384, Ed25519)";
  return fail_at(errc::unsupported_certificate, x, depth, what);
}

check_result check_leaf_alone(X509* leaf, const verify_policy& policy) {
  if (auto f = check_certificate_form(leaf, 0)) return f;
  if (auto f = check_signature_algorithm(leaf, 0)) return f;
  return check_public_key(leaf, 0, policy.keys);
}

check_result check_path(STACK_OF(X509) * path, int num_untrusted, peer_role role,
                        const verify_policy& policy) {
  const int n = sk_X509_num(path);
  for (int i = 1; i < n; ++i) {
    X509* x = sk_X509_value(path, i);
    const bool trusted = i >= num_untrusted;
    // The anchor's own signature is never relied on: only its key and CA status matter.
    if (!trusted) {
      if (auto f = check_certificate_form(x, i)) return f;
      if (auto f = check_signature_algorithm(x, i)) return f;
    }
    if (auto f = check_public_key(x, i, policy.keys)) return f;
    if (auto f = check_issuer_usage(x, i, trusted, role)) return f;
  }
  return n > 0 ? check_leaf_usage(sk_X509_value(path, 0), role, policy, n == 1 && num_untrusted == 0)
               : std::nullopt;
}

}  // namespace tls13::x509
