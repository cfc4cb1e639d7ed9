// Test-time PKI: issues X.509 certificates and OCSP responses with libcrypto, with exactly the fields
// and extensions a test case needs (including broken ones: duplicate or unknown critical extensions,
// SHA-1 / MD5 signatures, weak keys, odd serials and versions). Header-only; for tests and fuzzers.
#pragma once

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tls13/types.hpp"

namespace tls13::test::pki {

using pkey_ptr = std::shared_ptr<EVP_PKEY>;
using cert_ptr = std::shared_ptr<X509>;

// Times every factory certificate uses unless a case says otherwise, and the time tests validate at.
inline constexpr std::int64_t t_2020 = 1577836800;  // 2020-01-01T00:00:00Z
inline constexpr std::int64_t t_2030 = 1893456000;  // 2030-01-01T00:00:00Z
inline constexpr std::int64_t t_2040 = 2208988800;  // 2040-01-01T00:00:00Z
inline std::chrono::system_clock::time_point at(std::int64_t unix_seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds));
}

inline void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("cert_factory: ") + what);
}

enum class key_type { p256, p384, p521, secp256k1, rsa1024, rsa2048, ed25519, ed448 };
enum class hash { sha256, sha384, sha512, sha1, md5 };

inline const EVP_MD* md_of(hash h) {
  switch (h) {
    case hash::sha384:
      return EVP_sha384();
    case hash::sha512:
      return EVP_sha512();
    case hash::sha1:
      return EVP_sha1();
    case hash::md5:
      return EVP_md5();
    default:
      return EVP_sha256();
  }
}

inline pkey_ptr generate_key(key_type t) {
  EVP_PKEY* k = nullptr;
  switch (t) {
    case key_type::p256:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case key_type::p384:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case key_type::p521:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
      break;
    case key_type::secp256k1:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1");
      break;
    case key_type::rsa1024:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
      break;
    case key_type::rsa2048:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
      break;
    case key_type::ed25519:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case key_type::ed448:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448");
      break;
  }
  check(k != nullptr, "key generation failed");
  return pkey_ptr(k, EVP_PKEY_free);
}

// A fresh key, except RSA: those are slow to make, so each size is made once per process (certificates
// told apart by name still chain correctly; cases that need distinct RSA keys pass their own).
inline pkey_ptr make_key(key_type t) {
  if (t != key_type::rsa1024 && t != key_type::rsa2048) return generate_key(t);
  static std::mutex m;
  static std::map<key_type, pkey_ptr> cache;
  std::lock_guard<std::mutex> lock(m);
  auto& k = cache[t];
  if (!k) k = generate_key(t);
  return k;
}

struct raw_extension {
  std::string oid;  // dotted
  bool critical = false;
  std::vector<unsigned char> der;  // the extnValue contents (a DER value)
};

struct cert_spec {
  std::string cn = "test";
  std::vector<std::pair<std::string, std::string>> rdns;  // before the CN, e.g. {{"O", "Org"}}
  bool empty_subject = false;
  key_type key = key_type::p256;
  pkey_ptr use_key;  // this key instead of a new one
  std::int64_t not_before = t_2020, not_after = t_2040;
  int version = 3;                    // 1 or 3
  std::vector<unsigned char> serial;  // magnitude, big-endian; empty: a unique positive serial
  bool negative_serial = false;
  hash sig_hash = hash::sha256;  // ignored for Ed25519 / Ed448 issuers
  // Extensions in OpenSSL config syntax; nullopt leaves the extension out.
  std::optional<std::string> basic_constraints, key_usage, ext_key_usage, san;
  std::vector<std::string> nc_permitted,
      nc_excluded;  // "DNS:example.com", "IP:10.0.0.0/255.0.0.0", "dirName:O=Org"
  bool ski = true, aki = true, must_staple = false;
  std::vector<raw_extension> extra;  // appended as given (so duplicates are possible)
};

struct issued {
  cert_ptr cert;
  pkey_ptr key;
  std::vector<std::byte> der() const {
    unsigned char* p = nullptr;
    const int n = i2d_X509(cert.get(), &p);
    check(n > 0, "i2d_X509");
    std::vector<std::byte> out(reinterpret_cast<std::byte*>(p), reinterpret_cast<std::byte*>(p) + n);
    OPENSSL_free(p);
    return out;
  }
  std::string pem() const {
    BIO* b = BIO_new(BIO_s_mem());
    check(b != nullptr && PEM_write_bio_X509(b, cert.get()) == 1, "PEM_write_bio_X509");
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    std::string s(data, static_cast<std::size_t>(n));
    BIO_free(b);
    return s;
  }
};

