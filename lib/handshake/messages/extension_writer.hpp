// Encoding extensions: add_extension(w, type, [&](writer& body) { ... }) writes the type, the
// 2-byte length and whatever the callback appends.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "handshake/messages/codec.hpp"
#include "handshake/messages/extensions.hpp"

namespace tls13::handshake {

template <class F>
result<void> add_extension(writer& w, extension_type type, F&& body) {
  w.u16(static_cast<std::uint16_t>(type));
  const auto m = w.begin(2);
  TLS13_TRY(body(w));
  return w.end(m);
}

// A u16 list with a `prefix`-byte length (supported_groups, signature_algorithms, versions).
template <class E>
result<void> write_u16_list(writer& w, int prefix, std::span<const E> values) {
  const auto m = w.begin(prefix);
  for (auto v : values) w.u16(static_cast<std::uint16_t>(v));
  return w.end(m);
}

// ProtocolNameList (RFC 7301).
inline result<void> write_alpn_list(writer& w, std::span<const std::string> protocols) {
  const auto m = w.begin(2);
  for (const auto& p : protocols) {
    if (p.empty() || p.size() > 255) return internal_errc::invalid_argument;
    TLS13_TRY(w.vec(1, as_bytes(p.data(), p.size())));
  }
  return w.end(m);
}

// ServerNameList with one host_name (RFC 6066 §3).
inline result<void> write_server_name(writer& w, std::string_view host) {
  const auto m = w.begin(2);
  w.u8(0);
  TLS13_TRY(w.vec(2, as_bytes(host.data(), host.size())));
  return w.end(m);
}

}  // namespace tls13::handshake
