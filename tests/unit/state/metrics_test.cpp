// tls13::metrics: what each kind of handshake and failure adds, on both sides, the Prometheus text,
// and exact counts with one object shared by several threads (also run under TSan).
#include "tls13/metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <regex>
#include <sstream>
#include <thread>

#include "pair.hpp"
#include "tls13/session.hpp"

namespace tls13 {
namespace {

using test::make_pair;

std::size_t group_slot(named_group g) {
  return static_cast<std::size_t>(
      std::find(metrics::counted_groups.begin(), metrics::counted_groups.end(), g) -
      metrics::counted_groups.begin());
}
constexpr std::size_t psk_ke_slot = metrics::counted_groups.size();
constexpr std::size_t category_certificate = 3, category_alert = 2;

struct setup {
  std::shared_ptr<metrics> client_m = std::make_shared<metrics>();
  std::shared_ptr<metrics> server_m = std::make_shared<metrics>();
  std::shared_ptr<client_config> client = std::make_shared<client_config>();
  std::shared_ptr<server_config> server = std::make_shared<server_config>();
  setup() {
    client->verifier = test::test_verifier();
    client->ticket_store = make_memory_ticket_store();
    client->metrics = client_m;
    server->certificates.push_back(test::load_key("server-ecdsa-chain.pem", "server-ecdsa-key.pem"));
    server->ticket_keys = ticket_key_ring::create();
    server->metrics = server_m;
  }
  // A handshake and one server write, so that the tickets reach the client.
  bool connect() {
    auto p = make_pair(client, server);
    if (!p.handshake()) return false;
    const std::string x = "x";
    return p.server.conn->write(as_bytes(x.data(), x.size()), p.server.out) && p.run();
  }
};

TEST(Metrics, FullResumedAndPskKeHandshakes) {
  setup s;
  s.client->groups = {named_group::x25519, named_group::secp256r1};
  s.client->key_shares = 1;
  ASSERT_TRUE(s.connect());  // full, X25519
  ASSERT_TRUE(s.connect());  // resumed, psk_dhe_ke with X25519
  s.client->offer_psk_ke = true;
  s.server->psk_ke = psk_ke_use::prefer;
  ASSERT_TRUE(s.connect());  // resumed, psk_ke
  for (const auto& m : {s.client_m, s.server_m}) {
    const auto r = m->read();
    EXPECT_EQ(r.handshakes, 3u);
    EXPECT_EQ(r.resumed, 2u);
    EXPECT_EQ(r.psk_ke, 1u);
    EXPECT_EQ(r.hello_retries, 0u);
    EXPECT_EQ(r.by_group[group_slot(named_group::x25519)], 2u);
    EXPECT_EQ(r.by_group[psk_ke_slot], 1u);
    EXPECT_EQ(r.by_suite[0], 3u);  // AES-128-GCM, the default first
    EXPECT_EQ(r.failures, 0u);
  }
  EXPECT_EQ(s.client_m->read().peer_authenticated, 1u);  // the full handshake verified the server
  EXPECT_EQ(s.server_m->read().peer_authenticated, 0u);  // no client certificates
}

TEST(Metrics, HelloRetryAndEarlyData) {
  setup s;
  s.client->groups = {named_group::x25519, named_group::secp384r1};
  s.client->key_shares = 1;
  s.client->enable_early_data = true;
  s.server->max_early_data = 1024;
  s.server->anti_replay = make_bloom_anti_replay();
  ASSERT_TRUE(s.connect());
  {  // 0-RTT accepted
    auto p = make_pair(s.client, s.server);
    ASSERT_TRUE(p.client.pump());
    const std::string e = "early";
    ASSERT_TRUE(p.client.conn->write_early(as_bytes(e.data(), e.size()), p.client.out));
    ASSERT_TRUE(p.handshake());
  }
  s.server->groups = {named_group::secp384r1};  // the client's X25519 share now needs a retry
  {                                             // 0-RTT offered, refused by the HelloRetryRequest
    auto p = make_pair(s.client, s.server);
    ASSERT_TRUE(p.client.pump());
    const std::string e = "early";
    ASSERT_TRUE(p.client.conn->write_early(as_bytes(e.data(), e.size()), p.client.out));
    ASSERT_TRUE(p.handshake());
  }
  for (const auto& m : {s.client_m, s.server_m}) {
    const auto r = m->read();
    EXPECT_EQ(r.handshakes, 3u);
    EXPECT_EQ(r.hello_retries, 1u);
    EXPECT_EQ(r.early_data_accepted, 1u);
    EXPECT_EQ(r.early_data_rejected, 1u);
    EXPECT_EQ(r.by_group[group_slot(named_group::secp384r1)], 1u);
  }
}

TEST(Metrics, FailuresAndAlertsOnBothSides) {
  setup s;
  s.client->verifier = test::test_verifier("other-ca.pem");  // not the server's root: unknown issuer
  auto p = make_pair(s.client, s.server);
  EXPECT_FALSE(p.handshake());
  const auto c = s.client_m->read();
  const auto sv = s.server_m->read();
  EXPECT_EQ(c.handshakes, 0u);
  EXPECT_EQ(c.failures, 1u);
  EXPECT_EQ(c.failures_by_category[category_certificate], 1u);
  const auto sent = to_alert(p.client.error);
  EXPECT_EQ(c.alerts_sent[static_cast<std::uint8_t>(sent)], 1u);
  EXPECT_EQ(sv.failures, 1u);
  EXPECT_EQ(sv.failures_by_category[category_alert], 1u);
  EXPECT_EQ(sv.alerts_received[static_cast<std::uint8_t>(sent)], 1u);
  std::uint64_t server_sent = 0;
  for (auto n : sv.alerts_sent) server_sent += n;
  EXPECT_EQ(server_sent, 0u);  // an alert is never answered with one
}

TEST(Metrics, AbortAndKeyUpdatesAreCounted) {
  setup s;
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.handshake());
  ASSERT_TRUE(p.client.conn->key_update(p.client.out, true));
  ASSERT_TRUE(p.run());  // the server answers with its own KeyUpdate
  p.server.conn->abort(alert_description::access_denied, p.server.out);
  p.transfer();
  EXPECT_FALSE(p.client.pump());
  const auto c = s.client_m->read();
  const auto sv = s.server_m->read();
  EXPECT_EQ(c.key_updates_sent, 1u);
  EXPECT_EQ(c.key_updates_received, 1u);
  EXPECT_EQ(sv.key_updates_received, 1u);
  EXPECT_EQ(sv.key_updates_sent, 1u);
  EXPECT_EQ(sv.alerts_sent[static_cast<std::uint8_t>(alert_description::access_denied)], 1u);
  EXPECT_EQ(c.alerts_received[static_cast<std::uint8_t>(alert_description::access_denied)], 1u);
}

// A transport EOF without close_notify is counted as `truncated`, not as a failure.
TEST(Metrics, TruncationIsCountedApart) {
  setup s;
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.handshake());
  input_window eof{mut_bytes{}};
  eof.transport_eof = true;
  auto ev = p.server.conn->poll(eof, p.server.out);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error(), make_error_code(protocol_errc::truncated));
  const auto r = s.server_m->read();
  EXPECT_EQ(r.truncated, 1u);
  EXPECT_EQ(r.failures, 0u);
}

