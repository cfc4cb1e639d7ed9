// How the server's first flight is written (server_config::flush_server_hello_early): with an
// (EC)DHE share, the ServerHello (and the compatibility CCS) leave at once and the rest of the
// flight (EncryptedExtensions .. Finished, under the handshake key) at the next poll(), so the
// client computes its shared secret while the server derives its own (and signs). psk_ke
// resumptions, or the option off: one write.
#include <gtest/gtest.h>

#include <array>

#include "pair.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/session.hpp"

namespace tls13 {
namespace {

using test::make_pair;

struct setup : test::base_configs {
  setup() {
    client->ticket_store = make_memory_ticket_store();
    server->ticket_keys = ticket_key_ring::create();
  }
};

// The content types of the records in `wire`, in order.
std::vector<int> record_types(bytes wire) {
  std::vector<int> types;
  while (wire.size() >= 5) {
    const std::size_t len =
        std::to_integer<std::size_t>(wire[3]) << 8 | std::to_integer<std::size_t>(wire[4]);
    EXPECT_GE(wire.size(), 5 + len);
    if (wire.size() < 5 + len) break;
    types.push_back(std::to_integer<int>(wire[0]));
    wire = wire.subspan(5 + len);
  }
  EXPECT_TRUE(wire.empty());
  return types;
}

constexpr int ccs = 20, handshake = 22, app_data = 23;

// The server's first poll() after the ClientHello: its event and what it wrote.
struct first_poll {
  bool flushed = false;
  std::vector<int> types;
  std::size_t bytes = 0;
};
first_poll server_takes_client_hello(test::pair& p) {
  EXPECT_TRUE(p.client.pump());
  p.transfer();
  input_window in{mut_bytes(p.server.inbox.data(), p.server.inbox.size())};
  auto ev = p.server.conn->poll(in, p.server.out);
  EXPECT_TRUE(ev) << ev.error().message();
  p.server.inbox.erase(p.server.inbox.begin(),
                       p.server.inbox.begin() + static_cast<std::ptrdiff_t>(in.consumed));
  first_poll r;
  r.flushed = ev && std::holds_alternative<events::flush>(*ev);
  r.types = record_types(p.server.out.data());
  r.bytes = p.server.out.size();
  return r;
}

TEST(ServerFlight, ServerHelloLeavesAheadOfTheSignedRest) {
  setup s;
  ASSERT_TRUE(s.server->flush_server_hello_early);  // the default
  auto p = make_pair(s.client, s.server);
  const auto first = server_takes_client_hello(p);
  EXPECT_TRUE(first.flushed);
  // ServerHello and the compatibility CCS (the client uses middlebox compatibility by default).
  EXPECT_EQ(first.types, (std::vector<int>{handshake, ccs}));
  // The client takes the ServerHello alone (derives its handshake keys) and waits for the rest.
  p.transfer();
  ASSERT_TRUE(p.client.pump());
  EXPECT_FALSE(p.client.done);
  EXPECT_EQ(p.client.out.size(), 0u);
  // The next poll writes the rest: all of it under the handshake key (then the tickets).
  ASSERT_TRUE(p.server.pump());
  const auto rest = record_types(p.server.out.data());
  ASSERT_FALSE(rest.empty());
  for (int t : rest) EXPECT_EQ(t, app_data);
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.client.conn->info().peer_authenticated);
}

TEST(ServerFlight, OneWriteWhenSwitchedOff) {
  setup s;
  s.server->flush_server_hello_early = false;
  auto p = make_pair(s.client, s.server);
  const auto first = server_takes_client_hello(p);
  EXPECT_TRUE(first.flushed);
  ASSERT_GE(first.types.size(), 3u);
  EXPECT_EQ(first.types[0], handshake);
  EXPECT_EQ(first.types[1], ccs);
  EXPECT_EQ(first.types[2], app_data);  // EncryptedExtensions .. Finished
  ASSERT_TRUE(p.handshake());
}

// The server's first poll() in a resumption (after one full handshake for the ticket).
first_poll resumption_first_poll(setup& s, test::pair& p) {
  {
    auto full = make_pair(s.client, s.server);
    EXPECT_TRUE(full.handshake());
    EXPECT_TRUE(full.run());  // the tickets
  }
  p = make_pair(s.client, s.server);
  return server_takes_client_hello(p);
}

// psk_dhe_ke: the derive is what the client can overlap, so the ServerHello leaves alone here too.
TEST(ServerFlight, ResumptionWithDheSendsTheServerHelloAhead) {
  setup s;
  test::pair p;
  const auto first = resumption_first_poll(s, p);
  EXPECT_TRUE(first.flushed);
  EXPECT_EQ(first.types, (std::vector<int>{handshake, ccs}));
  p.transfer();
  ASSERT_TRUE(p.server.pump());  // EncryptedExtensions, Finished (then the tickets)
  const auto rest = record_types(p.server.out.data());
  ASSERT_FALSE(rest.empty());
  for (int t : rest) EXPECT_EQ(t, app_data);
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.server.conn->info().resumed);
  EXPECT_TRUE(p.client.conn->info().resumed);
}

