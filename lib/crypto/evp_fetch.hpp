// Algorithms fetched from the default library context exactly once per process (thread-safe
// function-local statics). Fetching is expensive in OpenSSL 3; per-operation fetches are not allowed.
#pragma once

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "crypto/hash.hpp"

namespace tls13::crypto::detail {

const EVP_MD* fetched_md(hash_alg h) noexcept;
EVP_MAC* fetched_hmac() noexcept;
EVP_KDF* fetched_hkdf() noexcept;
const char* md_name(hash_alg h) noexcept;

}  // namespace tls13::crypto::detail
