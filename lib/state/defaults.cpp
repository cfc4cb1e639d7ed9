#include "state/defaults.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace tls13 {
namespace {
constexpr cipher_suite default_suites[] = {cipher_suite::aes_128_gcm_sha256, cipher_suite::aes_256_gcm_sha384,
                                           cipher_suite::chacha20_poly1305_sha256};
}

std::span<const cipher_suite> effective_suites(const common_config& c) noexcept {
  if (!c.cipher_suites.empty()) return c.cipher_suites;
  return default_suites;
}

std::span<const named_group> effective_groups(const common_config& c, const crypto_provider& p) noexcept {
  if (!c.groups.empty()) return c.groups;
  return p.groups();
}

std::span<const signature_scheme> effective_schemes(const common_config& c,
                                                    const crypto_provider& p) noexcept {
  if (!c.signature_schemes.empty()) return c.signature_schemes;
  return p.signature_schemes();
}

std::vector<signature_scheme> key_signature_schemes(const private_key& k) {
  auto s = k.schemes();
  // private_key lists the strongest hash last; a server prefers the strongest it may use.
  std::reverse(s.begin(), s.end());
  return s;
}

bytes cookie_key(const server_config& c) noexcept {
  if (!c.cookie_key.empty()) return c.cookie_key;
  // One random key per process: HRR cookies only need to survive one connection's round trip.
  // A failing CSPRNG at this point leaves no safe way on: stop rather than use a guessable key.
  static const std::array<std::byte, 32> key = [] {
    std::array<std::byte, 32> k{};
    if (!default_crypto_provider()->random(k)) std::abort();
    return k;
  }();
  return key;
}

}  // namespace tls13
