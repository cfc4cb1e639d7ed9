#include "handshake/messages/extensions.hpp"

#include <algorithm>
#include <array>

namespace tls13::handshake {
namespace {

using mk = message_kind;
constexpr std::uint8_t operator|(mk a, mk b) {
  return static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b);
}
constexpr std::uint8_t operator|(std::uint8_t a, mk b) { return a | static_cast<std::uint8_t>(b); }
constexpr std::uint8_t only(mk a) { return static_cast<std::uint8_t>(a); }

struct table_row {
  extension_type type;
  std::uint8_t allowed_in;
};

// RFC 8446 §4.2 (the "TLS 1.3" column), plus record_size_limit (RFC 8449 §4: CH, EE).
constexpr std::array<table_row, known_extension_count> table = {{
    {extension_type::server_name, mk::client_hello | mk::encrypted_extensions},
    {extension_type::max_fragment_length, mk::client_hello | mk::encrypted_extensions},
    {extension_type::status_request, mk::client_hello | mk::certificate_request | mk::certificate},
    {extension_type::supported_groups, mk::client_hello | mk::encrypted_extensions},
    {extension_type::signature_algorithms, mk::client_hello | mk::certificate_request},
    {extension_type::use_srtp, mk::client_hello | mk::encrypted_extensions},
    {extension_type::heartbeat, mk::client_hello | mk::encrypted_extensions},
    {extension_type::alpn, mk::client_hello | mk::encrypted_extensions},
    {extension_type::signed_certificate_timestamp,
     mk::client_hello | mk::certificate_request | mk::certificate},
    {extension_type::client_certificate_type, mk::client_hello | mk::encrypted_extensions},
    {extension_type::server_certificate_type, mk::client_hello | mk::encrypted_extensions},
    {extension_type::padding, only(mk::client_hello)},
    {extension_type::record_size_limit, mk::client_hello | mk::encrypted_extensions},
    {extension_type::pre_shared_key, mk::client_hello | mk::server_hello},
    {extension_type::early_data, mk::client_hello | mk::encrypted_extensions | mk::new_session_ticket},
    {extension_type::supported_versions, mk::client_hello | mk::server_hello | mk::hello_retry_request},
    {extension_type::cookie, mk::client_hello | mk::hello_retry_request},
    {extension_type::psk_key_exchange_modes, only(mk::client_hello)},
    {extension_type::certificate_authorities, mk::client_hello | mk::certificate_request},
    {extension_type::oid_filters, only(mk::certificate_request)},
    {extension_type::post_handshake_auth, only(mk::client_hello)},
    {extension_type::signature_algorithms_cert, mk::client_hello | mk::certificate_request},
    {extension_type::key_share, mk::client_hello | mk::server_hello | mk::hello_retry_request},
}};

// Messages in which an unrecognised extension is ignored rather than an error (§4.2, §4.3.2, §4.6.1).
constexpr std::uint8_t unknown_ignored_in =
    mk::client_hello | mk::certificate_request | mk::new_session_ticket;

}  // namespace

int known_extension_index(std::uint16_t type) noexcept {
  for (std::size_t i = 0; i < table.size(); ++i)
    if (static_cast<std::uint16_t>(table[i].type) == type) return static_cast<int>(i);
  return -1;
}

bool extension_allowed_in(extension_type type, message_kind where) noexcept {
  const int i = known_extension_index(static_cast<std::uint16_t>(type));
  return i >= 0 && (table[static_cast<std::size_t>(i)].allowed_in & static_cast<std::uint8_t>(where)) != 0;
}

result<extension_block> parse_extensions(bytes block, message_kind where, std::size_t max_count) noexcept {
  extension_block out;
  reader r(block);
  bool psk_seen = false;
  // §4.2: no two extensions of one type, unknown ones included.
  std::array<std::uint16_t, 256> unknown{};
  std::size_t unknown_count = 0;
  while (!r.empty()) {
    if (psk_seen) return protocol_errc::illegal_parameter;  // pre_shared_key must be last (§4.2.11)
    TLS13_TRY_ASSIGN(const std::uint16_t type, r.u16());
    TLS13_TRY_ASSIGN(const bytes body, r.vec(2, 0, 0xffff));
    if (++out.count_ > max_count) return decode_errc::too_many_items;
    const int i = known_extension_index(type);
    if (i < 0) {
      if ((unknown_ignored_in & static_cast<std::uint8_t>(where)) == 0)
        return protocol_errc::unsupported_extension;
      const auto seen = unknown.begin() + static_cast<std::ptrdiff_t>(unknown_count);
      if (std::find(unknown.begin(), seen, type) != seen) return decode_errc::duplicate_extension;
      if (unknown_count == unknown.size()) return decode_errc::too_many_items;
      unknown[unknown_count++] = type;
      continue;  // unknown extensions (and GREASE, RFC 8701) are ignored here
    }
    const auto bit = std::uint32_t{1} << i;
    if (out.present_ & bit) return decode_errc::duplicate_extension;
    if (!extension_allowed_in(static_cast<extension_type>(type), where))
      return protocol_errc::illegal_parameter;
    out.present_ |= bit;
    out.bodies_[static_cast<std::size_t>(i)] = body;
    if (where == message_kind::client_hello &&
        type == static_cast<std::uint16_t>(extension_type::pre_shared_key))
      psk_seen = true;
  }
  return out;
}

}  // namespace tls13::handshake