namespace detail {

inline void add_conf_ext(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  check(e != nullptr, "bad extension value");
  check(X509_add_ext(x, e, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(e);
}

inline X509_NAME* parse_name(const std::string& s) {  // "O=Org,CN=name"
  X509_NAME* n = X509_NAME_new();
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    const std::string rdn = s.substr(start, comma - start);
    const std::size_t eq = rdn.find('=');
    check(eq != std::string::npos, "bad name");
    check(X509_NAME_add_entry_by_txt(n, rdn.substr(0, eq).c_str(), MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(rdn.c_str() + eq + 1), -1, -1,
                                     0) == 1,
          "X509_NAME_add_entry_by_txt");
    start = comma + 1;
  }
  return n;
}

inline GENERAL_NAME* nc_name(const std::string& spec) {
  if (spec.rfind("dirName:", 0) == 0) {
    GENERAL_NAME* g = GENERAL_NAME_new();
    g->type = GEN_DIRNAME;
    g->d.directoryName = parse_name(spec.substr(8));
    return g;
  }
  const std::size_t colon = spec.find(':');
  check(colon != std::string::npos, "bad name constraint");
  const std::string kind = spec.substr(0, colon), value = spec.substr(colon + 1);
  const int type = kind == "DNS" ? GEN_DNS : kind == "IP" ? GEN_IPADD : kind == "email" ? GEN_EMAIL : GEN_URI;
  GENERAL_NAME* g = a2i_GENERAL_NAME(nullptr, nullptr, nullptr, type, value.c_str(), 1);
  check(g != nullptr, "a2i_GENERAL_NAME");
  return g;
}

inline void add_name_constraints(X509* x, const cert_spec& s) {
  NAME_CONSTRAINTS* nc = NAME_CONSTRAINTS_new();
  auto fill = [](STACK_OF(GENERAL_SUBTREE) * *list, const std::vector<std::string>& specs) {
    if (specs.empty()) return;
    *list = sk_GENERAL_SUBTREE_new_null();
    for (const auto& spec : specs) {
      GENERAL_SUBTREE* t = GENERAL_SUBTREE_new();
      GENERAL_NAME_free(t->base);
      t->base = nc_name(spec);
      sk_GENERAL_SUBTREE_push(*list, t);
    }
  };
  fill(&nc->permittedSubtrees, s.nc_permitted);
  fill(&nc->excludedSubtrees, s.nc_excluded);
  check(X509_add1_ext_i2d(x, NID_name_constraints, nc, 1, X509V3_ADD_APPEND) == 1, "nameConstraints");
  NAME_CONSTRAINTS_free(nc);
}

inline void add_raw(X509* x, const raw_extension& r) {
  ASN1_OBJECT* obj = OBJ_txt2obj(r.oid.c_str(), 1);
  ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
  check(obj != nullptr && os != nullptr, "raw extension");
  ASN1_OCTET_STRING_set(os, r.der.data(), static_cast<int>(r.der.size()));
  X509_EXTENSION* e = X509_EXTENSION_create_by_OBJ(nullptr, obj, r.critical ? 1 : 0, os);
  check(e != nullptr && X509_add_ext(x, e, -1) == 1, "X509_add_ext raw");
  X509_EXTENSION_free(e);
  ASN1_OCTET_STRING_free(os);
  ASN1_OBJECT_free(obj);
}

inline void set_subject_and_serial(X509* x, const cert_spec& s) {
  X509_NAME* name = X509_get_subject_name(x);
  for (const auto& [k, v] : s.rdns)
    X509_NAME_add_entry_by_txt(name, k.c_str(), MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1, 0);
  if (!s.empty_subject)
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(s.cn.c_str()), -1, -1, 0);
  std::vector<unsigned char> serial = s.serial;
  if (serial.empty()) {
    static std::atomic<std::uint64_t> counter{0x1000};
    const std::uint64_t v = ++counter;
    serial.assign(9, 0x42);
    for (std::size_t i = 0; i < 8; ++i) serial[8 - i] = static_cast<unsigned char>(v >> (8 * i));
  }
  BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  BN_set_negative(bn, s.negative_serial ? 1 : 0);
  check(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != nullptr, "serial");
  BN_free(bn);
}

inline void add_extensions(X509* x, X509* issuer_cert, const cert_spec& s) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert != nullptr ? issuer_cert : x, x, nullptr, nullptr, 0);
  if (s.basic_constraints) add_conf_ext(x, &ctx, NID_basic_constraints, *s.basic_constraints);
  if (s.key_usage) add_conf_ext(x, &ctx, NID_key_usage, *s.key_usage);
  if (s.ext_key_usage) add_conf_ext(x, &ctx, NID_ext_key_usage, *s.ext_key_usage);
  if (s.ski) add_conf_ext(x, &ctx, NID_subject_key_identifier, "hash");
  if (s.aki && issuer_cert != nullptr) add_conf_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
  if (s.san) add_conf_ext(x, &ctx, NID_subject_alt_name, *s.san);
  if (!s.nc_permitted.empty() || !s.nc_excluded.empty()) add_name_constraints(x, s);
  if (s.must_staple) add_conf_ext(x, &ctx, NID_tlsfeature, "status_request");
  for (const auto& r : s.extra) add_raw(x, r);
}

inline bool is_eddsa(EVP_PKEY* k) {
  return EVP_PKEY_is_a(k, "ED25519") == 1 || EVP_PKEY_is_a(k, "ED448") == 1;
}

}  // namespace detail

