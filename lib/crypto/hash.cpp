// SHA-2 hashing, running transcripts and HMAC on EVP.
#include "crypto/hash.hpp"

#include <openssl/core_names.h>

#include "crypto/evp_fetch.hpp"
#include "crypto/hkdf.hpp"
#include "tls13/errors.hpp"

namespace tls13::crypto {
namespace detail {

const char* md_name(hash_alg h) noexcept { return h == hash_alg::sha256 ? "SHA256" : "SHA384"; }

const EVP_MD* fetched_md(hash_alg h) noexcept {
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  return h == hash_alg::sha256 ? sha256 : sha384;
}

EVP_MAC* fetched_hmac() noexcept {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

EVP_KDF* fetched_hkdf() noexcept {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return kdf;
}

}  // namespace detail

using detail::fetched_md;

result<digest> hash(hash_alg h, bytes data) noexcept {
  digest d;
  unsigned int len = 0;
  const EVP_MD* md = fetched_md(h);
  if (md == nullptr || EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(d.data.data()),
                                  &len, md, nullptr) != 1)
    return internal_errc::crypto_failure;
  d.size = len;
  return d;
}

result<transcript_hash> transcript_hash::create(hash_alg h) noexcept {
  const EVP_MD* md = fetched_md(h);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (md == nullptr || ctx == nullptr || EVP_DigestInit_ex2(ctx, md, nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    return internal_errc::crypto_failure;
  }
  return transcript_hash(h, ctx);
}

transcript_hash::transcript_hash(transcript_hash&& o) noexcept : alg_(o.alg_), ctx_(o.ctx_) {
  o.ctx_ = nullptr;
}

transcript_hash& transcript_hash::operator=(transcript_hash&& o) noexcept {
  if (this != &o) {
    EVP_MD_CTX_free(ctx_);
    alg_ = o.alg_;
    ctx_ = o.ctx_;
    o.ctx_ = nullptr;
  }
  return *this;
}

transcript_hash::~transcript_hash() { EVP_MD_CTX_free(ctx_); }

result<void> transcript_hash::update(bytes data) noexcept {
  if (ctx_ == nullptr) return internal_errc::invalid_state;
  if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) return internal_errc::crypto_failure;
  return {};
}

result<digest> transcript_hash::current() const noexcept {
  if (ctx_ == nullptr) return internal_errc::invalid_state;
  EVP_MD_CTX* tmp = EVP_MD_CTX_new();
  digest d;
  unsigned int len = 0;
  const bool ok = tmp != nullptr && EVP_MD_CTX_copy_ex(tmp, ctx_) == 1 &&
                  EVP_DigestFinal_ex(tmp, reinterpret_cast<unsigned char*>(d.data.data()), &len) == 1;
  EVP_MD_CTX_free(tmp);
  if (!ok) return internal_errc::crypto_failure;
  d.size = len;
  return d;
}

result<transcript_hash> transcript_hash::clone() const noexcept {
  if (ctx_ == nullptr) return internal_errc::invalid_state;
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  if (copy == nullptr || EVP_MD_CTX_copy_ex(copy, ctx_) != 1) {
    EVP_MD_CTX_free(copy);
    return internal_errc::crypto_failure;
  }
  return transcript_hash(alg_, copy);
}

result<digest> hmac(hash_alg h, bytes key, bytes data) noexcept {
  digest d;
  if (!detail::hmac3(h, key, data, {}, {}, d.data.data())) return internal_errc::crypto_failure;
  d.size = hash_size(h);
  return d;
}

}  // namespace tls13::crypto