// psk_ke: nothing slow after the ServerHello, so no separate write.
TEST(ServerFlight, PskKeResumptionKeepsOneWrite) {
  setup s;
  s.client->offer_psk_ke = true;
  s.server->psk_ke = psk_ke_use::prefer;
  test::pair p;
  const auto first = resumption_first_poll(s, p);
  EXPECT_TRUE(first.flushed);
  ASSERT_GE(first.types.size(), 3u);
  EXPECT_EQ(first.types[2], app_data);  // EncryptedExtensions .. Finished in the same write
  ASSERT_TRUE(p.handshake());
  EXPECT_TRUE(p.server.conn->info().resumed);
  EXPECT_FALSE(p.server.conn->info().group.has_value());  // psk_ke: no (EC)DHE
}

// A client provider whose X25519 share is the u-coordinate 0, a point of small order: the
// well-formed share whose secret would be all zero (RFC 8446 §7.4.2).
struct zero_share_provider final : default_provider {
  struct zero_share final : key_exchange {
    std::array<std::byte, 32> zeros{};
    named_group group() const noexcept override { return named_group::x25519; }
    bytes public_key() const noexcept override { return zeros; }
    result<secret> complete(bytes) override { return internal_errc::invalid_state; }
  };
  result<std::unique_ptr<key_exchange>> start_key_exchange(named_group g) override {
    if (g != named_group::x25519) return default_provider::start_key_exchange(g);
    return std::unique_ptr<key_exchange>(std::make_unique<zero_share>());
  }
  void prepare_key_exchange(named_group, kx_side) noexcept override {}
};

// A low-order share is found before the server answers (check_peer_share): it fails with
// illegal_parameter in a plaintext alert, and nothing else is written: no ServerHello, no CCS.
TEST(ServerFlight, ALowOrderShareIsRefusedBeforeTheServerHello) {
  setup s;
  s.client->groups = {named_group::x25519};
  s.client->provider = std::make_shared<zero_share_provider>();
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.client.pump());
  p.transfer();
  EXPECT_FALSE(p.server.pump());
  EXPECT_EQ(p.server.error, make_error_code(protocol_errc::illegal_parameter));
  const auto out = p.server.out.data();
  const std::vector<std::byte> alert = {std::byte{21}, std::byte{3}, std::byte{3}, std::byte{0},
                                        std::byte{2},  std::byte{2}, std::byte{47}};
  ASSERT_EQ(out.size(), alert.size());
  EXPECT_TRUE(std::equal(alert.begin(), alert.end(), out.begin()));
  EXPECT_FALSE(p.server.conn->can_write());
}

