#include "handshake/messages/codec.hpp"

namespace tls13::handshake {

result<std::uint8_t> reader::u8() noexcept {
  if (remaining() < 1) return decode_errc::truncated;
  return static_cast<std::uint8_t>(data_[pos_++]);
}

result<std::uint16_t> reader::u16() noexcept {
  if (remaining() < 2) return decode_errc::truncated;
  const auto v = static_cast<std::uint16_t>(static_cast<unsigned>(data_[pos_]) << 8 |
                                            static_cast<unsigned>(data_[pos_ + 1]));
  pos_ += 2;
  return v;
}

result<std::uint32_t> reader::u24() noexcept {
  if (remaining() < 3) return decode_errc::truncated;
  const std::uint32_t v = static_cast<std::uint32_t>(data_[pos_]) << 16 |
                          static_cast<std::uint32_t>(data_[pos_ + 1]) << 8 |
                          static_cast<std::uint32_t>(data_[pos_ + 2]);
  pos_ += 3;
  return v;
}

result<std::uint32_t> reader::u32() noexcept {
  if (remaining() < 4) return decode_errc::truncated;
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<std::uint32_t>(data_[pos_ + i]);
  pos_ += 4;
  return v;
}

result<bytes> reader::fixed(std::size_t n) noexcept {
  if (remaining() < n) return decode_errc::truncated;
  bytes b = data_.subspan(pos_, n);
  pos_ += n;
  return b;
}

result<bytes> reader::vec(int prefix, std::size_t min, std::size_t max) noexcept {
  std::size_t len = 0;
  switch (prefix) {
    case 1: {
      TLS13_TRY_ASSIGN(len, u8());
      break;
    }
    case 2: {
      TLS13_TRY_ASSIGN(len, u16());
      break;
    }
    case 3: {
      TLS13_TRY_ASSIGN(len, u24());
      break;
    }
    default:
      return internal_errc::invalid_argument;
  }
  if (len > remaining()) return decode_errc::truncated;
  if (len < min || len > max) return decode_errc::bad_length;
  return fixed(len);
}

result<reader> reader::sub(int prefix, std::size_t min, std::size_t max) noexcept {
  TLS13_TRY_ASSIGN(bytes b, vec(prefix, min, max));
  return reader(b);
}

result<void> reader::expect_end() const noexcept {
  if (!empty()) return decode_errc::trailing_data;
  return {};
}

result<void> writer::vec(int prefix, bytes b) {
  mark m = begin(prefix);
  raw(b);
  return end(m);
}

writer::mark writer::begin(int prefix) {
  mark m{out_.size(), prefix};
  out_.insert(out_.end(), static_cast<std::size_t>(prefix), std::byte{0});
  return m;
}

result<void> writer::end(mark m) {
  const std::size_t len = out_.size() - m.at - static_cast<std::size_t>(m.prefix);
  if (m.prefix < 4 && len >= (std::size_t{1} << (8 * m.prefix))) return internal_errc::invalid_argument;
  for (int i = 0; i < m.prefix; ++i)
    out_[m.at + static_cast<std::size_t>(i)] = static_cast<std::byte>(len >> (8 * (m.prefix - 1 - i)));
  return {};
}

}  // namespace tls13::handshake
