// tls13::private_key / tls13::public_key: loading, ownership and policy checks around EVP_PKEY.
// The signature work itself is in signature.cpp.
#include "tls13/keys.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <iterator>

#include "crypto/ossl_ptr.hpp"
#include "crypto/signature.hpp"
#include "tls13/errors.hpp"
#include "tls13/secret.hpp"

namespace tls13 {
namespace {

using crypto::detail::fail;
using crypto::detail::u8;

// Never prompt on a terminal for a passphrase: encrypted keys simply fail to load.
int no_passphrase(char*, int, int, void*) { return -1; }

// A corrupt key (public half not matching the private one) is refused at load time rather than
// producing bad signatures in every handshake.
bool keypair_consistent(EVP_PKEY* k) noexcept {
  crypto::detail::pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k, nullptr));
  return ctx && EVP_PKEY_pairwise_check(ctx.get()) == 1;
}

// Input sizes libcrypto's int/long length parameters can carry; keys are a few KiB at most.
constexpr std::size_t k_max_key_input = 1u << 20;

}  // namespace

// ---- public_key ----

result<public_key> public_key::from_spki_der(bytes der, const key_policy& policy) {
  if (der.empty() || der.size() > k_max_key_input) return certificate_errc::bad_certificate;
  const unsigned char* p = u8(der.data());
  crypto::detail::pkey_ptr k(d2i_PUBKEY_ex(nullptr, &p, static_cast<long>(der.size()), nullptr, nullptr));
  if (!k || p != u8(der.data()) + der.size()) return fail(certificate_errc::bad_certificate);
  TLS13_TRY_ASSIGN(auto facts, crypto::classify_key(k.get(), policy, crypto::key_owner::peer));
  return public_key(k.release(), facts.kind, facts.bits, facts.only);
}

result<public_key> public_key::from_native(evp_pkey_st* pkey, const key_policy& policy) {
  if (pkey == nullptr) return internal_errc::invalid_argument;
  TLS13_TRY_ASSIGN(auto facts, crypto::classify_key(pkey, policy, crypto::key_owner::peer));
  if (EVP_PKEY_up_ref(pkey) != 1) return fail(internal_errc::crypto_failure);
  return public_key(pkey, facts.kind, facts.bits, facts.only);
}

public_key::public_key(public_key&& o) noexcept
    : pkey_(o.pkey_), kind_(o.kind_), bits_(o.bits_), only_(o.only_) {
  o.pkey_ = nullptr;
}

public_key& public_key::operator=(public_key&& o) noexcept {
  if (this != &o) {
    EVP_PKEY_free(pkey_);
    pkey_ = o.pkey_;
    kind_ = o.kind_;
    bits_ = o.bits_;
    only_ = o.only_;
    o.pkey_ = nullptr;
  }
  return *this;
}

public_key::~public_key() { EVP_PKEY_free(pkey_); }

bool public_key::can_verify(signature_scheme s) const noexcept {
  return crypto::scheme_fits({kind_, bits_, only_}, s);
}

result<void> public_key::verify(signature_scheme s, bytes message, bytes signature) const {
  if (pkey_ == nullptr) return internal_errc::invalid_state;
  return crypto::verify_with(pkey_, {kind_, bits_, only_}, s, message, signature);
}

result<std::vector<std::byte>> public_key::spki_der() const {
  if (pkey_ == nullptr) return internal_errc::invalid_state;
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(pkey_, &der);
  if (n <= 0) return fail(internal_errc::crypto_failure);
  std::vector<std::byte> out(reinterpret_cast<std::byte*>(der), reinterpret_cast<std::byte*>(der) + n);
  OPENSSL_free(der);
  return out;
}

// ---- private_key ----

result<private_key> private_key::adopt(evp_pkey_st* k, const key_policy& policy) {
  crypto::detail::pkey_ptr owned(k);
  if (!owned) return fail(internal_errc::invalid_argument);
  TLS13_TRY_ASSIGN(auto facts, crypto::classify_key(k, policy, crypto::key_owner::ours));
  if (!keypair_consistent(k)) return fail(internal_errc::invalid_argument);
  return private_key(owned.release(), facts.kind, facts.bits, facts.only);
}

result<private_key> private_key::from_pem(std::string_view pem, const key_policy& policy) {
  if (pem.empty() || pem.size() > k_max_key_input) return internal_errc::invalid_argument;
  crypto::detail::bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(internal_errc::crypto_failure);
  return adopt(PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, no_passphrase, nullptr, nullptr, nullptr),
               policy);
}

