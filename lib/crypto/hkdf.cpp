// HKDF (RFC 5869) as HMAC over a digest fetched once. OpenSSL 3's EVP_KDF / EVP_MAC route costs a
// provider round trip and parameter parsing per call, which made HKDF a quarter of a server
// handshake; HMAC is two digests (RFC 2104), done here with the fetched EVP_MD and a reused
// EVP_MD_CTX. Checked by the RFC 5869 and Wycheproof HKDF vectors and the RFC 8448 key schedule.
#include "crypto/hkdf.hpp"

#include <array>

#include "crypto/evp_fetch.hpp"
#include "tls13/errors.hpp"
#include "tls13/secret.hpp"

namespace tls13::crypto {
namespace {

constexpr std::size_t max_block = 128;  // SHA-384's block

std::size_t block_size(hash_alg h) noexcept { return h == hash_alg::sha256 ? 64 : 128; }

struct md_ctx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  md_ctx() = default;
  md_ctx(const md_ctx&) = delete;
  md_ctx& operator=(const md_ctx&) = delete;
  ~md_ctx() { EVP_MD_CTX_free(ctx); }
};

// One context per thread, reset by every EVP_DigestInit_ex2.
EVP_MD_CTX* thread_ctx() noexcept {
  thread_local md_ctx c;
  return c.ctx;
}

}  // namespace

namespace detail {
// HMAC(key, a || b || c) into out (hash_size(h) octets).
bool hmac3(hash_alg h, bytes key, bytes a, bytes b, bytes c, std::byte* out) noexcept {
  const EVP_MD* md = detail::fetched_md(h);
  EVP_MD_CTX* ctx = thread_ctx();
  if (md == nullptr || ctx == nullptr) return false;
  const std::size_t bs = block_size(h);
  std::array<unsigned char, max_block> pad{};
  unsigned int n = 0;
  if (key.size() > bs) {  // RFC 2104: longer keys are hashed first
    if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 || EVP_DigestUpdate(ctx, key.data(), key.size()) != 1 ||
        EVP_DigestFinal_ex(ctx, pad.data(), &n) != 1)
      return false;
  } else {
    for (std::size_t i = 0; i < key.size(); ++i) pad[i] = std::to_integer<unsigned char>(key[i]);
  }
  std::array<unsigned char, max_block> ipad{}, opad{};
  for (std::size_t i = 0; i < bs; ++i) {
    ipad[i] = pad[i] ^ 0x36;
    opad[i] = pad[i] ^ 0x5c;
  }
  std::array<unsigned char, max_hash_size> inner{};
  bool ok = EVP_DigestInit_ex2(ctx, md, nullptr) == 1 && EVP_DigestUpdate(ctx, ipad.data(), bs) == 1 &&
            (a.empty() || EVP_DigestUpdate(ctx, a.data(), a.size()) == 1) &&
            (b.empty() || EVP_DigestUpdate(ctx, b.data(), b.size()) == 1) &&
            (c.empty() || EVP_DigestUpdate(ctx, c.data(), c.size()) == 1) &&
            EVP_DigestFinal_ex(ctx, inner.data(), &n) == 1;
  ok = ok && EVP_DigestInit_ex2(ctx, md, nullptr) == 1 && EVP_DigestUpdate(ctx, opad.data(), bs) == 1 &&
       EVP_DigestUpdate(ctx, inner.data(), n) == 1 &&
       EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(out), &n) == 1;
  // The pads are the key; the inner hash is keyed too.
  secure_wipe(mut_bytes(reinterpret_cast<std::byte*>(pad.data()), pad.size()));
  secure_wipe(mut_bytes(reinterpret_cast<std::byte*>(ipad.data()), ipad.size()));
  secure_wipe(mut_bytes(reinterpret_cast<std::byte*>(opad.data()), opad.size()));
  secure_wipe(mut_bytes(reinterpret_cast<std::byte*>(inner.data()), inner.size()));
  return ok;
}
}  // namespace detail

using detail::hmac3;

result<secret> hkdf_extract(hash_alg h, bytes salt, bytes ikm) noexcept {
  // RFC 5869 §2.2: an absent salt is HashLen zeros.
  const std::array<std::byte, max_hash_size> zeros{};
  const bytes key = salt.empty() ? bytes(zeros.data(), hash_size(h)) : salt;
  secret prk(hash_size(h));
  if (!hmac3(h, key, ikm, {}, {}, prk.data())) return internal_errc::crypto_failure;
  return prk;
}

result<void> hkdf_expand(hash_alg h, bytes prk, bytes info, mut_bytes okm) noexcept {
  const std::size_t n = hash_size(h);
  if (okm.size() > 255 * n || prk.size() < n) return internal_errc::invalid_argument;
  // T(i) = HMAC(PRK, T(i-1) || info || i), OKM = the first L octets of T(1) || T(2) || ...
  std::array<std::byte, max_hash_size> t{};
  std::size_t t_len = 0;
  for (std::size_t done = 0, i = 1; done < okm.size(); ++i) {
    const std::byte counter[1] = {static_cast<std::byte>(i)};
    if (!hmac3(h, prk, bytes(t.data(), t_len), info, counter, t.data())) {
      secure_wipe(t);
      return internal_errc::crypto_failure;
    }
    t_len = n;
    const std::size_t take = std::min(n, okm.size() - done);
    std::copy(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(take),
              okm.begin() + static_cast<std::ptrdiff_t>(done));
    done += take;
  }
  secure_wipe(t);
  return {};
}

}  // namespace tls13::crypto
