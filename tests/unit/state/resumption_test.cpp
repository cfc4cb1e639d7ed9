// Resumption between our client and our server (RFC 8446 §2.2, §4.2.11, §4.6.1): tickets issued
// and kept, each used once, PSK handshakes without certificates, every reason to fall back to a
// full handshake, ring rotation and sharing, and the fatal case (a bad binder).
#include <gtest/gtest.h>

#include "pair.hpp"
#include "tls13/session.hpp"

namespace tls13 {
namespace {

using test::make_pair;

struct setup {
  std::shared_ptr<const client_ticket_store> store = make_memory_ticket_store();
  std::shared_ptr<ticket_key_ring> ring = ticket_key_ring::create();
  std::shared_ptr<client_config> client = std::make_shared<client_config>();
  std::shared_ptr<server_config> server = std::make_shared<server_config>();

  setup() {
    client->verifier = test::test_verifier();
    client->ticket_store = store;
    server->certificates.push_back(test::load_key("server-ecdsa-chain.pem", "server-ecdsa-key.pem"));
    server->ticket_keys = ring;
  }

  // One connection to the end of the handshake and a round of data (which delivers the tickets).
  test::pair connect(const std::string& sni = "localhost") {
    auto p = make_pair(client, server, sni);
    EXPECT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
    const std::string ping = "ping";
    EXPECT_TRUE(p.server.conn->write(as_bytes(ping.data(), ping.size()), p.server.out));
    EXPECT_TRUE(p.run());
    EXPECT_EQ(p.client.received, "ping");
    return p;
  }
};

// How many tickets the store holds for `name` (takes them all; the store is left empty).
std::size_t drain(const client_ticket_store& s, const std::string& name) {
  std::size_t n = 0;
  while (s.take(name, std::chrono::system_clock::now())) ++n;
  return n;
}

TEST(Resumption, FullHandshakeIssuesTwoTicketsAndTheNextConnectionResumes) {
  setup s;
  auto first = s.connect();
  EXPECT_FALSE(first.client.conn->info().resumed);
  auto second = s.connect();
  const auto& ci = second.client.conn->info();
  const auto& si = second.server.conn->info();
  EXPECT_TRUE(ci.resumed);
  EXPECT_TRUE(si.resumed);
  // A PSK handshake sends no Certificate (§2.2).
  EXPECT_TRUE(ci.peer_chain.empty());
  EXPECT_EQ(ci.suite, first.client.conn->info().suite);
  // Both sides agree on fresh keys: data flows and exporters match.
  std::array<std::byte, 16> a{}, b{};
  ASSERT_TRUE(second.client.conn->export_keying_material(a, "EXPERIMENTAL r", {}));
  ASSERT_TRUE(second.server.conn->export_keying_material(b, "EXPERIMENTAL r", {}));
  EXPECT_EQ(a, b);
  // One ticket left from the first connection, one new from the resumption (default 1).
  EXPECT_EQ(drain(*s.store, "localhost"), 2u);
}

TEST(Resumption, EachTicketIsOfferedOnce) {
  setup s;
  s.server->tickets_after_full_handshake = 1;
  s.server->tickets_after_resumption = 0;
  s.connect();
  EXPECT_TRUE(s.connect().client.conn->info().resumed);
  // The only ticket was taken: the third connection is a full handshake.
  EXPECT_FALSE(s.connect().client.conn->info().resumed);
}

// Stateful tickets: the ticket is an opaque id and its state stays with the server, used once.
TEST(Resumption, StatefulTicketsResumeOnceEach) {
  setup s;
  auto sessions = make_memory_session_store();
  s.server->session_store = sessions;
  s.server->tickets_after_full_handshake = 1;
  s.server->tickets_after_resumption = 1;
  s.connect();
  auto kept = s.store->take("localhost", std::chrono::system_clock::now());
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->ticket.size(), 32u);  // the id, not a sealed state
  // The server still holds the state: offering a copy resumes once, a second copy does not.
  auto copy = session_ticket::parse(kept->serialize());
  ASSERT_TRUE(copy);
  s.store->insert("localhost", std::move(*kept));
  EXPECT_TRUE(s.connect().client.conn->info().resumed);
  drain(*s.store, "localhost");  // the ticket issued by that resumption
  s.store->insert("localhost", std::move(*copy));
  EXPECT_FALSE(s.connect().client.conn->info().resumed);
}

// reverify_on_resume: the ticket keeps the server's chain and the verifier sees it again.
TEST(Resumption, ReverifyOnResumeChecksTheKeptChainAgain) {
  setup s;
  s.client->reverify_on_resume = true;
  s.connect();
  auto second = s.connect();
  const auto& ci = second.client.conn->info();
  EXPECT_TRUE(ci.resumed);
  EXPECT_TRUE(ci.peer_authenticated);
  EXPECT_FALSE(ci.peer_chain.empty());
  // The chain survives the ticket's serialized form.
  auto kept = s.store->take("localhost", std::chrono::system_clock::now());
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->peer_chain, ci.peer_chain);
  auto parsed = session_ticket::parse(kept->serialize());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->peer_chain, ci.peer_chain);
}