result<private_key> private_key::from_der(bytes der, const key_policy& policy) {
  if (der.empty() || der.size() > k_max_key_input) return internal_errc::invalid_argument;
  const unsigned char* p = u8(der.data());
  EVP_PKEY* k = d2i_AutoPrivateKey_ex(nullptr, &p, static_cast<long>(der.size()), nullptr, nullptr);
  if (k != nullptr && p != u8(der.data()) + der.size()) {  // trailing garbage
    EVP_PKEY_free(k);
    return fail(internal_errc::invalid_argument);
  }
  return adopt(k, policy);
}

result<private_key> private_key::from_pem_file(const std::string& path, const key_policy& policy) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return internal_errc::invalid_argument;
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto r = from_pem(text, policy);
  secure_wipe(as_mut_bytes(text.data(), text.size()));  // the file held private key material
  return r;
}

result<private_key> private_key::generate(key_kind kind, unsigned rsa_bits) {
  const key_policy policy{};
  const bool rsa = kind == key_kind::rsa || kind == key_kind::rsa_pss;
  // Refused before the (slow) generation rather than after it.
  if (rsa && (rsa_bits < policy.min_rsa_bits || rsa_bits > policy.max_rsa_bits))
    return policy_errc::insufficient_security;
  const char* type = kind == key_kind::rsa       ? "RSA"
                     : kind == key_kind::rsa_pss ? "RSA-PSS"
                     : kind == key_kind::ed25519 ? "ED25519"
                                                 : "EC";
  crypto::detail::pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) return fail(internal_errc::crypto_failure);
  bool ok = true;
  if (rsa) ok = EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(rsa_bits)) == 1;
  if (kind == key_kind::ec_p256) ok = EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") == 1;
  if (kind == key_kind::ec_p384) ok = EVP_PKEY_CTX_set_group_name(ctx.get(), "P-384") == 1;
  EVP_PKEY* k = nullptr;
  if (!ok || EVP_PKEY_keygen(ctx.get(), &k) != 1) return fail(internal_errc::crypto_failure);
  return adopt(k, policy);
}

private_key::private_key(private_key&& o) noexcept
    : pkey_(o.pkey_), kind_(o.kind_), bits_(o.bits_), only_(o.only_) {
  o.pkey_ = nullptr;
}

private_key& private_key::operator=(private_key&& o) noexcept {
  if (this != &o) {
    crypto::forget_signing_key(pkey_);
    EVP_PKEY_free(pkey_);
    pkey_ = o.pkey_;
    kind_ = o.kind_;
    bits_ = o.bits_;
    only_ = o.only_;
    o.pkey_ = nullptr;
  }
  return *this;
}

private_key::~private_key() {
  crypto::forget_signing_key(pkey_);  // drops the prepared signing contexts' references first
  EVP_PKEY_free(pkey_);
}

bool private_key::can_sign(signature_scheme s) const noexcept {
  return crypto::scheme_signable(s) && crypto::scheme_fits({kind_, bits_, only_}, s);
}

std::vector<signature_scheme> private_key::schemes() const {
  std::vector<signature_scheme> out;
  for (auto s : crypto::implemented_schemes())  // can_sign() leaves out the verify-only rsa_pkcs1_*
    if (can_sign(s)) out.push_back(s);
  return out;
}

result<std::vector<std::byte>> private_key::sign(signature_scheme s, bytes message) const {
  if (pkey_ == nullptr) return internal_errc::invalid_state;
  return crypto::sign_with(pkey_, {kind_, bits_, only_}, s, message);
}

result<public_key> private_key::public_part() const {
  if (pkey_ == nullptr) return internal_errc::invalid_state;
  // Re-encode as SubjectPublicKeyInfo so the public_key does not keep the private half alive.
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(pkey_, &der);
  if (n <= 0) return fail(internal_errc::crypto_failure);
  auto r = public_key::from_spki_der(bytes(reinterpret_cast<std::byte*>(der), static_cast<std::size_t>(n)),
                                     key_policy{0, ~0u});  // already checked on load
  OPENSSL_free(der);
  return r;
}

bool private_key::matches(const public_key& pub) const noexcept {
  return pkey_ != nullptr && pub.native() != nullptr && EVP_PKEY_eq(pkey_, pub.native()) == 1;
}

}  // namespace tls13
