// 0-RTT between our client and our server (RFC 8446 §2.3, §4.2.10, §8): accepted early data, every
// reason to refuse it (the handshake then goes on in 1-RTT), the server's byte limit, and replay:
// one ClientHello delivered many times, from several threads, gets its early data taken once.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "pair.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/session.hpp"

namespace tls13 {
namespace {

using test::make_pair;

// A server clock running `skew` ahead of the client's.
class skewed_clock final : public default_provider {
 public:
  explicit skewed_clock(std::chrono::seconds skew) : skew_(skew) {}
  std::chrono::system_clock::time_point now() const override { return default_provider::now() + skew_; }

 private:
  std::chrono::seconds skew_;
};

struct setup {
  std::shared_ptr<const client_ticket_store> store = make_memory_ticket_store();
  std::shared_ptr<client_config> client = std::make_shared<client_config>();
  std::shared_ptr<server_config> server = std::make_shared<server_config>();

  setup() {
    client->verifier = test::test_verifier();
    client->ticket_store = store;
    client->enable_early_data = true;
    server->certificates.push_back(test::load_key("server-ecdsa-chain.pem", "server-ecdsa-key.pem"));
    server->ticket_keys = ticket_key_ring::create();
    server->anti_replay = make_bloom_anti_replay();
    server->max_early_data = 1024;
  }

  // A full handshake whose tickets (allowing early data) reach the store.
  void prime() {
    auto p = make_pair(client, server);
    ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
    const std::string x = "x";
    auto w = p.server.conn->write(as_bytes(x.data(), x.size()), p.server.out);
    ASSERT_TRUE(w) << w.error().message() << " " << p.server.error.message();
    ASSERT_TRUE(p.run());
  }

