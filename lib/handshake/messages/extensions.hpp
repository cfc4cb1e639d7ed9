// Extension types, the RFC 8446 §4.2 table of which message may carry which extension, and the
// strict parser for an extensions block.
#pragma once

#include <array>
#include <cstdint>

#include "handshake/messages/codec.hpp"

namespace tls13::handshake {

enum class extension_type : std::uint16_t {
  server_name = 0,
  max_fragment_length = 1,
  status_request = 5,
  supported_groups = 10,
  signature_algorithms = 13,
  use_srtp = 14,
  heartbeat = 15,
  alpn = 16,
  signed_certificate_timestamp = 18,
  client_certificate_type = 19,
  server_certificate_type = 20,
  padding = 21,
  record_size_limit = 28,  // RFC 8449
  pre_shared_key = 41,
  early_data = 42,
  supported_versions = 43,
  cookie = 44,
  psk_key_exchange_modes = 45,
  certificate_authorities = 47,
  oid_filters = 48,
  post_handshake_auth = 49,
  signature_algorithms_cert = 50,
  key_share = 51,
};

// The messages that carry extensions, as bits for the allowed-in table.
enum class message_kind : std::uint8_t {
  client_hello = 1 << 0,
  server_hello = 1 << 1,
  hello_retry_request = 1 << 2,
  encrypted_extensions = 1 << 3,
  certificate = 1 << 4,
  certificate_request = 1 << 5,
  new_session_ticket = 1 << 6,
};

// Number of extension types the table knows (the enumerators above).
inline constexpr std::size_t known_extension_count = 23;

// Index of a known extension type in the table, or -1 for a type we do not recognise.
int known_extension_index(std::uint16_t type) noexcept;
// Whether RFC 8446 §4.2 (and RFC 8449 for record_size_limit) allows `type` in `where`.
bool extension_allowed_in(extension_type type, message_kind where) noexcept;

// A parsed extensions block: the body of each recognised extension, by type. Unknown extensions
// are skipped where the RFC says to ignore them (ClientHello, CertificateRequest, NewSessionTicket).
class extension_block {
 public:
  bool has(extension_type t) const noexcept { return present_ >> index(t) & 1; }
  // The extension's body (possibly empty); an empty view if absent — check has() first.
  bytes get(extension_type t) const noexcept { return bodies_[index(t)]; }
  std::size_t count() const noexcept { return count_; }
  // True if the block holds any recognised extension other than those in `allowed`.
  bool has_any_except(std::uint32_t allowed_mask) const noexcept { return (present_ & ~allowed_mask) != 0; }
  static std::uint32_t mask_of(extension_type t) noexcept { return std::uint32_t{1} << index(t); }

 private:
  friend result<extension_block> parse_extensions(bytes, message_kind, std::size_t) noexcept;
  static int index(extension_type t) noexcept { return known_extension_index(static_cast<std::uint16_t>(t)); }
  std::array<bytes, known_extension_count> bodies_{};
  std::uint32_t present_ = 0;
  std::size_t count_ = 0;
};

// Parses the contents of an Extension extensions<..> vector (without its length prefix).
// - the same type twice: decode_errc::duplicate_extension (illegal_parameter)
// - a recognised type the table does not allow in `where`: protocol_errc::illegal_parameter
// - an unrecognised type in ServerHello, HelloRetryRequest, EncryptedExtensions or Certificate:
//   protocol_errc::unsupported_extension (we never offer unknown extensions, §4.2)
// - pre_shared_key not last in a ClientHello: protocol_errc::illegal_parameter (§4.2.11)
// - more than `max_count` extensions: decode_errc::too_many_items
result<extension_block> parse_extensions(bytes block, message_kind where,
                                         std::size_t max_count = 64) noexcept;

}  // namespace tls13::handshake
