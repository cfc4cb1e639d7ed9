// Owning handles for libcrypto objects, so every early return frees what it allocated.
// Private to lib/crypto (includes OpenSSL headers).
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <system_error>

#include "tls13/errors.hpp"
#include "tls13/types.hpp"

namespace tls13::crypto::detail {

template <auto Free>
struct ossl_deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, ossl_deleter<&EVP_PKEY_free>>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, ossl_deleter<&EVP_PKEY_CTX_free>>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, ossl_deleter<&EVP_MD_CTX_free>>;
// BN_clear_free: big numbers here may hold private scalars.
using bn_ptr = std::unique_ptr<BIGNUM, ossl_deleter<&BN_clear_free>>;
using bn_ctx_ptr = std::unique_ptr<BN_CTX, ossl_deleter<&BN_CTX_free>>;
using ec_group_ptr = std::unique_ptr<EC_GROUP, ossl_deleter<&EC_GROUP_free>>;
using ec_point_ptr = std::unique_ptr<EC_POINT, ossl_deleter<&EC_POINT_clear_free>>;
using bio_ptr = std::unique_ptr<BIO, ossl_deleter<&BIO_free>>;
using params_ptr = std::unique_ptr<OSSL_PARAM, ossl_deleter<&OSSL_PARAM_free>>;

// Drops libcrypto's queued error records (they would pile up per thread) and returns `e`.
template <class E>
std::error_code fail(E e) noexcept {
  ERR_clear_error();
  return make_error_code(e);
}

inline const unsigned char* u8(const std::byte* p) noexcept {
  return reinterpret_cast<const unsigned char*>(p);
}
inline unsigned char* u8(std::byte* p) noexcept { return reinterpret_cast<unsigned char*>(p); }

}  // namespace tls13::crypto::detail