  // Starts a resumption: the ClientHello is out and `early` written as 0-RTT (if the client may).
  test::pair start(const std::string& early) {
    auto p = make_pair(client, server);
    EXPECT_TRUE(p.client.pump());
    if (p.client.conn->can_write_early()) {
      auto n = p.client.conn->write_early(as_bytes(early.data(), early.size()), p.client.out);
      EXPECT_TRUE(n);
      EXPECT_EQ(*n, early.size());
    }
    return p;
  }
};

TEST(EarlyData, AcceptedArrivesBeforeTheHandshakeCompletes) {
  setup s;
  s.prime();
  auto p = s.start("GET / HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(p.client.conn->can_write_early());
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_EQ(p.server.received, "GET / HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(p.server.conn->info().early_data_accepted);
  EXPECT_TRUE(p.client.conn->info().early_data_accepted);
  EXPECT_TRUE(p.client.conn->info().resumed);
  EXPECT_FALSE(p.client.conn->can_write_early());
  // 1-RTT data flows both ways afterwards.
  const std::string more = "more";
  ASSERT_TRUE(p.client.conn->write(as_bytes(more.data(), more.size()), p.client.out));
  ASSERT_TRUE(p.run());
  EXPECT_EQ(p.server.received, "GET / HTTP/1.1\r\n\r\nmore");
}

// With 0-RTT accepted the server's first flush is its whole flight, ServerHello to Finished, even
// though ServerHello otherwise leaves alone (flush_server_hello_early): a driver takes it as the end
// of the server's handshake and may write 0.5-RTT data at once (§4.4.4).
TEST(EarlyData, AcceptedServerFlushesItsWholeFlightAtOnce) {
  setup s;
  ASSERT_TRUE(s.server->flush_server_hello_early);
  s.prime();
  auto p = s.start("GET");
  p.transfer();
  input_window in{mut_bytes(p.server.inbox.data(), p.server.inbox.size())};
  auto ev = p.server.conn->poll(in, p.server.out);
  ASSERT_TRUE(ev) << ev.error().message();
  ASSERT_TRUE(std::holds_alternative<events::flush>(*ev));
  p.server.inbox.erase(p.server.inbox.begin(),
                       p.server.inbox.begin() + static_cast<std::ptrdiff_t>(in.consumed));
  ASSERT_TRUE(p.server.conn->info().early_data_accepted);
  EXPECT_TRUE(p.server.conn->in_early_data());
  EXPECT_TRUE(p.server.conn->can_write());
  EXPECT_FALSE(p.server.conn->wants_write());
  const std::string answer = "0.5-RTT";
  auto w = p.server.conn->write(as_bytes(answer.data(), answer.size()), p.server.out);
  ASSERT_TRUE(w) << w.error().message();
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_EQ(p.client.received, answer);
  EXPECT_EQ(p.server.received, "GET");
}

TEST(EarlyData, OffNeverOffersAndTicketsWithoutItNeverAllowIt) {
  setup s;
  s.client->enable_early_data = false;
  s.prime();
  EXPECT_FALSE(s.start("early").client.conn->can_write_early());
  setup t;
  t.server->max_early_data = 0;  // tickets say nothing about early data
  t.prime();
  EXPECT_FALSE(t.start("early").client.conn->can_write_early());
}

TEST(EarlyData, ServerThatStoppedTakingItSkipsItAndGoesOnIn1Rtt) {
  setup s;
  s.prime();
  s.server->max_early_data = 0;
  auto p = s.start("early");
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_EQ(p.server.received, "");
  EXPECT_FALSE(p.client.conn->info().early_data_accepted);
  EXPECT_TRUE(p.client.conn->info().resumed);
}

TEST(EarlyData, MoreThanTheServerAllowsIsUnexpectedMessage) {
  setup s;
  s.prime();  // the ticket allows 1024 bytes
  s.server->max_early_data = 10;
  auto p = s.start(std::string(20, 'a'));
  EXPECT_FALSE(p.handshake());
  EXPECT_EQ(p.server.error, make_error_code(protocol_errc::unexpected_message));
}

TEST(EarlyData, HelloRetryRequestRejectsIt) {
  setup s;
  s.prime();
  s.server->groups = {named_group::secp256r1};
  auto p = s.start("early");
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.client.conn->info().hello_retry);
  EXPECT_FALSE(p.client.conn->info().early_data_accepted);
  EXPECT_EQ(p.server.received, "");
}

TEST(EarlyData, ATicketAgeFarFromOursRejectsIt) {
  setup s;
  s.prime();
  s.server->provider = std::make_shared<skewed_clock>(std::chrono::seconds(30));
  auto p = s.start("early");
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.server.conn->info().resumed);
  EXPECT_FALSE(p.server.conn->info().early_data_accepted);
}

// The client's first flight (ClientHello + early data), captured once and replayed.
std::vector<std::byte> first_flight(setup& s) {
  auto p = s.start("replay me");
  auto d = p.client.out.data();
  return std::vector<std::byte>(d.begin(), d.end());
}

bool server_takes_early_data(setup& s, const std::vector<std::byte>& flight) {
  test::endpoint server;
  auto c = connection::server(s.server);
  if (!c) return false;
  server.conn = std::make_unique<connection>(std::move(*c));
  server.inbox = flight;
  server.pump();
  return server.received == "replay me";
}

TEST(EarlyData, AReplayedClientHelloGetsItsEarlyDataTakenOnce) {
  setup s;
  s.prime();
  const auto flight = first_flight(s);
  EXPECT_TRUE(server_takes_early_data(s, flight));
  EXPECT_FALSE(server_takes_early_data(s, flight));
  EXPECT_FALSE(server_takes_early_data(s, flight));
}

TEST(EarlyData, ReplaysFromManyThreadsAtOnceGetItTakenOnce) {
  setup s;
  s.prime();
  const auto flight = first_flight(s);
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 4; ++j)
        if (server_takes_early_data(s, flight)) ++taken;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(taken.load(), 1);
}

// Single-use tickets (RFC 8446 §8.1): with a stateful session store and no anti-replay store at
// all, a replayed ClientHello finds its ticket gone: no 0-RTT and no resumption, from any thread.
TEST(EarlyData, StatefulTicketsMakeReplaysFindNothing) {
  setup s;
  s.server->session_store = make_memory_session_store();
  s.server->anti_replay = nullptr;
  s.prime();
  const auto flight = first_flight(s);
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 4; ++j)
        if (server_takes_early_data(s, flight)) ++taken;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(taken.load(), 1);
}

// External decisions (events::replay_check): the driver answers for the ClientHello, possibly later.
TEST(EarlyData, ExternalReplayDecisionFreshAcceptsIt) {
  setup s;
  s.server->external_anti_replay = true;
  s.prime();
  auto p = s.start("early bytes");
  std::vector<std::byte> seen;
  p.server.on_replay_check = [&](bytes id) {
    seen.assign(id.begin(), id.end());
    return replay_verdict::fresh;
  };
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_EQ(p.server.replay_checks, 1);
  EXPECT_EQ(seen.size(), 32u);  // the SHA-256 binder
  EXPECT_TRUE(p.server.conn->info().early_data_accepted);
  EXPECT_EQ(p.server.received, "early bytes");
}

