// RFC 8446 §4.2.3 signature schemes on EVP_DigestSign / EVP_DigestVerify (one-shot, which Ed25519
// requires). The digests are fetched once; the signature implementation behind each EVP_PKEY is
// resolved by libcrypto, which caches its fetch.
#include "crypto/signature.hpp"

#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <array>
#include <mutex>
#include <string_view>
#include <vector>

#include "crypto/evp_fetch.hpp"
#include "crypto/ossl_ptr.hpp"
#include "tls13/errors.hpp"

namespace tls13::crypto {
namespace {

using detail::fail;
using detail::u8;

enum class sig_hash : std::uint8_t { none, sha256, sha384, sha512 };
enum class sig_pad : std::uint8_t { none, pss, pkcs1 };

struct scheme_info {
  signature_scheme scheme;
  key_kind key;
  sig_hash hash;
  sig_pad pad;
  bool signable;
};

constexpr std::array<scheme_info, 12> k_schemes{{
    {signature_scheme::ecdsa_secp256r1_sha256, key_kind::ec_p256, sig_hash::sha256, sig_pad::none, true},
    {signature_scheme::ecdsa_secp384r1_sha384, key_kind::ec_p384, sig_hash::sha384, sig_pad::none, true},
    {signature_scheme::ed25519, key_kind::ed25519, sig_hash::none, sig_pad::none, true},
    {signature_scheme::rsa_pss_rsae_sha256, key_kind::rsa, sig_hash::sha256, sig_pad::pss, true},
    {signature_scheme::rsa_pss_rsae_sha384, key_kind::rsa, sig_hash::sha384, sig_pad::pss, true},
    {signature_scheme::rsa_pss_rsae_sha512, key_kind::rsa, sig_hash::sha512, sig_pad::pss, true},
    {signature_scheme::rsa_pss_pss_sha256, key_kind::rsa_pss, sig_hash::sha256, sig_pad::pss, true},
    {signature_scheme::rsa_pss_pss_sha384, key_kind::rsa_pss, sig_hash::sha384, sig_pad::pss, true},
    {signature_scheme::rsa_pss_pss_sha512, key_kind::rsa_pss, sig_hash::sha512, sig_pad::pss, true},
    // Certificates only: verified for chains, never produced (RFC 8446 §4.2.3).
    {signature_scheme::rsa_pkcs1_sha256, key_kind::rsa, sig_hash::sha256, sig_pad::pkcs1, false},
    {signature_scheme::rsa_pkcs1_sha384, key_kind::rsa, sig_hash::sha384, sig_pad::pkcs1, false},
    {signature_scheme::rsa_pkcs1_sha512, key_kind::rsa, sig_hash::sha512, sig_pad::pkcs1, false},
}};

const scheme_info* find_scheme(signature_scheme s) noexcept {
  for (const auto& i : k_schemes)
    if (i.scheme == s) return &i;
  return nullptr;
}

const EVP_MD* fetched_digest(sig_hash h) noexcept {
  static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  switch (h) {
    case sig_hash::sha256:
      return detail::fetched_md(hash_alg::sha256);
    case sig_hash::sha384:
      return detail::fetched_md(hash_alg::sha384);
    case sig_hash::sha512:
      return sha512;
    case sig_hash::none:
      break;
  }
  return nullptr;
}

// libcrypto wants a non-null pointer for some zero-length inputs.
const unsigned char* data_or_empty(bytes b) noexcept {
  static const unsigned char empty[1] = {0};
  return b.empty() ? empty : u8(b.data());
}

// A digest-sign/verify context for `si` on `k`, with the RSA padding parameters set.
// PSS: MGF1 with the signature hash, salt length = hash length (RFC 8446 §4.2.3), which on the
// verify side also makes libcrypto reject any other salt length.
result<detail::md_ctx_ptr> make_ctx(EVP_PKEY* k, const scheme_info& si, bool sign) noexcept {
  const EVP_MD* md = fetched_digest(si.hash);
  if (si.hash != sig_hash::none && md == nullptr) return internal_errc::crypto_failure;
  detail::md_ctx_ptr ctx(EVP_MD_CTX_new());
  if (!ctx) return internal_errc::crypto_failure;
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  const int init = sign ? EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, k)
                        : EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, k);
  bool ok = init == 1;
  if (ok && si.pad == sig_pad::pss)
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  else if (ok && si.pad == sig_pad::pkcs1)
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  if (!ok) {
    // An RSASSA-PSS key may restrict its hash / salt (RFC 4055 parameters): a scheme outside them
    // does not fit the key. Otherwise this is a libcrypto failure.
    if (si.key == key_kind::rsa_pss)
      return sign ? fail(internal_errc::key_mismatch) : fail(protocol_errc::illegal_parameter);
    return fail(internal_errc::crypto_failure);
  }
  return ctx;
}

