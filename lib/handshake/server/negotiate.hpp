// Server-side choices (RFC 8446 §4.1.1): cipher suite, key-exchange group, ALPN, signature scheme
// and certificate. Pure functions over the decoded ClientHello so they are tested on their own.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "handshake/messages/extension_bodies.hpp"
#include "tls13/types.hpp"

namespace tls13::handshake {

// Server preference: the first of `ours` the client offered.
std::optional<cipher_suite> select_cipher_suite(std::span<const cipher_suite> ours,
                                                const u16_list& theirs) noexcept;

struct group_choice {
  named_group group;
  const key_share_entry* share = nullptr;  // null: no share for it, send a HelloRetryRequest
};
// Prefers a group the client sent a share for (no extra round trip), in our preference order;
// otherwise our most preferred group among the client's supported_groups (HRR). A share for a
// group missing from supported_groups is illegal_parameter (§4.2.8); nothing in common is
// policy_errc::no_common_group.
result<group_choice> select_group(std::span<const named_group> ours, const u16_list& client_groups,
                                  const std::vector<key_share_entry>& client_shares) noexcept;

// ALPN (RFC 7301 §3.2): our preference order; no overlap is no_application_protocol. nullopt when
// either side has no ALPN.
result<std::optional<std::string>> select_alpn(std::span<const std::string> ours,
                                               const std::vector<bytes>& theirs);

// The first of the key's schemes (in its preference order) that the client accepts.
std::optional<signature_scheme> select_signature_scheme(std::span<const signature_scheme> key_schemes,
                                                        const u16_list& client_schemes) noexcept;

// RFC 6125-style match of an SNI host against a configured name ("*.example.com" matches one label).
bool server_name_matches(std::string_view pattern, std::string_view host) noexcept;

}  // namespace tls13::handshake
