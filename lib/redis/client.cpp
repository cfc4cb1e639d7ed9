// The connection pool behind redis_client, and redis_errc's category.
#include <atomic>
#include <condition_variable>
#include <mutex>

#include "redis/connection.hpp"

namespace tls13 {
namespace {

struct redis_cat final : std::error_category {
  const char* name() const noexcept override { return "tls13.redis"; }
  std::string message(int v) const override {
    switch (static_cast<redis_errc>(v)) {
      case redis_errc::connect_failed:
        return "cannot connect to the Redis server";
      case redis_errc::timeout:
        return "Redis did not answer in time";
      case redis_errc::io_error:
        return "the connection to Redis failed or was closed";
      case redis_errc::bad_reply:
        return "malformed reply from Redis";
      case redis_errc::reply_too_large:
        return "reply from Redis over a configured limit";
      case redis_errc::server_error:
        return "Redis answered with an error";
      case redis_errc::auth_failed:
        return "Redis refused AUTH";
      case redis_errc::unexpected_reply:
        return "unexpected reply type from Redis";
      case redis_errc::pool_exhausted:
        return "no free Redis connection in time";
    }
    return "unknown Redis error";
  }
};
const redis_cat redis_instance;

using redis_detail::clock;
using redis_detail::connection;

// At most pool_size connections exist at once (idle or lent out), so a burst of handshakes cannot
// open a connection storm against the shared server; a caller that finds none free waits for one
// until its own io_timeout deadline.
class pooled_client final : public redis_client {
 public:
  explicit pooled_client(redis_options o) : opt_(std::move(o)) {
    if (opt_.pool_size == 0) opt_.pool_size = 1;
  }

  result<redis_reply> command(std::span<const std::string_view> args) const override {
    const auto deadline = clock::now() + opt_.io_timeout;
    auto c = acquire(deadline);
    if (!c) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      return c.error();
    }
    auto reply = (*c)->round_trip(args, deadline);
    release(reply ? std::move(*c) : nullptr);
    if (!reply) failures_.fetch_add(1, std::memory_order_relaxed);
    return reply;
  }

  const redis_options& options() const noexcept override { return opt_; }
  std::uint64_t failures() const noexcept override { return failures_.load(std::memory_order_relaxed); }

 private:
  result<std::unique_ptr<connection>> acquire(clock::time_point deadline) const {
    std::unique_lock lock(mu_);
    for (;;) {
      while (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        if (c->looks_alive()) return c;
        --open_;  // e.g. the server restarted: make a new one below
      }
      if (open_ < opt_.pool_size) break;
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= opt_.pool_size)
        return redis_errc::pool_exhausted;
    }
    ++open_;  // the slot is ours while we connect outside the lock
    lock.unlock();
    auto c = connection::open(opt_);
    if (!c) release(nullptr);
    return c;
  }

  // A connection back into the pool, or null for one that failed (its slot frees up).
  void release(std::unique_ptr<connection> c) const {
    {
      std::lock_guard lock(mu_);
      if (c)
        idle_.push_back(std::move(c));
      else
        --open_;
    }
    cv_.notify_one();
  }

  redis_options opt_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable std::vector<std::unique_ptr<connection>> idle_;
  mutable std::size_t open_ = 0;
  mutable std::atomic<std::uint64_t> failures_{0};
};

}  // namespace

const std::error_category& redis_category() noexcept { return redis_instance; }
std::error_code make_error_code(redis_errc e) noexcept { return {static_cast<int>(e), redis_instance}; }

std::shared_ptr<redis_client> redis_client::create(redis_options o) {
  return std::make_shared<pooled_client>(std::move(o));
}

}  // namespace tls13
