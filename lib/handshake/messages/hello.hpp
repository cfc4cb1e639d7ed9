// ClientHello, ServerHello and HelloRetryRequest (RFC 8446 §4.1.2-§4.1.4): strict decoding into
// views over the message body, and encoding.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "handshake/messages/extension_bodies.hpp"
#include "handshake/messages/extensions.hpp"

namespace tls13::handshake {

inline constexpr std::size_t random_size = 32;
inline constexpr std::uint16_t legacy_version_tls12 = 0x0303;

// SHA-256("HelloRetryRequest"): the ServerHello.random that marks a HelloRetryRequest (§4.1.3).
extern const std::array<std::byte, random_size> hello_retry_request_random;

struct client_hello {
  std::uint16_t legacy_version = 0;
  bytes random;
  bytes legacy_session_id;
  u16_list cipher_suites;
  extension_block extensions;
};

struct server_hello {
  bool is_hello_retry_request = false;
  std::uint16_t legacy_version = 0;
  bytes random;
  bytes legacy_session_id_echo;
  std::uint16_t cipher_suite = 0;
  extension_block extensions;
};

struct hello_limits {
  std::size_t max_extensions = 64;
};

// `body` is the handshake message body (after the 4-byte header).
// legacy_compression_methods other than exactly {0} is illegal_parameter (§4.1.2).
result<client_hello> decode_client_hello(bytes body, const hello_limits& limits = {}) noexcept;
// Decodes a ServerHello or a HelloRetryRequest (told apart by the random); a legacy compression
// method other than 0 is illegal_parameter.
result<server_hello> decode_server_hello(bytes body, const hello_limits& limits = {}) noexcept;

// Writes a handshake header (type + uint24 length) and returns the mark to close with end_message().
writer::mark begin_message(writer& w, handshake_type type);
inline result<void> end_message(writer& w, writer::mark m) { return w.end(m); }

// Encodes a ServerHello (or an HRR when `random` is hello_retry_request_random) as a whole handshake
// message. `extensions` is the encoded contents of the extensions vector.
result<void> encode_server_hello(writer& w, bytes random, bytes session_id_echo, std::uint16_t suite,
                                 bytes extensions);

struct client_hello_fields {
  bytes random;
  bytes legacy_session_id;
  std::vector<std::uint16_t> cipher_suites;
};
// Encodes a ClientHello as a whole handshake message with pre-encoded extensions.
result<void> encode_client_hello(writer& w, const client_hello_fields& f, bytes extensions);

}  // namespace tls13::handshake
