// What the two session codecs (the client's stored ticket, the server's sealed ticket contents) share:
// a point in time as 8 octets of milliseconds since the Unix epoch, the common head
// format(1) suite(2) psk<32..64> age_add(4) lifetime(4), and the peer's certificate chain.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "handshake/messages/codec.hpp"
#include "tls13/secret.hpp"

namespace tls13::session {

inline void write_time_ms(handshake::writer& w, std::chrono::system_clock::time_point t) {
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
  w.u32(static_cast<std::uint32_t>(ms >> 32));
  w.u32(static_cast<std::uint32_t>(ms));
}

inline result<std::chrono::system_clock::time_point> read_time_ms(handshake::reader& r) {
  TLS13_TRY_ASSIGN(const auto hi, r.u32());
  TLS13_TRY_ASSIGN(const auto lo, r.u32());
  const std::uint64_t ms = (std::uint64_t{hi} << 32) | lo;
  // Beyond what system_clock can hold (year 2262) is not a time we wrote.
  constexpr auto max_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::duration::max())
          .count();
  if (ms > static_cast<std::uint64_t>(max_ms)) return decode_errc::bad_value;
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(static_cast<std::int64_t>(ms)));
}

struct ticket_head {
  cipher_suite suite{};
  secret psk;
  std::uint32_t age_add = 0;
  std::uint32_t lifetime = 0;
};

inline void write_head(handshake::writer& w, std::uint8_t format, cipher_suite suite, const secret& psk,
                       std::uint32_t age_add, std::uint32_t lifetime) {
  w.u8(format);
  w.u16(static_cast<std::uint16_t>(suite));
  (void)w.vec(1, psk.view());
  w.u32(age_add);
  w.u32(lifetime);
}

// A head of `format` (anything else: decode_errc::bad_value).
inline result<ticket_head> read_head(handshake::reader& r, std::uint8_t format) {
  ticket_head h;
  TLS13_TRY_ASSIGN(const auto f, r.u8());
  if (f != format) return decode_errc::bad_value;
  TLS13_TRY_ASSIGN(const auto suite, r.u16());
  h.suite = static_cast<cipher_suite>(suite);
  TLS13_TRY_ASSIGN(const bytes psk, r.vec(1, 32, secret::capacity));
  h.psk = secret::from(psk);
  TLS13_TRY_ASSIGN(h.age_add, r.u32());
  TLS13_TRY_ASSIGN(h.lifetime, r.u32());
  return h;
}

// A certificate chain: chain<0..2^24-1> of cert<1..2^24-1>, at most `max_chain` certificates.
inline void write_chain(handshake::writer& w, const std::vector<std::vector<std::byte>>& chain) {
  const auto m = w.begin(3);
  for (const auto& c : chain) (void)w.vec(3, c);
  (void)w.end(m);
}

inline result<std::vector<std::vector<std::byte>>> read_chain(handshake::reader& r, std::size_t max_chain) {
  std::vector<std::vector<std::byte>> out;
  TLS13_TRY_ASSIGN(auto chain, r.sub(3, 0, 0xffffff));
  while (!chain.empty()) {
    if (out.size() >= max_chain) return decode_errc::too_many_items;
    TLS13_TRY_ASSIGN(const bytes c, chain.vec(3, 1, 0xffffff));
    out.emplace_back(c.begin(), c.end());
  }
  return out;
}

}  // namespace tls13::session
