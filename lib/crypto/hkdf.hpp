// HKDF (RFC 5869) over libcrypto's EVP_KDF "HKDF" (fetched once).
#pragma once

#include "crypto/hash.hpp"

namespace tls13::crypto {

// PRK = HKDF-Extract(salt, IKM); an empty salt means HashLen zero octets (RFC 5869 §2.2).
result<secret> hkdf_extract(hash_alg h, bytes salt, bytes ikm) noexcept;

// OKM = HKDF-Expand(PRK, info, L) into `okm` (L = okm.size() <= 255 * HashLen).
result<void> hkdf_expand(hash_alg h, bytes prk, bytes info, mut_bytes okm) noexcept;

}  // namespace tls13::crypto
