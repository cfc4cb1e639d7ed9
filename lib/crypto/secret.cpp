// Wiping and constant-time comparison for secrets, on libcrypto's primitives.
#include "tls13/secret.hpp"

#include <openssl/crypto.h>

namespace tls13 {

void secure_wipe(mut_bytes b) noexcept {
  if (!b.empty()) OPENSSL_cleanse(b.data(), b.size());
}

bool constant_time_equal(bytes a, bytes b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tls13
