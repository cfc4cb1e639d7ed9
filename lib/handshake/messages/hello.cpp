#include "handshake/messages/hello.hpp"

#include <algorithm>

namespace tls13::handshake {

const std::array<std::byte, random_size> hello_retry_request_random = {
    std::byte{0xcf}, std::byte{0x21}, std::byte{0xad}, std::byte{0x74}, std::byte{0xe5}, std::byte{0x9a},
    std::byte{0x61}, std::byte{0x11}, std::byte{0xbe}, std::byte{0x1d}, std::byte{0x8c}, std::byte{0x02},
    std::byte{0x1e}, std::byte{0x65}, std::byte{0xb8}, std::byte{0x91}, std::byte{0xc2}, std::byte{0xa2},
    std::byte{0x11}, std::byte{0x16}, std::byte{0x7a}, std::byte{0xbb}, std::byte{0x8c}, std::byte{0x5e},
    std::byte{0x07}, std::byte{0x9e}, std::byte{0x09}, std::byte{0xe2}, std::byte{0xc8}, std::byte{0xa8},
    std::byte{0x33}, std::byte{0x9c}};

result<client_hello> decode_client_hello(bytes body, const hello_limits& limits) noexcept {
  reader r(body);
  client_hello ch;
  TLS13_TRY_ASSIGN(ch.legacy_version, r.u16());
  TLS13_TRY_ASSIGN(ch.random, r.fixed(random_size));
  TLS13_TRY_ASSIGN(ch.legacy_session_id, r.vec(1, 0, 32));
  TLS13_TRY_ASSIGN(ch.cipher_suites, read_u16_list(r, 2, 2, 0xfffe));
  TLS13_TRY_ASSIGN(const bytes compression, r.vec(1, 1, 0xff));
  if (compression.size() != 1 || compression[0] != std::byte{0}) return protocol_errc::illegal_parameter;
  // A pre-TLS 1.3 client may omit extensions altogether; the engine then answers protocol_version.
  if (r.empty()) return ch;
  TLS13_TRY_ASSIGN(const bytes ext, r.vec(2, 0, 0xffff));
  TLS13_TRY(r.expect_end());
  TLS13_TRY_ASSIGN(ch.extensions, parse_extensions(ext, message_kind::client_hello, limits.max_extensions));
  return ch;
}

result<server_hello> decode_server_hello(bytes body, const hello_limits& limits) noexcept {
  reader r(body);
  server_hello sh;
  TLS13_TRY_ASSIGN(sh.legacy_version, r.u16());
  TLS13_TRY_ASSIGN(sh.random, r.fixed(random_size));
  sh.is_hello_retry_request =
      std::equal(sh.random.begin(), sh.random.end(), hello_retry_request_random.begin());
  TLS13_TRY_ASSIGN(sh.legacy_session_id_echo, r.vec(1, 0, 32));
  TLS13_TRY_ASSIGN(sh.cipher_suite, r.u16());
  TLS13_TRY_ASSIGN(const std::uint8_t compression, r.u8());
  if (compression != 0) return protocol_errc::illegal_parameter;
  TLS13_TRY_ASSIGN(const bytes ext, r.vec(2, 0, 0xffff));
  TLS13_TRY(r.expect_end());
  const auto kind =
      sh.is_hello_retry_request ? message_kind::hello_retry_request : message_kind::server_hello;
  TLS13_TRY_ASSIGN(sh.extensions, parse_extensions(ext, kind, limits.max_extensions));
  return sh;
}

writer::mark begin_message(writer& w, handshake_type type) {
  w.u8(static_cast<std::uint8_t>(type));
  return w.begin(3);
}

result<void> encode_server_hello(writer& w, bytes random, bytes session_id_echo, std::uint16_t suite,
                                 bytes extensions) {
  if (random.size() != random_size || session_id_echo.size() > 32) return internal_errc::invalid_argument;
  const auto m = begin_message(w, handshake_type::server_hello);
  w.u16(legacy_version_tls12);
  w.raw(random);
  TLS13_TRY(w.vec(1, session_id_echo));
  w.u16(suite);
  w.u8(0);
  TLS13_TRY(w.vec(2, extensions));
  return end_message(w, m);
}

result<void> encode_client_hello(writer& w, const client_hello_fields& f, bytes extensions) {
  if (f.random.size() != random_size || f.legacy_session_id.size() > 32 || f.cipher_suites.empty())
    return internal_errc::invalid_argument;
  const auto m = begin_message(w, handshake_type::client_hello);
  w.u16(legacy_version_tls12);
  w.raw(f.random);
  TLS13_TRY(w.vec(1, f.legacy_session_id));
  const auto suites = w.begin(2);
  for (auto s : f.cipher_suites) w.u16(s);
  TLS13_TRY(w.end(suites));
  w.u8(1);  // legacy_compression_methods = { null }
  w.u8(0);
  TLS13_TRY(w.vec(2, extensions));
  return end_message(w, m);
}

}  // namespace tls13::handshake
