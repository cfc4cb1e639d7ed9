// Bounds-checked readers and writers for the TLS presentation language (RFC 8446 §3).
// Every read checks its length first; a short input is decode_errc::truncated, a vector whose
// length breaks its declared bounds is decode_errc::bad_length, leftovers are trailing_data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tls13/errors.hpp"
#include "tls13/types.hpp"

namespace tls13::handshake {

class reader {
 public:
  reader() noexcept = default;
  explicit reader(bytes data) noexcept : data_(data) {}

  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  bool empty() const noexcept { return remaining() == 0; }
  // Bytes already consumed, as a view from the start (used to hash a truncated ClientHello).
  bytes consumed() const noexcept { return data_.first(pos_); }
  std::size_t position() const noexcept { return pos_; }

  result<std::uint8_t> u8() noexcept;
  result<std::uint16_t> u16() noexcept;
  result<std::uint32_t> u24() noexcept;
  result<std::uint32_t> u32() noexcept;
  result<bytes> fixed(std::size_t n) noexcept;
  // A vector with a `prefix`-byte length (1, 2 or 3) whose length must lie in [min, max].
  result<bytes> vec(int prefix, std::size_t min, std::size_t max) noexcept;
  // Same, as a sub-reader over the vector's contents.
  result<reader> sub(int prefix, std::size_t min, std::size_t max) noexcept;
  // decode_errc::trailing_data unless everything was consumed.
  result<void> expect_end() const noexcept;

 private:
  bytes data_;
  std::size_t pos_ = 0;
};

// Appends encodings to a byte vector. Length-prefixed vectors are opened with begin() and closed
// with end(), which fills in the length (and reports an internal error if it overflows the prefix).
class writer {
 public:
  explicit writer(std::vector<std::byte>& out) noexcept : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(static_cast<std::byte>(v)); }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void u24(std::uint32_t v) {
    u8(static_cast<std::uint8_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void raw(bytes b) { out_.insert(out_.end(), b.begin(), b.end()); }
  // Writes b with a `prefix`-byte length.
  result<void> vec(int prefix, bytes b);

  struct mark {
    std::size_t at;
    int prefix;
  };
  mark begin(int prefix);
  result<void> end(mark m);

  std::size_t size() const noexcept { return out_.size(); }
  std::vector<std::byte>& buffer() noexcept { return out_; }

 private:
  std::vector<std::byte>& out_;
};

}  // namespace tls13::handshake