// The trust changed since the ticket was issued: the resumption fails as the full handshake would.
TEST(Resumption, ReverifyOnResumeFailsWhenTheChainNoLongerVerifies) {
  setup s;
  s.client->reverify_on_resume = true;
  s.connect();
  auto other = std::make_shared<client_config>(*s.client);
  other->verifier = test::test_verifier("other-ca.pem");
  auto p = make_pair(other, s.server);
  EXPECT_FALSE(p.handshake());
  EXPECT_EQ(p.client.error, make_error_code(certificate_errc::unknown_issuer));
  EXPECT_EQ(p.server.error, alert_received(alert_description::unknown_ca));
}

// Without the option a resumption never calls the verifier (the ticket keeps no chain).
TEST(Resumption, WithoutReverifyTheTicketKeepsNoChain) {
  setup s;
  s.connect();
  auto kept = s.store->take("localhost", std::chrono::system_clock::now());
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->peer_chain.empty());
}

TEST(Resumption, NoStoreMeansNoTicketsAndNoOffer) {
  setup s;
  s.client->ticket_store = nullptr;
  s.connect();
  s.client->ticket_store = s.store;
  EXPECT_FALSE(s.connect().client.conn->info().resumed);  // nothing was kept
}

TEST(Resumption, FallsBackToAFullHandshakeForAnotherServerName) {
  setup s;
  s.connect();
  // The client keys tickets by name; give the server the ticket under another name.
  auto t = s.store->take("localhost", std::chrono::system_clock::now());
  ASSERT_TRUE(t);
  s.store->insert("127.0.0.1.example", std::move(*t));
  s.client->verify_peer = false;
  auto p = make_pair(s.client, s.server, "127.0.0.1.example");
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_FALSE(p.server.conn->info().resumed);
  EXPECT_FALSE(p.client.conn->info().resumed);
}

TEST(Resumption, FallsBackWhenTheServerPicksASuiteOfAnotherHash) {
  setup s;
  s.server->cipher_suites = {cipher_suite::aes_256_gcm_sha384};
  s.connect();
  s.server->cipher_suites = {cipher_suite::aes_128_gcm_sha256, cipher_suite::aes_256_gcm_sha384};
  auto p = s.connect();
  EXPECT_EQ(p.client.conn->info().suite, cipher_suite::aes_128_gcm_sha256);
  EXPECT_FALSE(p.client.conn->info().resumed);
}

TEST(Resumption, RotationKeepsRecentKeysAndDropsOldOnes) {
  setup s;
  s.ring = ticket_key_ring::create({std::chrono::seconds(0), 1});  // rotate by hand, keep 1 previous
  s.server->ticket_keys = s.ring;
  s.connect();                                           // two tickets under key 1
  s.ring->rotate(std::chrono::system_clock::now());      // key 2 current, key 1 kept
  EXPECT_TRUE(s.connect().client.conn->info().resumed);  // a key-1 ticket; one new under key 2
  s.ring->rotate(std::chrono::system_clock::now());
  s.ring->rotate(std::chrono::system_clock::now());  // keys 3 and 4: keys 1 and 2 are gone
  EXPECT_FALSE(s.connect().client.conn->info().resumed);
}