// Digest-sign / digest-verify contexts prepared once per (key, scheme) and handed out as copies:
// EVP_DigestSign/VerifyInit cost a key-manager and a signature fetch, a new EVP_PKEY_CTX and ~50
// lock round trips on every call, EVP_MD_CTX_copy_ex only duplicates the provider contexts. Each
// entry's context holds a reference to its key. Not thread-safe by itself.
template <std::size_t max_entries>
class prepared_contexts {
 public:
  // A copy of the prepared context for (k, s); empty when there is none (yet).
  detail::md_ctx_ptr copy(EVP_PKEY* k, signature_scheme s) const noexcept {
    for (const entry& e : entries_)
      if (e.key == k && e.scheme == s) {
        detail::md_ctx_ptr out(EVP_MD_CTX_new());
        if (out && EVP_MD_CTX_copy_ex(out.get(), e.ctx.get()) == 1) return out;
        ERR_clear_error();
        return nullptr;
      }
    return nullptr;
  }
  // Keeps a copy of `fresh` (initialised, nothing processed yet) for (k, s); the oldest goes first.
  void keep(EVP_PKEY* k, signature_scheme s, const EVP_MD_CTX* fresh) noexcept {
    for (const entry& e : entries_)
      if (e.key == k && e.scheme == s) return;
    detail::md_ctx_ptr c(EVP_MD_CTX_new());
    if (!c || EVP_MD_CTX_copy_ex(c.get(), fresh) != 1) {
      ERR_clear_error();
      return;
    }
    if (entries_.size() >= max_entries) entries_.erase(entries_.begin());
    entries_.push_back(entry{k, s, std::move(c)});
  }
  void forget(EVP_PKEY* k) noexcept {
    std::erase_if(entries_, [k](const entry& e) { return e.key == k; });
  }

 private:
  struct entry {
    EVP_PKEY* key;
    signature_scheme scheme;
    detail::md_ctx_ptr ctx;
  };
  std::vector<entry> entries_;
};

// Signing: one set for the process, behind a mutex (which also keeps one context from being copied
// on two threads at once). Private keys are secret, so an entry must not outlive its key: the owner
// (private_key) calls forget_signing_key() before freeing it.
class prepared_signers {
 public:
  detail::md_ctx_ptr copy(EVP_PKEY* k, signature_scheme s) noexcept {
    std::lock_guard lock(m_);
    return contexts_.copy(k, s);
  }
  void keep(EVP_PKEY* k, signature_scheme s, const EVP_MD_CTX* fresh) noexcept {
    std::lock_guard lock(m_);
    contexts_.keep(k, s, fresh);
  }
  void forget(EVP_PKEY* k) noexcept {
    std::lock_guard lock(m_);
    contexts_.forget(k);
  }

 private:
  std::mutex m_;
  prepared_contexts<16> contexts_;
};

// Never destroyed: a private_key with static storage may be freed after any other static.
prepared_signers& signers() noexcept {
  static prepared_signers* const p = new prepared_signers;
  return *p;
}

// Verification: per thread, without owner bookkeeping: a public key is no secret, so an entry may
// keep its key alive (4 at most per thread). A client sees the same server key (from the
// parsed-certificate cache) in every handshake.
using prepared_verifiers = prepared_contexts<4>;

prepared_verifiers& verifiers() noexcept {
  thread_local prepared_verifiers v;
  return v;
}

// The NID of an EC key's named curve; NID_undef for explicit parameters or an unknown name.
int ec_curve_nid(EVP_PKEY* k) noexcept {
  std::array<char, 64> name{};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(k, name.data(), name.size(), &len) != 1) return NID_undef;
  int nid = OBJ_sn2nid(name.data());
  if (nid == NID_undef) nid = EC_curve_nist2nid(name.data());
  return nid;
}

// For an RSASSA-PSS key: the one scheme its parameters allow (left {} when unrestricted).
// False for a restriction to a hash TLS 1.3 does not pair with PSS (e.g. SHA-1).
bool pss_restriction(EVP_PKEY* k, signature_scheme& only) noexcept {
  std::array<char, 64> md{};
  // 2 = the digest is mandatory, i.e. the key carries RFC 4055 parameters.
  if (EVP_PKEY_get_default_digest_name(k, md.data(), md.size()) != 2) {
    ERR_clear_error();
    return true;
  }
  const std::string_view name(md.data());
  if (name == "SHA256" || name == "SHA2-256")
    only = signature_scheme::rsa_pss_pss_sha256;
  else if (name == "SHA384" || name == "SHA2-384")
    only = signature_scheme::rsa_pss_pss_sha384;
  else if (name == "SHA512" || name == "SHA2-512")
    only = signature_scheme::rsa_pss_pss_sha512;
  else
    return false;
  return true;
}

}  // namespace

bool scheme_fits(const key_facts& k, signature_scheme s) noexcept {
  const scheme_info* si = find_scheme(s);
  if (si == nullptr || si->key != k.kind || (k.only != signature_scheme{} && k.only != s)) return false;
  if (si->pad != sig_pad::pss || k.bits == 0) return true;
  // EMSA-PSS with salt = hash length needs emLen >= 2 hLen + 2 (RFC 8017 §9.1.1): a 1024-bit key
  // cannot do SHA-512.
  const unsigned h = si->hash == sig_hash::sha512 ? 64 : si->hash == sig_hash::sha384 ? 48 : 32;
  const unsigned em_len = (k.bits - 1 + 7) / 8;
  return em_len >= 2 * h + 2;
}

