// HKDF-Extract / HKDF-Expand through EVP_KDF in EXTRACT_ONLY / EXPAND_ONLY mode.
#include "crypto/hkdf.hpp"

#include <openssl/core_names.h>

#include "crypto/evp_fetch.hpp"
#include "tls13/errors.hpp"

namespace tls13::crypto {
namespace {

// Runs HKDF in `mode` with the given key (IKM or PRK), salt and info into `out`.
result<void> run_hkdf(hash_alg h, int mode, bytes key, bytes salt, bytes info, mut_bytes out) noexcept {
  EVP_KDF* kdf = detail::fetched_hkdf();
  if (kdf == nullptr) return internal_errc::crypto_failure;
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  if (ctx == nullptr) return internal_errc::crypto_failure;
  // RFC 5869: an absent salt is HashLen zeros; OpenSSL needs it spelled out.
  const std::array<unsigned char, max_hash_size> zeros{};
  const void* salt_p = salt.empty() ? zeros.data() : static_cast<const void*>(salt.data());
  const std::size_t salt_n = salt.empty() ? hash_size(h) : salt.size();
  // OpenSSL rejects an empty key parameter; HKDF with an empty IKM is legal (HashLen zeros are not
  // the same thing, so use a 1-byte buffer with length 0 only where the provider accepts it).
  static const unsigned char empty[1] = {0};
  const void* key_p = key.empty() ? empty : static_cast<const void*>(key.data());
  OSSL_PARAM params[6];
  int i = 0;
  params[i++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[i++] =
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(detail::md_name(h)), 0);
  params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<void*>(key_p), key.size());
  if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY)
    params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<void*>(salt_p), salt_n);
  else
    params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<std::byte*>(info.data()),
                                                    info.size());
  params[i] = OSSL_PARAM_construct_end();
  const bool ok = EVP_KDF_derive(ctx, reinterpret_cast<unsigned char*>(out.data()), out.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);
  if (!ok) return internal_errc::crypto_failure;
  return {};
}

}  // namespace

result<secret> hkdf_extract(hash_alg h, bytes salt, bytes ikm) noexcept {
  secret prk(hash_size(h));
  TLS13_TRY(run_hkdf(h, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt, {}, prk.mut_view()));
  return prk;
}

result<void> hkdf_expand(hash_alg h, bytes prk, bytes info, mut_bytes okm) noexcept {
  if (okm.size() > 255 * hash_size(h) || prk.size() < hash_size(h)) return internal_errc::invalid_argument;
  return run_hkdf(h, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, {}, info, okm);
}

}  // namespace tls13::crypto
