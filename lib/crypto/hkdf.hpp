// HKDF (RFC 5869) over libcrypto's EVP_KDF "HKDF" (fetched once).
#pragma once

#include "crypto/hash.hpp"

namespace tls13::crypto {

// PRK = HKDF-Extract(salt, IKM); an empty salt means HashLen zero octets (RFC 5869 §2.2).
result<secret> hkdf_extract(hash_alg h, bytes salt, bytes ikm) noexcept;

// OKM = HKDF-Expand(PRK, info, L) into `okm` (L = okm.size() <= 255 * HashLen).
result<void> hkdf_expand(hash_alg h, bytes prk, bytes info, mut_bytes okm) noexcept;

namespace detail {
// HMAC(key, a || b || c) into out (hash_size(h) octets), on the digest fetched once (RFC 2104).
bool hmac3(hash_alg h, bytes key, bytes a, bytes b, bytes c, std::byte* out) noexcept;
}  // namespace detail

}  // namespace tls13::crypto
