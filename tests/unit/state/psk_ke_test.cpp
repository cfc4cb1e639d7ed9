// Resumption without (EC)DHE (psk_ke, RFC 8446 §4.2.9), an opt-in on both sides: which mode the
// server picks under each psk_ke_use policy, a ServerHello without key_share, a ClientHello without
// supported_groups / key_share / signature_algorithms, tickets for psk_ke-only clients, 0-RTT under
// psk_ke, and the client's refusals. Interop with OpenSSL's -allow_no_dhe_kex is in
// tests/interop/openssl_interop.sh.
#include <gtest/gtest.h>

#include <algorithm>

#include "pair.hpp"
#include "tls13/session.hpp"

namespace tls13 {
namespace {

using test::make_pair;

constexpr std::uint16_t ext_supported_groups = 10;
constexpr std::uint16_t ext_signature_algorithms = 13;
constexpr std::uint16_t ext_psk_modes = 45;
constexpr std::uint16_t ext_key_share = 51;

struct setup {
  std::shared_ptr<const client_ticket_store> store = make_memory_ticket_store();
  std::shared_ptr<client_config> client = std::make_shared<client_config>();
  std::shared_ptr<server_config> server = std::make_shared<server_config>();
  // What the server's last ServerHello carried (extension types), seen through the test hook.
  std::shared_ptr<std::vector<std::uint16_t>> server_hello_ext =
      std::make_shared<std::vector<std::uint16_t>>();

  explicit setup(psk_ke_use policy, bool offer = true) {
    client->verifier = test::test_verifier();
    client->ticket_store = store;
    client->offer_psk_ke = offer;
    server->certificates.push_back(test::load_key("server-ecdsa-chain.pem", "server-ecdsa-key.pem"));
    server->ticket_keys = ticket_key_ring::create();
    server->psk_ke = policy;
    server->extension_hook_for_testing = [seen = server_hello_ext](handshake_type t,
                                                                   std::vector<raw_extension>& ext) {
      if (t != handshake_type::server_hello) return;
      seen->clear();
      for (const auto& e : ext) seen->push_back(e.type);
    };
  }

  bool server_hello_has(std::uint16_t type) const {
    return std::find(server_hello_ext->begin(), server_hello_ext->end(), type) != server_hello_ext->end();
  }