// Issues a certificate for `s`, signed by `issuer` (self-signed when null).
inline issued issue(const cert_spec& s, const issued* issuer = nullptr) {
  issued out;
  out.key = s.use_key ? s.use_key : make_key(s.key);
  X509* x = X509_new();
  check(x != nullptr, "X509_new");
  out.cert = cert_ptr(x, X509_free);
  X509_set_version(x, s.version == 1 ? X509_VERSION_1 : X509_VERSION_3);
  detail::set_subject_and_serial(x, s);
  X509_set_issuer_name(
      x, issuer != nullptr ? X509_get_subject_name(issuer->cert.get()) : X509_get_subject_name(x));
  ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(s.not_before));
  ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(s.not_after));
  check(X509_set_pubkey(x, out.key.get()) == 1, "X509_set_pubkey");
  if (s.version != 1) detail::add_extensions(x, issuer != nullptr ? issuer->cert.get() : nullptr, s);
  EVP_PKEY* signer = issuer != nullptr ? issuer->key.get() : out.key.get();
  const EVP_MD* md = detail::is_eddsa(signer) ? nullptr : md_of(s.sig_hash);
  check(X509_sign(x, signer, md) > 0, "X509_sign");
  return out;
}

// Profiles: a root, an intermediate (CA with keyCertSign), a TLS server leaf, a TLS client leaf.
inline cert_spec root_spec(std::string cn) {
  cert_spec s;
  s.cn = std::move(cn);
  s.basic_constraints = "critical,CA:TRUE";
  s.key_usage = "critical,keyCertSign,cRLSign";
  return s;
}
inline cert_spec ca_spec(std::string cn) { return root_spec(std::move(cn)); }
inline cert_spec server_spec(std::string cn = "server", std::string san = "DNS:localhost,IP:127.0.0.1") {
  cert_spec s;
  s.cn = std::move(cn);
  s.basic_constraints = "critical,CA:FALSE";
  s.key_usage = "critical,digitalSignature";
  s.ext_key_usage = "serverAuth";
  s.san = std::move(san);
  return s;
}
inline cert_spec client_spec(std::string cn = "client") {
  cert_spec s = server_spec(std::move(cn), "DNS:client.test");
  s.ext_key_usage = "clientAuth";
  return s;
}

// ---- OCSP responses ----

struct ocsp_spec {
  int status = V_OCSP_CERTSTATUS_GOOD;
  int reason = -1;  // CRLReason for revoked
  std::int64_t revoked_at = t_2020;
  std::int64_t this_update = t_2030 - 3600;
  std::optional<std::int64_t> next_update = t_2030 + 86400;
  bool include_signer = true;  // put the signer's certificate in the response
  bool by_key = false;         // ResponderID byKey instead of byName
  hash sig_hash = hash::sha256;
  int response_status = OCSP_RESPONSE_STATUS_SUCCESSFUL;
};

// A DER OCSPResponse about `leaf` (CertID computed with `issuer`), signed by `signer`.
inline std::vector<std::byte> make_ocsp(const issued& leaf, const issued& issuer, const issued& signer,
                                        const ocsp_spec& s = {}) {
  OCSP_RESPONSE* resp = nullptr;
  if (s.response_status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    resp = OCSP_response_create(s.response_status, nullptr);
  } else {
    OCSP_BASICRESP* bs = OCSP_BASICRESP_new();
    OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), leaf.cert.get(), issuer.cert.get());
    ASN1_TIME* thisupd = ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(s.this_update));
    ASN1_TIME* nextupd =
        s.next_update ? ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(*s.next_update)) : nullptr;
    ASN1_TIME* rev = ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(s.revoked_at));
    check(OCSP_basic_add1_status(bs, id, s.status, s.reason, rev, thisupd, nextupd) != nullptr,
          "add1_status");
    unsigned long flags = (s.include_signer ? 0 : OCSP_NOCERTS) | (s.by_key ? OCSP_RESPID_KEY : 0);
    const EVP_MD* md = detail::is_eddsa(signer.key.get()) ? nullptr : md_of(s.sig_hash);
    check(OCSP_basic_sign(bs, signer.cert.get(), signer.key.get(), md, nullptr, flags) == 1,
          "OCSP_basic_sign");
    resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
    ASN1_TIME_free(thisupd);
    ASN1_TIME_free(nextupd);
    ASN1_TIME_free(rev);
    OCSP_CERTID_free(id);
    OCSP_BASICRESP_free(bs);
  }
  check(resp != nullptr, "OCSP_response_create");
  unsigned char* p = nullptr;
  const int n = i2d_OCSP_RESPONSE(resp, &p);
  OCSP_RESPONSE_free(resp);
  check(n > 0, "i2d_OCSP_RESPONSE");
  std::vector<std::byte> out(reinterpret_cast<std::byte*>(p), reinterpret_cast<std::byte*>(p) + n);
  OPENSSL_free(p);
  return out;
}

}  // namespace tls13::test::pki
