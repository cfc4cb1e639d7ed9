// Many threads on one Redis-backed store (run under ThreadSanitizer by scripts/test.sh --sanitize):
// the pool lends each connection to one thread at a time, and Redis' single-use answers hold when
// threads race for the same ids: each id is fresh exactly once, each session taken exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.hpp"
#include "tls13/redis.hpp"

namespace tls13 {
namespace {

using namespace std::chrono_literals;

constexpr int threads = 8, ids = 300;

std::string id_of(int i) { return "id-" + std::to_string(i); }
bytes as_id(const std::string& s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }

TEST(RedisStress, EightThreadsRaceOnOneAntiReplayStore) {
  test::redis_server srv;
  TLS13_START_REDIS(srv);
  auto o = srv.options();
  o.pool_size = 3;  // fewer connections than threads: they wait for each other
  const auto ar = make_redis_anti_replay(o, 60s);
  std::atomic<int> fresh{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      // Every thread checks every id, starting at a different place.
      for (int k = 0; k < ids; ++k) {
        const std::string id = id_of((k + t * 37) % ids);
        if (ar->check_and_insert(as_id(id), std::chrono::system_clock::now()) == replay_verdict::fresh)
          ++fresh;
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(fresh.load(), ids);
  EXPECT_EQ(ar->errors(), 0u);
}

TEST(RedisStress, EightThreadsTakeEachSessionOnce) {
  test::redis_server srv;
  TLS13_START_REDIS(srv);
  auto o = srv.options();
  o.pool_size = 3;
  const auto store = make_redis_session_store(o);
  const auto expires = std::chrono::system_clock::now() + 60s;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = t; i < ids; i += threads) {
        const std::string id = id_of(i);
        store->put(as_id(id), std::vector<std::byte>(64, std::byte(i & 0xff)), expires);
      }
    });
  }
  for (auto& th : pool) th.join();
  pool.clear();
  std::atomic<int> taken{0};
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int k = 0; k < ids; ++k) {
        const int i = (k + t * 41) % ids;
        if (auto s = store->take(as_id(id_of(i)), std::chrono::system_clock::now())) {
          ++taken;
          EXPECT_EQ(*s, std::vector<std::byte>(64, std::byte(i & 0xff)));
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(taken.load(), ids);
  EXPECT_EQ(store->errors(), 0u);
}

}  // namespace
}  // namespace tls13