  // One connection to the end of the handshake and a round of data (which delivers the tickets).
  test::pair connect() {
    auto p = make_pair(client, server);
    EXPECT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
    const std::string ping = "ping";
    EXPECT_TRUE(p.server.conn->write(as_bytes(ping.data(), ping.size()), p.server.out));
    EXPECT_TRUE(p.run());
    EXPECT_EQ(p.client.received, "ping");
    return p;
  }
};

// Rewrites the client's psk_key_exchange_modes (and may drop extensions) in every ClientHello.
void client_hello_hook(client_config& c, std::vector<std::byte> modes, std::vector<std::uint16_t> drop = {}) {
  c.extension_hook_for_testing = [modes, drop](handshake_type t, std::vector<raw_extension>& ext) {
    if (t != handshake_type::client_hello) return;
    std::erase_if(ext, [&](const raw_extension& e) {
      return std::find(drop.begin(), drop.end(), e.type) != drop.end();
    });
    for (auto& e : ext)
      if (e.type == ext_psk_modes) e.body = modes;
  };
}

void expect_keys_agree(test::pair& p) {
  std::array<std::byte, 32> a{}, b{};
  ASSERT_TRUE(p.client.conn->export_keying_material(a, "EXPERIMENTAL psk_ke", {}));
  ASSERT_TRUE(p.server.conn->export_keying_material(b, "EXPERIMENTAL psk_ke", {}));
  EXPECT_EQ(a, b);
  const std::string up = "up";
  p.server.received.clear();
  ASSERT_TRUE(p.client.conn->write(as_bytes(up.data(), up.size()), p.client.out));
  ASSERT_TRUE(p.run());
  EXPECT_EQ(p.server.received, "up");
}

TEST(PskKe, ClientOffersBothModesOnlyWhenConfigured) {
  for (bool offer : {false, true}) {
    setup s(psk_ke_use::never, offer);
    std::vector<std::byte> seen;
    s.client->extension_hook_for_testing = [&seen](handshake_type t, std::vector<raw_extension>& ext) {
      for (const auto& e : ext)
        if (t == handshake_type::client_hello && e.type == ext_psk_modes) seen = e.body;
    };
    s.connect();
    // ke_modes<1..255>: psk_dhe_ke (1), then psk_ke (0) when offered.
    const std::vector<std::byte> want = offer ? std::vector{std::byte{2}, std::byte{1}, std::byte{0}}
                                              : std::vector{std::byte{1}, std::byte{1}};
    EXPECT_EQ(seen, want) << offer;
  }
}

// The default: a client offering psk_ke still resumes with (EC)DHE.
TEST(PskKe, NeverPolicyResumesWithEcdhe) {
  setup s(psk_ke_use::never);
  s.connect();
  auto p = s.connect();
  EXPECT_TRUE(p.server.conn->info().resumed);
  EXPECT_TRUE(p.client.conn->info().resumed);
  EXPECT_TRUE(s.server_hello_has(ext_key_share));
  EXPECT_TRUE(p.client.conn->info().group.has_value());
}

TEST(PskKe, PreferPolicyResumesWithoutKeyShare) {
  setup s(psk_ke_use::prefer);
  auto first = s.connect();
  EXPECT_TRUE(first.client.conn->info().group.has_value());  // a full handshake always has (EC)DHE
  auto p = s.connect();
  ASSERT_TRUE(p.client.conn->info().resumed);
  ASSERT_TRUE(p.server.conn->info().resumed);
  EXPECT_FALSE(s.server_hello_has(ext_key_share));
  EXPECT_TRUE(s.server_hello_has(41));  // pre_shared_key
  EXPECT_FALSE(p.client.conn->info().group.has_value());
  EXPECT_FALSE(p.server.conn->info().group.has_value());
  EXPECT_FALSE(p.client.conn->info().hello_retry);
  expect_keys_agree(p);
}

// instead_of_retry: with a share the server takes, psk_dhe_ke as usual.
TEST(PskKe, InsteadOfRetryKeepsEcdheWhenTheShareFits) {
  setup s(psk_ke_use::instead_of_retry);
  s.connect();
  auto p = s.connect();
  EXPECT_TRUE(p.server.conn->info().resumed);
  EXPECT_TRUE(s.server_hello_has(ext_key_share));
  EXPECT_TRUE(p.client.conn->info().group.has_value());
}

// instead_of_retry: no share the server takes, so psk_ke instead of a HelloRetryRequest.
TEST(PskKe, InsteadOfRetryAvoidsTheRetry) {
  setup s(psk_ke_use::instead_of_retry);
  s.client->groups = {named_group::x25519, named_group::secp384r1};
  s.client->key_shares = 1;  // X25519 only
  s.connect();               // the server takes X25519
  s.server->groups = {named_group::secp384r1};
  auto p = s.connect();
  ASSERT_TRUE(p.server.conn->info().resumed);
  EXPECT_FALSE(p.client.conn->info().hello_retry);
  EXPECT_FALSE(p.server.conn->info().group.has_value());
  expect_keys_agree(p);
  // Without psk_ke on the client the same server needs the retry and resumes with (EC)DHE.
  s.client->offer_psk_ke = false;
  auto q = s.connect();
  EXPECT_TRUE(q.client.conn->info().resumed);
  EXPECT_TRUE(q.client.conn->info().hello_retry);
  EXPECT_EQ(q.client.conn->info().group, named_group::secp384r1);
}

// A PSK the server cannot use (another ring) and no share it takes: HRR, then a full handshake.
TEST(PskKe, UnusablePskStillGetsTheRetry) {
  setup s(psk_ke_use::instead_of_retry);
  s.client->groups = {named_group::x25519, named_group::secp384r1};
  s.client->key_shares = 1;
  s.connect();
  s.server->groups = {named_group::secp384r1};
  s.server->ticket_keys = ticket_key_ring::create();
  auto p = s.connect();
  EXPECT_FALSE(p.client.conn->info().resumed);
  EXPECT_TRUE(p.client.conn->info().hello_retry);
  EXPECT_EQ(p.server.conn->info().group, named_group::secp384r1);
}

// A client offering psk_ke only: resumed under instead_of_retry; a full handshake (and no
// tickets, §4.2.9) when the server never uses psk_ke.
TEST(PskKe, PskKeOnlyOffer) {
  for (auto policy : {psk_ke_use::never, psk_ke_use::instead_of_retry}) {
    setup s(policy);
    client_hello_hook(*s.client, {std::byte{1}, std::byte{0}});
    s.connect();
    const bool takes = policy != psk_ke_use::never;
    EXPECT_EQ(s.store->take("localhost", std::chrono::system_clock::now()).has_value(), takes);
    if (!takes) continue;
    auto p = s.connect();
    EXPECT_TRUE(p.server.conn->info().resumed);
    EXPECT_FALSE(s.server_hello_has(ext_key_share));
    expect_keys_agree(p);
  }
}

// §9.2: a ClientHello with pre_shared_key needs neither supported_groups + key_share nor
// signature_algorithms; only psk_ke can answer it.
TEST(PskKe, ClientHelloWithoutGroupsOrSignatureAlgorithms) {
  for (auto policy : {psk_ke_use::never, psk_ke_use::instead_of_retry, psk_ke_use::prefer}) {
    setup s(policy);
    s.connect();
    client_hello_hook(*s.client, {std::byte{1}, std::byte{0}},
                      {ext_supported_groups, ext_key_share, ext_signature_algorithms});
    auto p = make_pair(s.client, s.server);
    if (policy == psk_ke_use::never) {
      EXPECT_FALSE(p.handshake());
      EXPECT_EQ(p.server.error, make_error_code(protocol_errc::missing_extension));
      continue;
    }
    ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
    EXPECT_TRUE(p.server.conn->info().resumed);
    expect_keys_agree(p);
  }
}

// §9.2: supported_groups without key_share (or the reverse) is refused even with a PSK.
TEST(PskKe, GroupsWithoutKeyShareIsMissingExtension) {
  for (auto drop : {ext_supported_groups, ext_key_share}) {
    setup s(psk_ke_use::prefer);
    s.connect();
    client_hello_hook(*s.client, {std::byte{1}, std::byte{0}}, {drop});
    auto p = make_pair(s.client, s.server);
    EXPECT_FALSE(p.handshake());
    EXPECT_EQ(p.server.error, make_error_code(protocol_errc::missing_extension)) << drop;
  }
}

// A psk_ke ServerHello to a client that did not offer psk_ke: illegal_parameter (§4.2.11); the
// server here believes the client offered it (the hook rewrote the modes).
TEST(PskKe, ClientRefusesPskKeItDidNotOffer) {
  setup s(psk_ke_use::prefer, false);
  s.connect();
  client_hello_hook(*s.client, {std::byte{2}, std::byte{1}, std::byte{0}});
  auto p = make_pair(s.client, s.server);
  EXPECT_FALSE(p.handshake());
  EXPECT_EQ(p.client.error, make_error_code(protocol_errc::illegal_parameter));
}

// The same ClientHello without a usable PSK: only (EC)DHE could answer, and it lacks key_share
// (§9.2: REQUIRED for (EC)DHE): missing_extension, as OpenSSL answers.
TEST(PskKe, PskOnlyClientHelloWithAnUnusablePskIsMissingExtension) {
  setup s(psk_ke_use::prefer);
  s.connect();
  s.server->ticket_keys = ticket_key_ring::create();  // the ticket no longer opens
  client_hello_hook(*s.client, {std::byte{1}, std::byte{0}}, {ext_supported_groups, ext_key_share});
  auto p = make_pair(s.client, s.server);
  EXPECT_FALSE(p.handshake());
  EXPECT_EQ(p.server.error, make_error_code(protocol_errc::missing_extension));
}

// instead_of_retry with a ClientHello held for the driver's replay decision (external_anti_replay):
// one replay_check, no HelloRetryRequest, psk_ke, and 0-RTT as the verdict says.
TEST(PskKe, HeldClientHelloTakesPskKeInsteadOfRetry) {
  setup s(psk_ke_use::instead_of_retry);
  s.client->groups = {named_group::x25519, named_group::secp384r1};
  s.client->key_shares = 1;
  s.client->enable_early_data = true;
  s.server->max_early_data = 1024;
  s.server->external_anti_replay = true;
  s.server->tickets_after_resumption = 2;
  s.connect();
  s.server->groups = {named_group::secp384r1};  // the X25519 share would need a retry
  for (auto verdict : {replay_verdict::fresh, replay_verdict::replayed}) {
    auto p = make_pair(s.client, s.server);
    p.server.on_replay_check = [verdict](bytes) { return verdict; };
    ASSERT_TRUE(p.client.pump());
    const std::string e = "early";
    ASSERT_TRUE(p.client.conn->write_early(as_bytes(e.data(), e.size()), p.client.out));
    ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
    EXPECT_EQ(p.server.replay_checks, 1);
    EXPECT_TRUE(p.server.conn->info().resumed);
    EXPECT_FALSE(p.server.conn->info().hello_retry);
    EXPECT_FALSE(p.server.conn->info().group.has_value());
    EXPECT_EQ(p.server.conn->info().early_data_accepted, verdict == replay_verdict::fresh);
    EXPECT_EQ(p.server.received, verdict == replay_verdict::fresh ? "early" : "");
    const std::string x = "x";  // the next ticket for the next round
    ASSERT_TRUE(p.server.conn->write(as_bytes(x.data(), x.size()), p.server.out));
    ASSERT_TRUE(p.run());
  }
}

// Stateful single-use tickets with instead_of_retry: taken once, psk_ke, no retry.
TEST(PskKe, SessionStoreInsteadOfRetry) {
  setup s(psk_ke_use::instead_of_retry);
  s.server->session_store = make_memory_session_store();
  s.client->groups = {named_group::x25519, named_group::secp384r1};
  s.client->key_shares = 1;
  s.connect();
  s.server->groups = {named_group::secp384r1};
  auto p = s.connect();
  EXPECT_TRUE(p.server.conn->info().resumed);
  EXPECT_FALSE(p.server.conn->info().hello_retry);
  EXPECT_FALSE(p.server.conn->info().group.has_value());
}

TEST(PskKe, EarlyDataUnderPskKe) {
  setup s(psk_ke_use::prefer);
  s.client->enable_early_data = true;
  s.server->max_early_data = 1024;
  s.server->anti_replay = make_bloom_anti_replay();
  s.connect();
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.client.pump());
  ASSERT_TRUE(p.client.conn->can_write_early());
  const std::string early = "early";
  ASSERT_TRUE(p.client.conn->write_early(as_bytes(early.data(), early.size()), p.client.out));
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.server.conn->info().early_data_accepted);
  EXPECT_EQ(p.server.received, "early");
  EXPECT_FALSE(p.server.conn->info().group.has_value());
  expect_keys_agree(p);
}

}  // namespace
}  // namespace tls13