bool scheme_signable(signature_scheme s) noexcept {
  const scheme_info* si = find_scheme(s);
  return si != nullptr && si->signable;
}

result<key_facts> classify_key(evp_pkey_st* k, const key_policy& policy, key_owner owner) noexcept {
  const std::error_code unusable = owner == key_owner::ours
                                       ? std::error_code(internal_errc::invalid_argument)
                                       : std::error_code(certificate_errc::unsupported_certificate);
  const std::error_code too_weak = owner == key_owner::ours
                                       ? std::error_code(policy_errc::insufficient_security)
                                       : std::error_code(certificate_errc::unsupported_certificate);
  if (k == nullptr) return internal_errc::invalid_argument;
  const int bits_i = EVP_PKEY_get_bits(k);
  const unsigned bits = bits_i > 0 ? static_cast<unsigned>(bits_i) : 0;
  // The key's type as libcrypto recorded it when the key was made: free, where EVP_PKEY_is_a looks
  // the name up (locks, string compares). Keys of other providers (no such id) take the names.
  const int id = EVP_PKEY_get_base_id(k);
  const bool known =
      id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS || id == EVP_PKEY_EC || id == EVP_PKEY_ED25519;
  auto is = [&](int want, const char* name) { return known ? id == want : EVP_PKEY_is_a(k, name) == 1; };
  // "RSA-PSS" first: an RSASSA-PSS key is not an rsaEncryption key and must not pass as one.
  if (is(EVP_PKEY_RSA_PSS, "RSA-PSS") || is(EVP_PKEY_RSA, "RSA")) {
    if (bits < policy.min_rsa_bits || bits > policy.max_rsa_bits) return too_weak;
    if (is(EVP_PKEY_RSA, "RSA")) return key_facts{key_kind::rsa, bits};
    signature_scheme only{};
    if (!pss_restriction(k, only)) return unusable;
    return key_facts{key_kind::rsa_pss, bits, only};
  }
  if (is(EVP_PKEY_EC, "EC")) {
    const int nid = ec_curve_nid(k);
    ERR_clear_error();  // a failed group-name query leaves an entry behind
    if (nid == NID_X9_62_prime256v1) return key_facts{key_kind::ec_p256, bits};
    if (nid == NID_secp384r1) return key_facts{key_kind::ec_p384, bits};
    return unusable;
  }
  if (is(EVP_PKEY_ED25519, "ED25519")) return key_facts{key_kind::ed25519, bits};
  return unusable;
}

result<std::vector<std::byte>> sign_with(evp_pkey_st* k, const key_facts& facts, signature_scheme s,
                                         bytes message) {
  const scheme_info* si = find_scheme(s);
  if (si == nullptr || !si->signable) return internal_errc::invalid_argument;
  if (!scheme_fits(facts, s)) return internal_errc::key_mismatch;
  detail::md_ctx_ptr ctx = signers().copy(k, s);
  if (!ctx) {
    TLS13_TRY_ASSIGN(ctx, make_ctx(k, *si, true));
    signers().keep(k, s, ctx.get());
  }
  const int max = EVP_PKEY_get_size(k);
  if (max <= 0) return fail(internal_errc::crypto_failure);
  std::vector<std::byte> sig(static_cast<std::size_t>(max));
  std::size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), u8(sig.data()), &len, data_or_empty(message), message.size()) != 1)
    return fail(internal_errc::crypto_failure);
  sig.resize(len);  // ECDSA DER signatures vary in length
  return sig;
}

void forget_signing_key(evp_pkey_st* k) noexcept {
  if (k != nullptr) signers().forget(k);
}

result<void> verify_with(evp_pkey_st* k, const key_facts& facts, signature_scheme s, bytes message,
                         bytes signature) {
  const scheme_info* si = find_scheme(s);
  if (si == nullptr || !scheme_fits(facts, s)) return protocol_errc::illegal_parameter;
  detail::md_ctx_ptr ctx = verifiers().copy(k, s);
  if (!ctx) {
    TLS13_TRY_ASSIGN(ctx, make_ctx(k, *si, false));
    verifiers().keep(k, s, ctx.get());
  }
  if (EVP_DigestVerify(ctx.get(), data_or_empty(signature), signature.size(), data_or_empty(message),
                       message.size()) != 1)
    return fail(protocol_errc::decrypt_error);
  return {};
}

std::span<const signature_scheme> implemented_schemes() noexcept {
  // Derived from the one scheme table above, so the provider's list cannot drift from what we implement.
  static constexpr auto list = [] {
    std::array<signature_scheme, k_schemes.size()> out{};
    for (std::size_t i = 0; i < k_schemes.size(); ++i) out[i] = k_schemes[i].scheme;
    return out;
  }();
  return list;
}

}  // namespace tls13::crypto

namespace tls13 {

bool allowed_in_certificate_verify(signature_scheme s) noexcept {
  return crypto::scheme_signable(s);  // the signable set is exactly the CertificateVerify set
}

}  // namespace tls13
