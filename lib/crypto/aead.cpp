// AEAD record protection on EVP_CIPHER_CTX: keyed once, nonce set per record.
#include "crypto/aead.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "tls13/errors.hpp"

namespace tls13::crypto {
namespace {

const EVP_CIPHER* fetched_cipher(aead_alg a) noexcept {
  static EVP_CIPHER* const aes128 = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  static EVP_CIPHER* const aes256 = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  static EVP_CIPHER* const chacha = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
  switch (a) {
    case aead_alg::aes_128_gcm:
      return aes128;
    case aead_alg::aes_256_gcm:
      return aes256;
    case aead_alg::chacha20_poly1305:
      return chacha;
  }
  return nullptr;
}

auto* u8(const std::byte* p) noexcept { return reinterpret_cast<const unsigned char*>(p); }
auto* u8(std::byte* p) noexcept { return reinterpret_cast<unsigned char*>(p); }

}  // namespace

result<aead_ctx> aead_ctx::create(aead_alg alg, direction dir, bytes key) noexcept {
  const EVP_CIPHER* cipher = fetched_cipher(alg);
  if (cipher == nullptr) return internal_errc::crypto_failure;
  if (key.size() != aead_key_size(alg)) return internal_errc::invalid_argument;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  const int enc = dir == direction::seal ? 1 : 0;
  if (ctx == nullptr || EVP_CipherInit_ex2(ctx, cipher, u8(key.data()), nullptr, enc, nullptr) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return internal_errc::crypto_failure;
  }
  return aead_ctx(alg, dir, ctx);
}

aead_ctx::aead_ctx(aead_ctx&& o) noexcept : alg_(o.alg_), dir_(o.dir_), ctx_(o.ctx_) { o.ctx_ = nullptr; }

aead_ctx& aead_ctx::operator=(aead_ctx&& o) noexcept {
  if (this != &o) {
    EVP_CIPHER_CTX_free(ctx_);
    alg_ = o.alg_;
    dir_ = o.dir_;
    ctx_ = o.ctx_;
    o.ctx_ = nullptr;
  }
  return *this;
}

// EVP_CIPHER_CTX_free wipes the key schedule held inside the context.
aead_ctx::~aead_ctx() { EVP_CIPHER_CTX_free(ctx_); }

result<std::size_t> aead_ctx::seal(bytes nonce, bytes aad, bytes plaintext, mut_bytes out) noexcept {
  return seal(nonce, aad, plaintext, {}, out);
}

result<std::size_t> aead_ctx::seal(bytes nonce, bytes aad, bytes plaintext, bytes tail,
                                   mut_bytes out) noexcept {
  if (ctx_ == nullptr || dir_ != direction::seal) return internal_errc::invalid_state;
  if (nonce.size() != aead_nonce_size) return internal_errc::invalid_argument;
  if (out.size() < plaintext.size() + tail.size() + aead_tag_size) return internal_errc::buffer_too_small;
  int len = 0;
  if (EVP_CipherInit_ex2(ctx_, nullptr, nullptr, u8(nonce.data()), 1, nullptr) != 1 ||
      EVP_CipherUpdate(ctx_, nullptr, &len, u8(aad.data()), static_cast<int>(aad.size())) != 1 ||
      EVP_CipherUpdate(ctx_, u8(out.data()), &len, u8(plaintext.data()),
                       static_cast<int>(plaintext.size())) != 1)
    return internal_errc::crypto_failure;
  std::size_t written = static_cast<std::size_t>(len);
  if (!tail.empty()) {
    if (EVP_CipherUpdate(ctx_, u8(out.data() + written), &len, u8(tail.data()),
                         static_cast<int>(tail.size())) != 1)
      return internal_errc::crypto_failure;
    written += static_cast<std::size_t>(len);
  }
  int fin = 0;
  if (EVP_CipherFinal_ex(ctx_, u8(out.data() + written), &fin) != 1) return internal_errc::crypto_failure;
  written += static_cast<std::size_t>(fin);
  if (EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, aead_tag_size, out.data() + written) != 1)
    return internal_errc::crypto_failure;
  return written + aead_tag_size;
}

result<std::size_t> aead_ctx::open(bytes nonce, bytes aad, mut_bytes data) noexcept {
  return open(nonce, aad, bytes(data), data);
}

result<std::size_t> aead_ctx::open(bytes nonce, bytes aad, bytes data, mut_bytes out) noexcept {
  if (ctx_ == nullptr || dir_ != direction::open) return internal_errc::invalid_state;
  if (nonce.size() != aead_nonce_size) return internal_errc::invalid_argument;
  if (data.size() < aead_tag_size) return protocol_errc::bad_record_mac;
  const std::size_t ct_len = data.size() - aead_tag_size;
  if (out.size() < ct_len) return internal_errc::invalid_argument;
  // EVP takes the expected tag through a non-const pointer but only copies it into the context.
  void* const tag = const_cast<std::byte*>(data.data() + ct_len);
  int len = 0;
  if (EVP_CipherInit_ex2(ctx_, nullptr, nullptr, u8(nonce.data()), 0, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, aead_tag_size, tag) != 1 ||
      EVP_CipherUpdate(ctx_, nullptr, &len, u8(aad.data()), static_cast<int>(aad.size())) != 1 ||
      EVP_CipherUpdate(ctx_, u8(out.data()), &len, u8(data.data()), static_cast<int>(ct_len)) != 1)
    return internal_errc::crypto_failure;
  int fin = 0;
  if (EVP_CipherFinal_ex(ctx_, u8(out.data() + len), &fin) != 1) return protocol_errc::bad_record_mac;
  return ct_len;
}

}  // namespace tls13::crypto