TEST(Resumption, ExportedKeysLetAnotherServerResume) {
  setup a;
  a.connect();
  auto other_ring = ticket_key_ring::create();
  ASSERT_TRUE(other_ring->import_keys(a.ring->export_keys(), std::chrono::system_clock::now()));
  a.server = std::make_shared<server_config>(*a.server);
  a.server->ticket_keys = other_ring;
  EXPECT_TRUE(a.connect().client.conn->info().resumed);
  EXPECT_FALSE(other_ring->import_keys(std::vector<std::byte>(3), std::chrono::system_clock::now()));
}

TEST(Resumption, AfterHelloRetryRequest) {
  setup s;
  s.connect();
  s.server->groups = {named_group::secp256r1};  // the client's one share is X25519: HRR
  auto p = s.connect();
  EXPECT_TRUE(p.client.conn->info().hello_retry);
  EXPECT_TRUE(p.client.conn->info().resumed);
  EXPECT_TRUE(p.server.conn->info().resumed);
}

TEST(Resumption, CarriesTheClientIdentityWithoutAskingAgain) {
  setup s;
  s.client->client_certificate = test::load_key("client.pem", "client-key.pem");
  s.server->client_authentication = client_auth::required;
  s.server->verifier = test::test_verifier();
  s.connect();
  auto p = s.connect();
  EXPECT_TRUE(p.server.conn->info().resumed);
  EXPECT_TRUE(p.server.conn->info().peer_authenticated);
  EXPECT_EQ(p.server.conn->info().peer_chain.size(), 1u);
}

TEST(Resumption, TamperedBinderIsDecryptError) {
  setup s;
  s.connect();
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.client.pump());
  // The binder is the last octets of the ClientHello record.
  auto out = p.client.out.data();
  std::vector<std::byte> hello(out.begin(), out.end());
  hello.back() ^= std::byte{1};
  p.client.out.clear();
  p.server.inbox = hello;
  EXPECT_FALSE(p.server.pump());
  EXPECT_EQ(p.server.error, make_error_code(protocol_errc::decrypt_error));
  p.transfer();
  EXPECT_FALSE(p.client.pump());
  EXPECT_EQ(p.client.error, alert_received(alert_description::decrypt_error));
}

TEST(Resumption, PskKeOnlyOfferIsNotTaken) {
  setup s;
  s.connect();
  s.client->extension_hook_for_testing = [](handshake_type, std::vector<raw_extension>& ext) {
    for (auto& e : ext)
      if (e.type == 45) e.body = {std::byte{1}, std::byte{0}};  // psk_key_exchange_modes = {psk_ke}
  };
  auto p = s.connect();
  EXPECT_FALSE(p.server.conn->info().resumed);
  EXPECT_FALSE(p.client.conn->info().resumed);
}

// ---- When the tickets go out (RFC 8446 §4.6.1, Note; server_config::tickets_before_client_finished)

// Runs a handshake one flight at a time and reports how many tickets the client holds once it has
// taken the server's first flight, before the server has seen the client's Finished; then finishes.
std::size_t tickets_before_client_finished(setup& s, test::pair& p) {
  EXPECT_TRUE(p.client.pump());  // ClientHello
  p.transfer();
  EXPECT_TRUE(p.server.pump());  // the server's flight (and, early, the tickets)
  p.transfer();
  EXPECT_TRUE(p.client.pump());  // the client checks it, sends Finished, takes what followed
  EXPECT_TRUE(p.client.done);
  const std::size_t n = drain(*s.store, "localhost");
  EXPECT_TRUE(p.run()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.server.done);
  return n;
}

TEST(TicketTiming, TicketsFollowTheFlightWithoutClientAuthentication) {
  setup s;
  auto p = make_pair(s.client, s.server);
  EXPECT_EQ(tickets_before_client_finished(s, p), 2u);
  // The drained tickets are gone; new ones, made the same way, resume.
  s.connect();
  auto again = s.connect();
  EXPECT_TRUE(again.client.conn->info().resumed);
  EXPECT_TRUE(again.server.conn->info().resumed);
  // And a resumption sends its ticket early too.
  EXPECT_EQ(drain(*s.store, "localhost"), 2u);  // one left from the full handshake, one new
}