TEST(EarlyData, ExternalReplayDecisionReplayedRefusesItAndGoesOnIn1Rtt) {
  setup s;
  s.server->external_anti_replay = true;
  s.prime();
  auto p = s.start("early bytes");
  p.server.on_replay_check = [](bytes) { return replay_verdict::replayed; };
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_EQ(p.server.replay_checks, 1);
  EXPECT_FALSE(p.server.conn->info().early_data_accepted);
  EXPECT_FALSE(p.client.conn->info().early_data_accepted);
  EXPECT_TRUE(p.server.conn->info().resumed);
  EXPECT_EQ(p.server.received, "");  // skipped, not delivered
}

TEST(EarlyData, ExternalReplayDecisionWaitsForTheDriver) {
  setup s;
  s.server->external_anti_replay = true;
  s.prime();
  auto p = s.start("later");
  p.transfer();
  ASSERT_TRUE(p.server.pump());  // stops at the pending check
  EXPECT_EQ(p.server.replay_checks, 1);
  EXPECT_EQ(p.server.out.size(), 0u);  // nothing sent while it waits
  ASSERT_TRUE(p.server.pump());        // polled again: the same event, still nothing read or sent
  EXPECT_EQ(p.server.replay_checks, 2);
  EXPECT_EQ(p.server.out.size(), 0u);
  EXPECT_TRUE(p.server.conn->resolve_replay_check(replay_verdict::fresh));
  // Answered twice: there is nothing pending any more.
  EXPECT_EQ(p.server.conn->resolve_replay_check(replay_verdict::fresh).error(),
            make_error_code(internal_errc::invalid_state));
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.server.conn->info().early_data_accepted);
  EXPECT_EQ(p.server.received, "later");
}

TEST(EarlyData, NoExternalCheckWithoutAPendingDecision) {
  setup s;
  auto p = make_pair(s.client, s.server);
  EXPECT_EQ(p.server.conn->resolve_replay_check(replay_verdict::fresh).error(),
            make_error_code(internal_errc::invalid_state));
}

TEST(SessionStore, TakesOnceHonoursExpiryAndBoundsItsSize) {
  auto store = make_memory_session_store(2);
  const auto t0 = std::chrono::system_clock::now();
  const std::vector<std::byte> a(32, std::byte{1}), b(32, std::byte{2}), c(32, std::byte{3});
  store->put(a, {std::byte{0xaa}}, t0 + std::chrono::seconds(10));
  auto got = store->take(a, t0);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, std::vector<std::byte>{std::byte{0xaa}});
  EXPECT_FALSE(store->take(a, t0));  // single use
  store->put(b, {std::byte{0xbb}}, t0 + std::chrono::seconds(10));
  EXPECT_FALSE(store->take(b, t0 + std::chrono::seconds(10)));  // expired
  store->put(a, {std::byte{1}}, t0 + std::chrono::seconds(10));
  store->put(b, {std::byte{2}}, t0 + std::chrono::seconds(10));
  store->put(c, {std::byte{3}}, t0 + std::chrono::seconds(10));  // over the bound: `a` goes first
  EXPECT_FALSE(store->take(a, t0));
  EXPECT_TRUE(store->take(b, t0));
  EXPECT_TRUE(store->take(c, t0));
}

TEST(AntiReplay, RemembersForAWindowThenForgets) {
  auto store = make_bloom_anti_replay({std::chrono::seconds(10), 1000, 1e-9});
  const auto t0 = std::chrono::system_clock::now();
  const std::vector<std::byte> a(32, std::byte{1}), b(32, std::byte{2});
  EXPECT_EQ(store->check_and_insert(a, t0), replay_verdict::fresh);
  EXPECT_EQ(store->check_and_insert(a, t0), replay_verdict::replayed);
  EXPECT_EQ(store->check_and_insert(b, t0), replay_verdict::fresh);
  EXPECT_EQ(store->check_and_insert(a, t0 + std::chrono::seconds(15)),
            replay_verdict::replayed);  // previous gen
  EXPECT_EQ(store->check_and_insert(b, t0 + std::chrono::seconds(31)),
            replay_verdict::fresh);  // two windows on
}

TEST(AntiReplay, ConcurrentCopiesOfOneIdAreFreshOnce) {
  auto store = make_bloom_anti_replay();
  const auto now = std::chrono::system_clock::now();
  for (int round = 0; round < 50; ++round) {
    const std::vector<std::byte> id(32, static_cast<std::byte>(round));
    std::atomic<int> fresh{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&] {
        if (store->check_and_insert(id, now) == replay_verdict::fresh) ++fresh;
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(fresh.load(), 1) << round;
  }
}

}  // namespace
}  // namespace tls13
