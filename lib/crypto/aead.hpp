// AEAD for record protection: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 (RFC 8446 §5.2).
// Each EVP_CIPHER is fetched once per process; each aead_ctx keeps one EVP_CIPHER_CTX keyed once
// and only changes the nonce per record.
#pragma once

#include <cstddef>

#include "tls13/secret.hpp"
#include "tls13/types.hpp"

struct evp_cipher_ctx_st;

namespace tls13::crypto {

enum class aead_alg : std::uint8_t { aes_128_gcm, aes_256_gcm, chacha20_poly1305 };
enum class direction : std::uint8_t { seal, open };

inline constexpr std::size_t aead_tag_size = 16;
inline constexpr std::size_t aead_nonce_size = 12;

constexpr aead_alg suite_aead(cipher_suite s) noexcept {
  switch (s) {
    case cipher_suite::aes_256_gcm_sha384:
      return aead_alg::aes_256_gcm;
    case cipher_suite::chacha20_poly1305_sha256:
      return aead_alg::chacha20_poly1305;
    default:
      return aead_alg::aes_128_gcm;
  }
}
constexpr std::size_t aead_key_size(aead_alg a) noexcept { return a == aead_alg::aes_128_gcm ? 16 : 32; }

class aead_ctx {
 public:
  // key.size() must be aead_key_size(alg).
  static result<aead_ctx> create(aead_alg alg, direction dir, bytes key) noexcept;
  aead_ctx(aead_ctx&& o) noexcept;
  aead_ctx& operator=(aead_ctx&& o) noexcept;
  aead_ctx(const aead_ctx&) = delete;
  aead_ctx& operator=(const aead_ctx&) = delete;
  ~aead_ctx();

  aead_alg algorithm() const noexcept { return alg_; }

  // Encrypts `plaintext` into out[0, plaintext.size()) and appends the 16-octet tag.
  // out.size() >= plaintext.size() + 16; out.data() == plaintext.data() (in place) is allowed.
  // Returns the number of octets written. Only for direction::seal.
  result<std::size_t> seal(bytes nonce, bytes aad, bytes plaintext, mut_bytes out) noexcept;
  // The same over the concatenation plaintext || tail (a record's content and its inner type byte),
  // encrypting straight from the caller's data into `out` with no staging copy.
  result<std::size_t> seal(bytes nonce, bytes aad, bytes plaintext, bytes tail, mut_bytes out) noexcept;

  // Decrypts ciphertext||tag in place; returns the plaintext length (data.size() - 16).
  // A wrong tag is protocol_errc::bad_record_mac; the buffer then holds garbage and must be dropped.
  // Only for direction::open.
  result<std::size_t> open(bytes nonce, bytes aad, mut_bytes data) noexcept;
  // The same from ciphertext||tag `data` into out[0, data.size() - 16), which may be elsewhere
  // (out.size() >= data.size() - 16). On a wrong tag `out` holds garbage: the caller wipes it.
  result<std::size_t> open(bytes nonce, bytes aad, bytes data, mut_bytes out) noexcept;

 private:
  aead_ctx(aead_alg a, direction d, evp_cipher_ctx_st* c) noexcept : alg_(a), dir_(d), ctx_(c) {}
  aead_alg alg_;
  direction dir_;
  evp_cipher_ctx_st* ctx_;
};

}  // namespace tls13::crypto
