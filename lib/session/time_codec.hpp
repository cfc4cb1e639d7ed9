// A point in time as 8 octets of milliseconds since the Unix epoch, shared by the session codecs.
#pragma once

#include <chrono>
#include <cstdint>

#include "handshake/messages/codec.hpp"

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

}  // namespace tls13::session
