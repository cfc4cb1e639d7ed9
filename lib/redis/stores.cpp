// The session.hpp interfaces over redis_client: anti-replay (SET NX PX), the single-use session
// store (SET PX / GETDEL) and the fleet's ticket keys (SET / GET of one blob).
#include <atomic>
#include <string>

#include "tls13/redis.hpp"
#include "tls13/secret.hpp"

namespace tls13 {
namespace {

std::string hex(bytes b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (const std::byte x : b) {
    const auto v = std::to_integer<unsigned>(x);
    s.push_back(digits[v >> 4]);
    s.push_back(digits[v & 15]);
  }
  return s;
}

std::string_view as_text(bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
bytes as_bytes(std::string_view s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }
void wipe(std::string& s) { secure_wipe(mut_bytes(reinterpret_cast<std::byte*>(s.data()), s.size())); }

bool is_ok(const redis_reply& r) { return r.type == redis_reply::kind::simple && r.str == "OK"; }

class redis_replay final : public redis_anti_replay {
 public:
  redis_replay(std::shared_ptr<redis_client> c, std::chrono::seconds window)
      : client_(std::move(c)),
        prefix_(client_->options().key_prefix + "ar:"),
        window_ms_(std::to_string(std::chrono::milliseconds(window).count())) {}

  replay_verdict check_and_insert(bytes id, std::chrono::system_clock::time_point) const override {
    const std::string key = prefix_ + hex(id);
    const auto r = client_->command({"SET", key, "1", "NX", "PX", window_ms_});
    if (r && is_ok(*r)) return replay_verdict::fresh;
    if (r && r->type == redis_reply::kind::nil) return replay_verdict::replayed;  // a genuine replay
    // Fail closed: a refused 0-RTT costs one round trip, an accepted replay may cost much more.
    errors_.fetch_add(1, std::memory_order_relaxed);
    return replay_verdict::replayed;
  }

  std::uint64_t errors() const noexcept override { return errors_.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<redis_client> client_;
  std::string prefix_, window_ms_;
  mutable std::atomic<std::uint64_t> errors_{0};
};

class redis_sessions final : public redis_session_store {
 public:
  explicit redis_sessions(std::shared_ptr<redis_client> c)
      : client_(std::move(c)), prefix_(client_->options().key_prefix + "ss:") {}

  // PX (relative to our clock) rather than PXAT: the Redis host's clock may differ from ours.
  void put(bytes id, std::vector<std::byte> state,
           std::chrono::system_clock::time_point expires) const override {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(expires - std::chrono::system_clock::now()).count();
    if (left > 0) {
      const std::string key = prefix_ + hex(id), ms = std::to_string(left);
      const auto r = client_->command({"SET", key, as_text(state), "PX", ms});
      if (!r || !is_ok(*r)) errors_.fetch_add(1, std::memory_order_relaxed);
    }
    secure_wipe(state);
  }

  // Redis expires entries itself; `now` is not needed.
  std::optional<std::vector<std::byte>> take(bytes id, std::chrono::system_clock::time_point) const override {
    const std::string key = prefix_ + hex(id);
    auto r = client_->command({"GETDEL", key});
    if (!r) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    std::optional<std::vector<std::byte>> out;
    if (r->type == redis_reply::kind::bulk) {
      const bytes b = as_bytes(r->str);
      out.emplace(b.begin(), b.end());
    } else if (r->type != redis_reply::kind::nil) {
      errors_.fetch_add(1, std::memory_order_relaxed);
    }
    wipe(r->str);
    return out;
  }

  std::uint64_t errors() const noexcept override { return errors_.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<redis_client> client_;
  std::string prefix_;
  mutable std::atomic<std::uint64_t> errors_{0};
};

std::string ticket_keys_key(const redis_client& c) { return c.options().key_prefix + "ticket-keys"; }

}  // namespace

std::shared_ptr<redis_anti_replay> make_redis_anti_replay(std::shared_ptr<redis_client> client,
                                                          std::chrono::seconds window) {
  return std::make_shared<redis_replay>(std::move(client), window);
}
std::shared_ptr<redis_anti_replay> make_redis_anti_replay(const redis_options& o,
                                                          std::chrono::seconds window) {
  return make_redis_anti_replay(redis_client::create(o), window);
}

std::shared_ptr<redis_session_store> make_redis_session_store(std::shared_ptr<redis_client> client) {
  return std::make_shared<redis_sessions>(std::move(client));
}
std::shared_ptr<redis_session_store> make_redis_session_store(const redis_options& o) {
  return make_redis_session_store(redis_client::create(o));
}

result<void> publish_ticket_keys(const ticket_key_ring& ring, const redis_client& client) {
  std::vector<std::byte> blob = ring.export_keys();
  const std::string key = ticket_keys_key(client);
  const auto r = client.command({"SET", key, as_text(blob)});
  secure_wipe(blob);
  if (!r) return r.error();
  if (r->type == redis_reply::kind::error) return redis_errc::server_error;
  if (!is_ok(*r)) return redis_errc::unexpected_reply;
  return {};
}
result<void> publish_ticket_keys(const ticket_key_ring& ring, const redis_options& o) {
  return publish_ticket_keys(ring, *redis_client::create(o));
}

result<bool> fetch_ticket_keys(const ticket_key_ring& ring, const redis_client& client,
                               std::chrono::system_clock::time_point now) {
  const std::string key = ticket_keys_key(client);
  auto r = client.command({"GET", key});
  if (!r) return r.error();
  if (r->type == redis_reply::kind::error) return redis_errc::server_error;
  if (r->type != redis_reply::kind::bulk) return redis_errc::unexpected_reply;  // nil: nothing published
  std::vector<std::byte> held = ring.export_keys();
  const bytes fetched = as_bytes(r->str);
  // Imported only when different: import_keys() restarts the ring's rotation clock.
  const bool same = constant_time_equal(fetched, held);
  secure_wipe(held);
  result<bool> out = false;
  if (!same) {
    const auto imported = ring.import_keys(fetched, now);
    out = imported ? result<bool>(true) : result<bool>(imported.error());
  }
  wipe(r->str);
  return out;
}
result<bool> fetch_ticket_keys(const ticket_key_ring& ring, const redis_options& o,
                               std::chrono::system_clock::time_point now) {
  return fetch_ticket_keys(ring, *redis_client::create(o), now);
}

}  // namespace tls13