TEST(TicketTiming, TicketsWaitForTheClientsFinishedWhenItMayAuthenticate) {
  setup s;
  s.server->client_authentication = client_auth::optional;  // the transcript hangs on its answer
  s.server->verifier = test::test_verifier();
  auto p = make_pair(s.client, s.server);
  EXPECT_EQ(tickets_before_client_finished(s, p), 0u);
  EXPECT_EQ(drain(*s.store, "localhost"), 2u);  // they came after the client's Finished
}

TEST(TicketTiming, TicketsWaitForTheClientsFinishedWhenSwitchedOff) {
  setup s;
  s.server->tickets_before_client_finished = false;
  auto p = make_pair(s.client, s.server);
  EXPECT_EQ(tickets_before_client_finished(s, p), 0u);
  EXPECT_EQ(drain(*s.store, "localhost"), 2u);
  s.connect();
  EXPECT_TRUE(s.connect().client.conn->info().resumed);
}

TEST(TicketTiming, StatefulTicketsWaitForTheClientsFinished) {
  setup s;
  s.server->session_store = make_memory_session_store();  // an entry only for a client that finished
  auto p = make_pair(s.client, s.server);
  EXPECT_EQ(tickets_before_client_finished(s, p), 0u);
  EXPECT_EQ(drain(*s.store, "localhost"), 2u);
}

// Tickets at the usual time (here: switched off early) do not follow our close_notify either: a
// server that closed after its flight sends nothing more when the client's Finished arrives (§6.1).
TEST(TicketTiming, NoTicketsAfterCloseNotifyWhenTheFinishedComesLater) {
  setup s;
  s.server->tickets_before_client_finished = false;
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.client.pump());
  p.transfer();
  ASSERT_TRUE(p.server.pump());  // the flight
  p.server.conn->close(p.server.out);
  p.transfer();
  ASSERT_TRUE(p.client.pump());  // the client finishes and sees our close_notify
  EXPECT_TRUE(p.client.done);
  p.transfer();
  p.server.pump();  // the client's Finished (and whatever followed it)
  EXPECT_TRUE(p.server.done);
  EXPECT_EQ(p.server.out.size(), 0u);
  p.transfer();
  p.client.pump();
  EXPECT_EQ(drain(*s.store, "localhost"), 0u);
}

// The tickets are due at the poll() after the flight; a server that closes before that poll sends
// nothing after its close_notify (RFC 8446 §6.1).
TEST(TicketTiming, NoTicketsAfterAnEarlyCloseNotify) {
  setup s;
  s.server->flush_server_hello_early = false;  // the whole flight at the first poll
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.client.pump());
  p.transfer();
  input_window in{mut_bytes(p.server.inbox.data(), p.server.inbox.size())};
  auto ev = p.server.conn->poll(in, p.server.out);  // takes the ClientHello, writes the flight
  ASSERT_TRUE(ev);
  ASSERT_TRUE(std::holds_alternative<events::flush>(*ev));
  p.server.inbox.erase(p.server.inbox.begin(),
                       p.server.inbox.begin() + static_cast<std::ptrdiff_t>(in.consumed));
  const std::size_t flight = p.server.out.size();
  p.server.conn->close(p.server.out);
  const std::size_t with_close = p.server.out.size();
  EXPECT_GT(with_close, flight);
  p.server.pump();  // the poll at which early tickets would have been made
  EXPECT_EQ(p.server.out.size(), with_close);
  p.transfer();
  p.client.pump();
  EXPECT_EQ(drain(*s.store, "localhost"), 0u);
}

