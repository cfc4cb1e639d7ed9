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

std::vector<named_group> initial_share_groups(std::span<const named_group> groups, std::size_t key_shares) {
  if (groups.empty()) return {};
  if (key_shares > 0) return {groups.begin(), groups.begin() + std::min(key_shares, groups.size())};
  std::vector<named_group> out{groups.front()};
  if (is_hybrid_group(groups.front())) {
    const auto classical =
        std::find_if(groups.begin(), groups.end(), [](named_group g) { return !is_hybrid_group(g); });
    if (classical != groups.end()) out.push_back(*classical);
  }
  return out;
}

std::vector<signature_scheme> key_signature_schemes(const signing_key& k) {
  auto s = k.schemes();
  // A custom signer may list schemes TLS 1.3 keeps for certificates only (rsa_pkcs1_*).
  std::erase_if(s, [](signature_scheme x) { return !allowed_in_certificate_verify(x); });
  // private_key lists the strongest hash last; a server prefers the strongest it may use.
  std::reverse(s.begin(), s.end());
  return s;
}

void apply_extension_hook(const common_config& c, handshake_type message, std::vector<std::byte>& ext) {
  if (!c.extension_hook_for_testing) return;
  // `ext` is our own well-formed encoding: type(2) length(2) body, repeated.
  const auto u16 = [&](std::size_t at) {
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(ext[at]) << 8) |
                                      std::to_integer<unsigned>(ext[at + 1]));
  };
  std::vector<raw_extension> list;
  for (std::size_t at = 0; at + 4 <= ext.size();) {
    const std::size_t len = u16(at + 2);
    const auto body = ext.begin() + static_cast<std::ptrdiff_t>(at + 4);
    list.push_back({u16(at), std::vector<std::byte>(body, body + static_cast<std::ptrdiff_t>(len))});
    at += 4 + len;
  }
  c.extension_hook_for_testing(message, list);
  ext.clear();
  for (const auto& e : list) {
    for (unsigned v : {unsigned{e.type}, static_cast<unsigned>(e.body.size())}) {
      ext.push_back(static_cast<std::byte>(v >> 8));
      ext.push_back(static_cast<std::byte>(v & 0xff));
    }
    ext.insert(ext.end(), e.body.begin(), e.body.end());
  }
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
