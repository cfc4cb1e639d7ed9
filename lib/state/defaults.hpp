// Effective settings: a config's list when it has one, otherwise the provider's defaults
// (no copies: spans into the config or the provider).
#pragma once

#include <span>
#include <vector>

#include "tls13/config.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/keys.hpp"

namespace tls13 {

std::span<const cipher_suite> effective_suites(const common_config& c) noexcept;
std::span<const named_group> effective_groups(const common_config& c, const crypto_provider& p) noexcept;
std::span<const signature_scheme> effective_schemes(const common_config& c,
                                                    const crypto_provider& p) noexcept;
// The groups a client sends key shares for in its first ClientHello (client_config::key_shares).
std::vector<named_group> initial_share_groups(std::span<const named_group> groups, std::size_t key_shares);
// The schemes `k` can sign with, in the order we prefer to use them.
std::vector<signature_scheme> key_signature_schemes(const signing_key& k);
// Runs the test-only extension hook (if set) over an extension block we built; no-op otherwise.
void apply_extension_hook(const common_config& c, handshake_type message, std::vector<std::byte>& ext);
// The server's HRR cookie key: the configured one, or a random key made once per process.
bytes cookie_key(const server_config& c) noexcept;

}  // namespace tls13
