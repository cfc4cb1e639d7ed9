// One blocking connection to a Redis server: a non-blocking socket driven by poll() so that every
// step has a deadline. Not thread-safe: the pool hands each connection to one caller at a time.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "tls13/redis.hpp"

namespace tls13::redis_detail {

using clock = std::chrono::steady_clock;

class connection {
 public:
  // Connects (within connect_timeout), then AUTH and SELECT as the options ask (within io_timeout).
  static result<std::unique_ptr<connection>> open(const redis_options& o);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Sends one command and reads its reply, all before `deadline`. After an error the connection is
  // unusable (its stream position is unknown): the caller closes it.
  result<redis_reply> round_trip(std::span<const std::string_view> args, clock::time_point deadline);

  // false when the server closed the connection or sent something unasked while it sat in the pool.
  bool looks_alive() const;

 private:
  connection(int fd, const redis_reply_limits& limits) : fd_(fd), limits_(limits) {}
  result<void> send_all(bytes data, clock::time_point deadline);
  result<redis_reply> read_reply(clock::time_point deadline);
  result<void> wait(short events, clock::time_point deadline);
  void grow();

  int fd_;
  redis_reply_limits limits_;
  // Received bytes; may hold a PSK or ticket keys, so it is wiped after each reply and on growth.
  std::vector<std::byte> in_;
  std::size_t filled_ = 0;
};

}  // namespace tls13::redis_detail