TEST(SessionTicket, SerializesAndParses) {
  session_ticket t;
  t.ticket = {std::byte{1}, std::byte{2}, std::byte{3}};
  const std::vector<std::byte> psk(32, std::byte{7});
  t.psk = secret::from(psk);
  t.suite = cipher_suite::chacha20_poly1305_sha256;
  t.age_add = 0x01020304;
  t.lifetime = 7200;
  t.max_early_data = 1024;
  t.received = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
  t.alpn = "h2";
  const auto blob = t.serialize();
  auto back = session_ticket::parse(blob);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->ticket, t.ticket);
  EXPECT_EQ(test::hex(back->psk.view()), test::hex(t.psk.view()));
  EXPECT_EQ(back->suite, t.suite);
  EXPECT_EQ(back->age_add, t.age_add);
  EXPECT_EQ(back->lifetime, t.lifetime);
  EXPECT_EQ(back->max_early_data, t.max_early_data);
  EXPECT_EQ(back->received, t.received);
  EXPECT_EQ(back->alpn, t.alpn);
  // Every truncation and a wrong format octet are refused.
  for (std::size_t n = 0; n < blob.size(); ++n)
    EXPECT_FALSE(session_ticket::parse(bytes(blob).first(n))) << n;
  // Format 2 is current; 1 (before the chain was kept) and anything else are refused.
  for (std::uint8_t other : {1, 3}) {
    auto bad = blob;
    bad[0] = std::byte{other};
    EXPECT_FALSE(session_ticket::parse(bad)) << int{other};
  }
}

TEST(TicketStore, TakesNewestUnexpiredOnceAndBoundsItsSize) {
  auto store = make_memory_ticket_store(2, 2);
  const auto now = std::chrono::system_clock::now();
  auto make = [&](std::uint8_t id, std::chrono::system_clock::time_point received, std::uint32_t lifetime) {
    session_ticket t;
    t.ticket = {std::byte{id}};
    t.psk = secret(32);
    t.received = received;
    t.lifetime = lifetime;
    return t;
  };
  store->insert("a", make(1, now, 60));
  store->insert("a", make(2, now, 60));
  store->insert("a", make(3, now - std::chrono::seconds(120), 60));  // already expired; drops #1
  auto t = store->take("a", now);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->ticket[0], std::byte{2});  // the newest unexpired
  EXPECT_FALSE(store->take("a", now));    // #3 expired, #1 dropped by the cap
  store->insert("b", make(4, now, 60));
  store->insert("c", make(5, now, 60));
  store->insert("d", make(6, now, 60));  // max_servers = 2: "b" (least recent) goes
  EXPECT_FALSE(store->take("b", now));
  EXPECT_TRUE(store->take("d", now));
}

TEST(TicketKeyRing, SealsOpensAndRefusesTampering) {
  auto ring = ticket_key_ring::create();
  const auto now = std::chrono::system_clock::now();
  const std::vector<std::byte> plain(40, std::byte{9});
  auto sealed = ring->seal(plain, now);
  ASSERT_TRUE(sealed);
  auto again = ring->seal(plain, now);
  ASSERT_TRUE(again);
  EXPECT_NE(*sealed, *again);  // fresh salt per ticket
  auto opened = ring->open(*sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, plain);
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    auto t = *sealed;
    t[i] ^= std::byte{0x80};
    EXPECT_FALSE(ring->open(t)) << i;
  }
  EXPECT_FALSE(ring->open(bytes(*sealed).first(sealed->size() - 1)));
  EXPECT_FALSE(ticket_key_ring::create()->open(*sealed));  // another ring's keys
}

TEST(TicketKeyRing, RotatesByItselfWhenTheKeyIsOld) {
  auto ring = ticket_key_ring::create({std::chrono::seconds(60), 1});
  const auto t0 = std::chrono::system_clock::now();
  const std::vector<std::byte> plain(8, std::byte{1});
  auto first = ring->seal(plain, t0);
  ASSERT_TRUE(first);
  auto second = ring->seal(plain, t0 + std::chrono::seconds(61));  // rotates: first's key is "previous"
  auto third = ring->seal(plain, t0 + std::chrono::seconds(122));  // rotates again: first's key is gone
  ASSERT_TRUE(second && third);
  EXPECT_FALSE(ring->open(*first));
  EXPECT_TRUE(ring->open(*second));
  EXPECT_TRUE(ring->open(*third));
}

}  // namespace
}  // namespace tls13