// Between the two writes there is no application key: no 0.5-RTT data yet (§2: application data
// only protected), and the driver is told that output is due.
TEST(ServerFlight, NoApplicationDataBetweenTheWrites) {
  setup s;
  auto p = make_pair(s.client, s.server);
  const auto first = server_takes_client_hello(p);
  ASSERT_EQ(first.types, (std::vector<int>{handshake, ccs}));
  EXPECT_FALSE(p.server.conn->can_write());
  EXPECT_TRUE(p.server.conn->wants_write());
  const std::string secret = "secret";
  EXPECT_FALSE(p.server.conn->write(as_bytes(secret.data(), secret.size()), p.server.out));
  EXPECT_EQ(p.server.out.size(), first.bytes);  // nothing written, in the clear or otherwise
  ASSERT_TRUE(p.server.pump());                 // the rest of the flight
  EXPECT_TRUE(p.server.conn->can_write());      // 0.5-RTT from here (§4.4.4)
}

// §5.1: a message after the ClientHello in the same record spans the key change.
TEST(ServerFlight, MessageAfterTheClientHelloInItsRecordIsRefused) {
  setup s;
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.client.pump());
  auto wire = std::vector<std::byte>(p.client.out.data().begin(), p.client.out.data().end());
  p.client.out.clear();
  ASSERT_EQ(record_types(wire), (std::vector<int>{handshake}));
  // A Finished (type 20, 32 octets) appended to the ClientHello's record.
  wire.push_back(std::byte{20});
  for (std::byte b : {std::byte{0}, std::byte{0}, std::byte{32}}) wire.push_back(b);
  wire.insert(wire.end(), 32, std::byte{0});
  const std::size_t len = wire.size() - 5;
  wire[3] = static_cast<std::byte>(len >> 8);
  wire[4] = static_cast<std::byte>(len & 0xff);
  p.server.inbox = wire;
  EXPECT_FALSE(p.server.pump());
  EXPECT_EQ(p.server.error, make_error_code(protocol_errc::message_spans_key_change));
  EXPECT_FALSE(p.server.conn->can_write());
}

// A server that closes between the two writes first completes the flight (as if written at once),
// so it can read the client's protected answer; nothing follows its close_notify.
TEST(ServerFlight, CloseBetweenTheWritesCompletesTheFlightFirst) {
  setup s;
  auto p = make_pair(s.client, s.server);
  const auto first = server_takes_client_hello(p);
  ASSERT_EQ(first.types, (std::vector<int>{handshake, ccs}));
  p.server.conn->close(p.server.out);
  const auto types = record_types(p.server.out.data());
  ASSERT_GE(types.size(), 4u);  // ServerHello, CCS, the flight, close_notify (both protected)
  EXPECT_EQ(types[2], app_data);
  EXPECT_EQ(types.back(), app_data);
  const auto with_close = p.server.out.size();
  p.server.pump();
  EXPECT_EQ(p.server.out.size(), with_close);  // no tickets after our close_notify
  p.transfer();
  ASSERT_TRUE(p.client.pump());  // checks the flight, sends Finished, sees our close_notify
  EXPECT_TRUE(p.client.done);
  EXPECT_TRUE(p.client.peer_closed);
  p.client.conn->close(p.client.out);
  p.transfer();
  EXPECT_TRUE(p.server.pump()) << p.server.error.message();  // the client's CCS, Finished, close_notify
  EXPECT_FALSE(p.server.error);
  EXPECT_EQ(p.server.out.size(), 0u);
}

// The same through HelloRetryRequest: the second ServerHello leaves early too.
TEST(ServerFlight, AfterHelloRetryRequest) {
  setup s;
  s.client->groups = {named_group::secp256r1, named_group::x25519};
  s.client->key_shares = 1;  // only P-256 is sent
  s.server->groups = {named_group::x25519};
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.client.conn->info().hello_retry);
  EXPECT_EQ(p.client.conn->info().group, named_group::x25519);
}

}  // namespace
}  // namespace tls13
