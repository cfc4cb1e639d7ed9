// SHA-256/384, running transcript hashes and HMAC over libcrypto (EVP_MD / EVP_MAC fetched once).
#pragma once

#include <cstddef>

#include "tls13/secret.hpp"
#include "tls13/types.hpp"

struct evp_md_ctx_st;

namespace tls13::crypto {

enum class hash_alg : std::uint8_t { sha256, sha384 };

constexpr std::size_t hash_size(hash_alg h) noexcept { return h == hash_alg::sha256 ? 32 : 48; }
inline constexpr std::size_t max_hash_size = 48;

// The hash a cipher suite uses (RFC 8446 §B.4).
constexpr hash_alg suite_hash(cipher_suite s) noexcept {
  return s == cipher_suite::aes_256_gcm_sha384 ? hash_alg::sha384 : hash_alg::sha256;
}

// A digest value: up to 48 octets, no secret (transcript hashes are public).
struct digest {
  std::array<std::byte, max_hash_size> data{};
  std::size_t size = 0;
  bytes view() const noexcept { return {data.data(), size}; }
};

// One-shot hash.
result<digest> hash(hash_alg h, bytes data) noexcept;

// The running hash of the handshake transcript. current() reads the hash so far without ending
// it; clone() gives an independent copy (HelloRetryRequest, PSK binders).
class transcript_hash {
 public:
  static result<transcript_hash> create(hash_alg h) noexcept;
  transcript_hash(transcript_hash&& o) noexcept;
  transcript_hash& operator=(transcript_hash&& o) noexcept;
  transcript_hash(const transcript_hash&) = delete;
  transcript_hash& operator=(const transcript_hash&) = delete;
  ~transcript_hash();

  hash_alg algorithm() const noexcept { return alg_; }
  result<void> update(bytes data) noexcept;
  result<digest> current() const noexcept;
  result<transcript_hash> clone() const noexcept;

 private:
  transcript_hash(hash_alg h, evp_md_ctx_st* ctx) noexcept : alg_(h), ctx_(ctx) {}
  hash_alg alg_;
  evp_md_ctx_st* ctx_;
};

// HMAC(key, data) with the given hash; the output is hash_size(h) octets.
result<digest> hmac(hash_alg h, bytes key, bytes data) noexcept;

}  // namespace tls13::crypto
