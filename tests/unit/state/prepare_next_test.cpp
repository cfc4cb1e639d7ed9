// connection::prepare_next_handshake: when the core asks the provider to make the next key pair
// ahead (crypto_provider::prepare_key_exchange), for which group, and how often.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>

#include "pair.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/session.hpp"

namespace tls13 {
namespace {

using test::make_pair;

// The default provider, with a record of the hints it got.
class recording_provider : public default_provider {
 public:
  void prepare_key_exchange(named_group g, kx_side side) noexcept override {
    {
      std::lock_guard lock(m_);
      hints_.push_back(g);
      sides_.push_back(side);
    }
    default_provider::prepare_key_exchange(g, side);
  }
  // Every public key share this provider produced, as hex.
  result<std::unique_ptr<key_exchange>> start_key_exchange(named_group g) override {
    auto r = default_provider::start_key_exchange(g);
    if (r) note((*r)->public_key());
    return r;
  }
  result<std::unique_ptr<key_answer>> respond_key_exchange(named_group g, bytes client_share) override {
    auto r = default_provider::respond_key_exchange(g, client_share);
    // (EC)DHE answers come from start_key_exchange, already noted; hybrid ones do not.
    if (r && (shares().empty() || shares().back() != test::hex((*r)->key_share()))) note((*r)->key_share());
    return r;
  }
  std::vector<std::string> shares() {
    std::lock_guard lock(m_);
    return shares_;
  }
  std::vector<kx_side> sides() {
    std::lock_guard lock(m_);
    return sides_;
  }
  std::vector<named_group> hints() {
    std::lock_guard lock(m_);
    return hints_;
  }
  void clear() {
    std::lock_guard lock(m_);
    hints_.clear();
    sides_.clear();
  }

 private:
  std::mutex m_;
  void note(bytes share) {
    std::lock_guard lock(m_);
    shares_.push_back(test::hex(share));
  }
  std::vector<named_group> hints_;
  std::vector<kx_side> sides_;
  std::vector<std::string> shares_;
};

struct setup {
  std::shared_ptr<recording_provider> client_provider = std::make_shared<recording_provider>();
  std::shared_ptr<recording_provider> server_provider = std::make_shared<recording_provider>();
  std::shared_ptr<client_config> client = std::make_shared<client_config>();
  std::shared_ptr<server_config> server = std::make_shared<server_config>();
  setup() {
    client->verifier = test::test_verifier();
    client->provider = client_provider;
    server->provider = server_provider;
    server->certificates.push_back(test::load_key("server-ecdsa-chain.pem", "server-ecdsa-key.pem"));
  }
};

// No key share seen twice, on either side: every handshake had key pairs of its own.
void expect_all_distinct(setup& s) {
  auto all = s.client_provider->shares();
  const auto server = s.server_provider->shares();
  all.insert(all.end(), server.begin(), server.end());
  EXPECT_FALSE(all.empty());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a key share was used twice";
}

// One poll: the client has written its ClientHello and waits. Its shares' groups are hinted, once.
TEST(PrepareNext, ClientHintsTheGroupsOfItsSharesOnceItsHelloIsOut) {
  setup s;
  s.client->groups = {named_group::x25519_mlkem768, named_group::secp256r1};
  s.client->key_shares = 2;
  auto c = connection::client(s.client, "localhost");
  ASSERT_TRUE(c);
  c->prepare_next_handshake();  // nothing made yet: no hint
  EXPECT_TRUE(s.client_provider->hints().empty());
  std::vector<std::byte> none;
  vector_sink out;
  input_window in{mut_bytes(none.data(), none.size())};
  ASSERT_TRUE(c->poll(in, out));  // flush: the ClientHello
  c->prepare_next_handshake();
  c->prepare_next_handshake();  // once per connection
  EXPECT_EQ(s.client_provider->hints(),
            (std::vector<named_group>{named_group::x25519_mlkem768, named_group::secp256r1}));
  EXPECT_EQ(s.client_provider->sides(), (std::vector<kx_side>{kx_side::client, kx_side::client}));
}

// The server hints nothing before the ClientHello, then the group it answered with.
TEST(PrepareNext, ServerHintsTheGroupItChoseAfterItsFlight) {
  setup s;
  s.client->groups = {named_group::secp256r1};
  auto p = make_pair(s.client, s.server);  // the pump hints on every need_input
  ASSERT_TRUE(p.server.pump());            // no ClientHello yet
  EXPECT_TRUE(s.server_provider->hints().empty());
  ASSERT_TRUE(p.handshake());
  EXPECT_EQ(s.server_provider->hints(), std::vector<named_group>{named_group::secp256r1});
  EXPECT_EQ(s.server_provider->sides(), std::vector<kx_side>{kx_side::server});
  EXPECT_EQ(s.client_provider->hints(), std::vector<named_group>{named_group::secp256r1});
}

// psk_ke: the server made no key pair, so it has nothing to hint.
TEST(PrepareNext, NoHintWithoutAKeyExchange) {
  setup s;
  s.client->ticket_store = make_memory_ticket_store();
  s.client->offer_psk_ke = true;
  s.server->ticket_keys = ticket_key_ring::create();
  s.server->psk_ke = psk_ke_use::prefer;
  ASSERT_TRUE(make_pair(s.client, s.server).handshake());
  s.server_provider->clear();
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.handshake());
  ASSERT_TRUE(p.server.conn->info().resumed);
  ASSERT_FALSE(p.server.conn->info().group.has_value());
  EXPECT_TRUE(s.server_provider->hints().empty());
}

// A resumed server has nothing to wait for after its flight (the client has no certificate to
// check and answers at once): no hint until its handshake is over, then the group it answered with.
TEST(PrepareNext, ResumedServerHintsOnlyOnceConnected) {
  setup s;
  s.client->groups = {named_group::x25519};
  s.client->ticket_store = make_memory_ticket_store();
  s.server->ticket_keys = ticket_key_ring::create();
  ASSERT_TRUE(make_pair(s.client, s.server).handshake());
  s.server_provider->clear();
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.client.pump());  // ClientHello
  p.transfer();
  for (int i = 0; i < 3; ++i) {  // ServerHello, then the rest of the flight and the tickets
    ASSERT_TRUE(p.server.pump());
    p.transfer();
  }
  ASSERT_TRUE(p.server.conn->is_handshaking());  // waiting for the client's Finished
  EXPECT_TRUE(s.server_provider->hints().empty());
  ASSERT_TRUE(p.handshake());
  ASSERT_TRUE(p.server.conn->info().resumed);
  p.server.conn->prepare_next_handshake();  // as the Asio driver does after its close_notify
  EXPECT_EQ(s.server_provider->hints(), std::vector<named_group>{named_group::x25519});
  EXPECT_EQ(s.server_provider->sides(), std::vector<kx_side>{kx_side::server});
}

