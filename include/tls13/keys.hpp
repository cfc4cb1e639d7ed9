// Signing keys (ours) and verification keys (the peer's, from its certificate).
//
// Supported: RSA (rsaEncryption: rsa_pss_rsae_*, and rsa_pkcs1_* verification for certificates),
// RSASSA-PSS keys (rsa_pss_pss_*), ECDSA on P-256 / P-384 (the curve must match the scheme), Ed25519.
//
// Key-size policy (key_policy): RSA moduli must have 2048..8192 bits by default. A private key
// outside it is refused on load with policy_errc::insufficient_security; a peer key outside it with
// certificate_errc::unsupported_certificate (as is any key type or curve we cannot use). The upper
// bound caps the verification work a peer can demand. A looser policy exists for test traces
// (RFC 8448 uses a 1024-bit RSA key).
//
// Both classes hold an EVP_PKEY (declared opaquely here so no OpenSSL header leaks); they are
// move-only, and their const members may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/types.hpp"

struct evp_pkey_st;

namespace tls13 {

enum class key_kind : std::uint8_t { rsa, rsa_pss, ec_p256, ec_p384, ed25519 };

struct key_policy {
  unsigned min_rsa_bits = 2048;
  unsigned max_rsa_bits = 8192;
};

// Signature schemes TLS 1.3 allows in CertificateVerify: everything we implement except
// rsa_pkcs1_* (RFC 8446 §4.2.3: certificates only).
bool allowed_in_certificate_verify(signature_scheme s) noexcept;

class public_key {
 public:
  // From a DER SubjectPublicKeyInfo. Unparsable: certificate_errc::bad_certificate.
  static result<public_key> from_spki_der(bytes der, const key_policy& policy = {});
  // Shares `pkey` (takes a reference of its own; the caller keeps its reference). For lib/x509.
  static result<public_key> from_native(evp_pkey_st* pkey, const key_policy& policy = {});

  public_key(public_key&& o) noexcept;
  public_key& operator=(public_key&& o) noexcept;
  public_key(const public_key&) = delete;
  public_key& operator=(const public_key&) = delete;
  ~public_key();

  key_kind kind() const noexcept { return kind_; }
  unsigned bits() const noexcept { return bits_; }
  // The scheme is one we implement and fits this key (type; for ECDSA the curve; for an RSASSA-PSS
  // key whose parameters fix the hash, that hash).
  bool can_verify(signature_scheme s) const noexcept;
  // Ok, or: the scheme does not fit the key -> protocol_errc::illegal_parameter;
  // the signature is wrong -> protocol_errc::decrypt_error.
  result<void> verify(signature_scheme s, bytes message, bytes signature) const;
  // DER SubjectPublicKeyInfo.
  result<std::vector<std::byte>> spki_der() const;
  evp_pkey_st* native() const noexcept { return pkey_; }

 private:
  public_key(evp_pkey_st* k, key_kind kind, unsigned bits, signature_scheme only) noexcept
      : pkey_(k), kind_(kind), bits_(bits), only_(only) {}
  evp_pkey_st* pkey_;
  key_kind kind_;
  unsigned bits_;
  signature_scheme only_;  // RSASSA-PSS key restricted to one hash; {} otherwise
};

// What the handshake signs CertificateVerify with. private_key implements it with libcrypto; implement
// it yourself to keep the key elsewhere (an HSM, a KMS, another process). Called from any thread
// that drives a connection: implementations must be safe to call concurrently.
class signing_key {
 public:
  virtual ~signing_key() = default;
  // Every scheme this key signs with, strongest hash last. The handshake offers only those that
  // allowed_in_certificate_verify() accepts.
  virtual std::vector<signature_scheme> schemes() const = 0;
  // The signature of `message` (the CertificateVerify content, RFC 8446 §4.4.3) under scheme `s`.
  virtual result<std::vector<std::byte>> sign(signature_scheme s, bytes message) const = 0;
};

class private_key final : public signing_key {
 public:
  // PEM: PKCS#8 "PRIVATE KEY" or the traditional "RSA/EC PRIVATE KEY" forms; other PEM blocks
  // (e.g. certificates) before the key are skipped. Encrypted keys are refused (no passphrase
  // prompt). Unparsable or unsupported key: internal_errc::invalid_argument.
  static result<private_key> from_pem(std::string_view pem, const key_policy& policy = {});
  // DER: PKCS#8 or traditional.
  static result<private_key> from_der(bytes der, const key_policy& policy = {});
  static result<private_key> from_pem_file(const std::string& path, const key_policy& policy = {});
  // A fresh key from libcrypto's DRBG (tests, self-signed setups). rsa_bits only for RSA kinds.
  static result<private_key> generate(key_kind kind, unsigned rsa_bits = 2048);

  private_key(private_key&& o) noexcept;
  private_key& operator=(private_key&& o) noexcept;
  private_key(const private_key&) = delete;
  private_key& operator=(const private_key&) = delete;
  ~private_key() override;  // libcrypto clears the key material when it frees it

  key_kind kind() const noexcept { return kind_; }
  unsigned bits() const noexcept { return bits_; }
  // The scheme fits the key and is one we sign with (never rsa_pkcs1_*).
  bool can_sign(signature_scheme s) const noexcept;
  // Every scheme this key can sign with, strongest hash last (the handshake picks by peer order).
  std::vector<signature_scheme> schemes() const override;
  // ECDSA (DER), RSA-PSS (salt = hash length, MGF1 with the same hash) or Ed25519 signature.
  // Randomness (ECDSA nonce, PSS salt) comes from libcrypto's DRBG, not the crypto_provider.
  // rsa_pkcs1_* or an unimplemented scheme: internal_errc::invalid_argument;
  // a scheme that does not fit the key: internal_errc::key_mismatch.
  result<std::vector<std::byte>> sign(signature_scheme s, bytes message) const override;

  // The public half (for checking a certificate against the key, or round-trip tests).
  result<public_key> public_part() const;
  // The certificate key `pub` is this key's public half.
  bool matches(const public_key& pub) const noexcept;

 private:
  private_key(evp_pkey_st* k, key_kind kind, unsigned bits, signature_scheme only) noexcept
      : pkey_(k), kind_(kind), bits_(bits), only_(only) {}
  static result<private_key> adopt(evp_pkey_st* k, const key_policy& policy);
  evp_pkey_st* pkey_;
  key_kind kind_;
  unsigned bits_;
  signature_scheme only_;  // RSASSA-PSS key restricted to one hash; {} otherwise
};

}  // namespace tls13
