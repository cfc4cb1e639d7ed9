#include "handshake/server/negotiate.hpp"

#include <algorithm>

#include "tls13/errors.hpp"

namespace tls13::handshake {

std::optional<cipher_suite> select_cipher_suite(std::span<const cipher_suite> ours,
                                                const u16_list& theirs) noexcept {
  for (auto s : ours)
    if (theirs.contains(static_cast<std::uint16_t>(s))) return s;
  return std::nullopt;
}

result<group_choice> select_group(std::span<const named_group> ours, const u16_list& client_groups,
                                  const std::vector<key_share_entry>& client_shares) noexcept {
  for (const auto& share : client_shares)
    if (!client_groups.contains(share.group)) return protocol_errc::illegal_parameter;
  for (auto g : ours) {
    for (const auto& share : client_shares)
      if (share.group == static_cast<std::uint16_t>(g)) return group_choice{g, &share};
  }
  for (auto g : ours)
    if (client_groups.contains(static_cast<std::uint16_t>(g))) return group_choice{g, nullptr};
  return policy_errc::no_common_group;
}

result<std::optional<std::string>> select_alpn(std::span<const std::string> ours,
                                               const std::vector<bytes>& theirs) {
  if (ours.empty() || theirs.empty()) return std::optional<std::string>{};
  for (const auto& p : ours) {
    for (const auto& t : theirs) {
      if (t.size() == p.size() && std::equal(t.begin(), t.end(), p.begin(), [](std::byte a, char b) {
            return a == static_cast<std::byte>(b);
          }))
        return std::optional<std::string>(p);
    }
  }
  return policy_errc::no_application_protocol;
}

std::optional<signature_scheme> select_signature_scheme(std::span<const signature_scheme> key_schemes,
                                                        const u16_list& client_schemes) noexcept {
  for (auto s : key_schemes)
    if (client_schemes.contains(static_cast<std::uint16_t>(s))) return s;
  return std::nullopt;
}

namespace {
bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}
}  // namespace

bool server_name_matches(std::string_view pattern, std::string_view host) noexcept {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (pattern.size() > 2 && pattern.substr(0, 2) == "*.") {
    const auto dot = host.find('.');
    if (dot == std::string_view::npos || dot == 0) return false;
    return iequal(pattern.substr(1), host.substr(dot));
  }
  return iequal(pattern, host);
}

}  // namespace tls13::handshake
