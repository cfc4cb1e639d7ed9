// A fixed-capacity byte buffer for secrets: wiped with OPENSSL_cleanse when it dies or is
// overwritten, move-only (copies are explicit), compared only in constant time.
#pragma once

#include <array>
#include <cstddef>

#include "tls13/types.hpp"

namespace tls13 {

// Overwrites the bytes so the compiler cannot drop the store (OPENSSL_cleanse).
void secure_wipe(mut_bytes b) noexcept;
// Constant-time equality of two equally long spans (CRYPTO_memcmp); false when sizes differ.
bool constant_time_equal(bytes a, bytes b) noexcept;

class secret {
 public:
  // Largest secret the core handles: the SecP384r1MLKEM1024 shared secret (48 + 32 octets).
  static constexpr std::size_t capacity = 80;

  secret() noexcept = default;
  explicit secret(std::size_t n) noexcept : size_(n <= capacity ? n : capacity) {}
  // Copies `b` (truncated to capacity: callers check the size first).
  static secret from(bytes b) noexcept {
    secret s(b.size());
    for (std::size_t i = 0; i < s.size_; ++i) s.data_[i] = b[i];
    return s;
  }
  secret(secret&& o) noexcept : data_(o.data_), size_(o.size_) { o.clear(); }
  secret& operator=(secret&& o) noexcept {
    if (this != &o) {
      data_ = o.data_;
      size_ = o.size_;
      o.clear();
    }
    return *this;
  }
  secret(const secret&) = delete;
  secret& operator=(const secret&) = delete;
  ~secret() { clear(); }

  secret clone() const noexcept { return from(view()); }
  void clear() noexcept {
    secure_wipe(mut_bytes(data_.data(), data_.size()));
    size_ = 0;
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  bytes view() const noexcept { return {data_.data(), size_}; }
  mut_bytes mut_view() noexcept { return {data_.data(), size_}; }
  const std::byte* data() const noexcept { return data_.data(); }
  std::byte* data() noexcept { return data_.data(); }

 private:
  std::array<std::byte, capacity> data_{};
  std::size_t size_ = 0;
};

}  // namespace tls13