// Handshakes with hints use the spare keys: each still agrees on its keys, and no two handshakes
// on this thread got the same key share (a spare is handed out once).
TEST(PrepareNext, SparesServeLaterHandshakesOnce) {
  setup s;
  s.client->groups = {named_group::x25519};
  for (int i = 0; i < 4; ++i) {
    auto p = make_pair(s.client, s.server);
    ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
    std::array<std::byte, 16> a{}, b{};
    ASSERT_TRUE(p.client.conn->export_keying_material(a, "EXPORTER-test", {}));
    ASSERT_TRUE(p.server.conn->export_keying_material(b, "EXPORTER-test", {}));
    EXPECT_EQ(a, b);
  }
  EXPECT_EQ(s.client_provider->hints().size(), 4u);
  EXPECT_EQ(s.server_provider->hints().size(), 4u);
  EXPECT_EQ(s.client_provider->shares().size(), 4u);
  EXPECT_EQ(s.server_provider->shares().size(), 4u);
  expect_all_distinct(s);
}

// The default groups (X25519MLKEM768 first): the client's whole hybrid share is made ahead, the
// server's X25519 half; handshakes on the spares agree on their keys.
TEST(PrepareNext, HybridSparesServeLaterHandshakes) {
  setup s;
  for (int i = 0; i < 3; ++i) {
    auto p = make_pair(s.client, s.server);
    ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
    ASSERT_EQ(p.client.conn->info().group, named_group::x25519_mlkem768);
    std::array<std::byte, 16> a{}, b{};
    ASSERT_TRUE(p.client.conn->export_keying_material(a, "EXPORTER-test", {}));
    ASSERT_TRUE(p.server.conn->export_keying_material(b, "EXPORTER-test", {}));
    EXPECT_EQ(a, b);
  }
  EXPECT_EQ(s.server_provider->sides(), std::vector<kx_side>(3, kx_side::server));
  EXPECT_EQ(s.client_provider->shares().size(), 6u);  // X25519MLKEM768 and X25519 each time
  EXPECT_EQ(s.server_provider->shares().size(), 3u);
  expect_all_distinct(s);
}

}  // namespace
}  // namespace tls13