TEST(Metrics, PrometheusText) {
  setup s;
  ASSERT_TRUE(s.connect());
  ASSERT_TRUE(s.connect());
  const std::string text = s.server_m->to_prometheus("edge_tls");
  EXPECT_NE(text.find("edge_tls_handshakes_total{mode=\"full\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("edge_tls_handshakes_total{mode=\"resumed\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("edge_tls_handshakes_by_group_total{group=\"X25519MLKEM768\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE edge_tls_failures_total counter\n"), std::string::npos);
  // Every line is a comment or `name{labels} value`, and each family's lines come together, after
  // its HELP and TYPE lines (the exposition format's grouping rule).
  const std::regex sample(R"(^([a-z_]+)(\{[a-z_]+="[A-Za-z0-9_]+"\})? [0-9]+$)");
  std::istringstream lines(text);
  std::vector<std::string> families;  // in order of appearance, each once
  for (std::string line; std::getline(lines, line);) {
    std::string family;
    std::smatch m;
    if (line.rfind("# TYPE ", 0) == 0 || line.rfind("# HELP ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
    } else {
      ASSERT_TRUE(std::regex_match(line, m, sample)) << line;
      family = m[1];
    }
    if (families.empty() || families.back() != family) {
      EXPECT_EQ(std::count(families.begin(), families.end(), family), 0) << family << " is split";
      families.push_back(family);
    }
  }
}

// Each exported series only grows, even read while handshakes complete on other threads.
TEST(Metrics, SnapshotsStayConsistentUnderConcurrentUpdates) {
  auto m = std::make_shared<metrics>();
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 20000; ++i)
      m->on_handshake({i % 2 == 0, i % 4 == 0, false, false, false, false, named_group::x25519,
                       cipher_suite::aes_128_gcm_sha256});
    done = true;
  });
  std::uint64_t last_total = 0, last_resumed = 0;
  while (!done) {
    const auto r = m->read();
    EXPECT_LE(r.resumed, r.handshakes);
    EXPECT_LE(r.psk_ke, r.resumed);
    EXPECT_GE(r.handshakes, last_total);
    EXPECT_GE(r.resumed, last_resumed);
    last_total = r.handshakes;
    last_resumed = r.resumed;
  }
  writer.join();
  const auto r = m->read();
  EXPECT_EQ(r.handshakes, 20000u);
  EXPECT_EQ(r.resumed, 10000u);
  EXPECT_EQ(r.psk_ke, 5000u);
}

// One metrics object for connections on several threads: no count is lost.
TEST(Metrics, SharedAcrossThreads) {
  auto m = std::make_shared<metrics>();
  constexpr int threads = 4, each = 25;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([m] {
      setup s;
      s.client->metrics = m;
      s.server->metrics = m;
      for (int i = 0; i < each; ++i) EXPECT_TRUE(s.connect());
    });
  }
  for (auto& t : pool) t.join();
  const auto r = m->read();
  EXPECT_EQ(r.handshakes, 2u * threads * each);  // client and server both count
  EXPECT_EQ(r.resumed, 2u * threads * (each - 1));
}

}  // namespace
}  // namespace tls13
