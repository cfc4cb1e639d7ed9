// Full handshakes between our client and our server through the public sans-I/O API: every
// suite and group, HRR, ALPN, client authentication, KeyUpdate, exporters, close_notify, and the
// failures (unknown CA, wrong name, no common parameters, tampering) with the alerts they cause.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>

#include "pair.hpp"

namespace tls13 {
namespace {

using test::make_pair;

std::shared_ptr<client_config> client_cfg() {
  auto c = std::make_shared<client_config>();
  c->verifier = test::test_verifier();
  return c;
}

std::shared_ptr<server_config> server_cfg() {
  auto s = std::make_shared<server_config>();
  s->certificates.push_back(test::load_key("server-ecdsa-chain.pem", "server-ecdsa-key.pem"));
  return s;
}

std::string send(test::endpoint& from, test::endpoint& to, test::pair& p, const std::string& text) {
  auto n = from.conn->write(as_bytes(text.data(), text.size()), from.out);
  EXPECT_TRUE(n) << n.error().message();
  to.received.clear();
  EXPECT_TRUE(p.run());
  return to.received;
}

TEST(Handshake, DefaultsAgreeAndCarryData) {
  auto p = make_pair(client_cfg(), server_cfg());
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  const auto& ci = p.client.conn->info();
  const auto& si = p.server.conn->info();
  EXPECT_EQ(ci.version, 0x0304);
  EXPECT_EQ(ci.suite, cipher_suite::aes_128_gcm_sha256);
  // Default: the client sends X25519MLKEM768 and X25519 shares; the server prefers the hybrid.
  EXPECT_EQ(ci.group, named_group::x25519_mlkem768);
  EXPECT_EQ(si.group, named_group::x25519_mlkem768);
  EXPECT_EQ(si.server_name, "localhost");
  EXPECT_TRUE(ci.peer_authenticated);
  EXPECT_FALSE(ci.hello_retry);
  EXPECT_EQ(send(p.client, p.server, p, "ping"), "ping");
  EXPECT_EQ(send(p.server, p.client, p, "pong"), "pong");
  // Both sides derive the same exporter value (RFC 8446 §7.5).
  std::array<std::byte, 32> a{}, b{};
  ASSERT_TRUE(p.client.conn->export_keying_material(a, "EXPERIMENTAL test", {}));
  ASSERT_TRUE(p.server.conn->export_keying_material(b, "EXPERIMENTAL test", {}));
  EXPECT_EQ(a, b);
}

struct suite_group {
  cipher_suite suite;
  named_group group;
};

class EverySuiteAndGroup : public ::testing::TestWithParam<suite_group> {};

TEST_P(EverySuiteAndGroup, Negotiates) {
  auto c = client_cfg();
  c->cipher_suites = {GetParam().suite};
  c->groups = {GetParam().group};
  auto p = make_pair(c, server_cfg());
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_EQ(p.server.conn->info().suite, GetParam().suite);
  EXPECT_EQ(p.server.conn->info().group, GetParam().group);
  std::string big(100000, 'x');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  EXPECT_EQ(send(p.client, p.server, p, big), big);
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, EverySuiteAndGroup,
    ::testing::Values(suite_group{cipher_suite::aes_128_gcm_sha256, named_group::x25519},
                      suite_group{cipher_suite::aes_256_gcm_sha384, named_group::secp256r1},
                      suite_group{cipher_suite::chacha20_poly1305_sha256, named_group::secp384r1},
                      suite_group{cipher_suite::aes_256_gcm_sha384, named_group::x25519},
                      suite_group{cipher_suite::chacha20_poly1305_sha256, named_group::secp256r1},
                      suite_group{cipher_suite::aes_128_gcm_sha256, named_group::secp384r1},
                      suite_group{cipher_suite::aes_128_gcm_sha256, named_group::x25519_mlkem768},
                      suite_group{cipher_suite::aes_256_gcm_sha384, named_group::secp256r1_mlkem768},
                      suite_group{cipher_suite::chacha20_poly1305_sha256, named_group::secp384r1_mlkem1024}));

// A server without ML-KEM answers the default ClientHello from its X25519 share: no HRR.
// The compatibility CCS (RFC 8446 D.4) waits for company: with the server's whole flight at hand the
// client's CCS and Finished leave in one flush (one transport write); with the ServerHello alone the
// CCS stays queued, ahead of anything encrypted, and the driver sends it when it goes to read.
// The ClientHello to the server, and everything the server writes in answer (taken from its sink).
std::vector<std::byte> server_first_flight(test::pair& p) {
  EXPECT_TRUE(p.client.pump());
  p.transfer();
  EXPECT_TRUE(p.server.pump());
  std::vector<std::byte> flight(p.server.out.data().begin(), p.server.out.data().end());
  p.server.out.clear();
  return flight;
}

// D.4: the client's compatibility CCS is written with its next record (the second flight, or an
// alert), never alone: not when the whole server flight came at once, nor when the ServerHello came
// ahead of the rest (server_config::flush_server_hello_early), which would cost a write of 6 octets.
TEST(Handshake, CompatibilityCcsGoesOutWithTheSecondFlight) {
  constexpr std::byte ccs_record[] = {std::byte{20}, std::byte{3}, std::byte{3},
                                      std::byte{0},  std::byte{1}, std::byte{1}};
  auto starts_with_ccs = [&](bytes out) {
    return out.size() >= sizeof ccs_record &&
           std::equal(ccs_record, ccs_record + sizeof ccs_record, out.begin());
  };
  for (const bool whole_flight : {true, false}) {
    auto p = make_pair(client_cfg(), server_cfg());
    std::vector<std::byte> flight = server_first_flight(p);
    ASSERT_GT(flight.size(), 5u);
    const std::size_t sh_size =
        5 + (std::to_integer<std::size_t>(flight[3]) << 8 | std::to_integer<std::size_t>(flight[4]));
    std::size_t given = whole_flight ? flight.size() : sh_size;
    input_window in{mut_bytes(flight.data(), given)};
    auto ev = p.client.conn->poll(in, p.client.out);
    ASSERT_TRUE(ev) << ev.error().message();
    if (!whole_flight) {
      EXPECT_TRUE(std::holds_alternative<events::need_input>(*ev));
      EXPECT_EQ(p.client.out.size(), 0u);  // the CCS waits for the record it precedes
      input_window rest{mut_bytes(flight.data() + sh_size, flight.size() - sh_size)};
      ev = p.client.conn->poll(rest, p.client.out);
      ASSERT_TRUE(ev) << ev.error().message();
    }
    EXPECT_TRUE(std::holds_alternative<events::handshake_done>(*ev));  // no flush for the CCS alone
    const auto out = p.client.out.data();
    ASSERT_TRUE(starts_with_ccs(out));
    ASSERT_GT(out.size(), sizeof ccs_record + 5);
    EXPECT_EQ(out[sizeof ccs_record], std::byte{23});  // the Finished, encrypted, right behind it
  }
}

// An alert about the server's flight is the client's first protected record: the CCS precedes it.
TEST(Handshake, CompatibilityCcsPrecedesAnAlertAboutTheFlight) {
  auto p = make_pair(client_cfg(), server_cfg());
  std::vector<std::byte> flight = server_first_flight(p);
  ASSERT_FALSE(flight.empty());
  flight.back() ^= std::byte{1};  // the last record (under the handshake key) no longer opens
  input_window in{mut_bytes(flight.data(), flight.size())};
  auto ev = p.client.conn->poll(in, p.client.out);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error(), make_error_code(protocol_errc::bad_record_mac));
  const auto out = p.client.out.data();
  ASSERT_GE(out.size(), 6u + 5u);
  EXPECT_EQ(out[0], std::byte{20});  // CCS
  EXPECT_EQ(out[6], std::byte{23});  // then the alert, encrypted
}

TEST(Handshake, ClassicalServerTakesTheSecondDefaultShare) {
  auto s = server_cfg();
  s->groups = {named_group::x25519, named_group::secp256r1};
  auto p = make_pair(client_cfg(), s);
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_FALSE(p.client.conn->info().hello_retry);
  EXPECT_EQ(p.client.conn->info().group, named_group::x25519);
}

// HRR into a hybrid group: the client's only share is X25519, the server accepts only the hybrid.
TEST(Handshake, HelloRetryRequestIntoAHybridGroup) {
  auto c = client_cfg();
  c->groups = {named_group::x25519, named_group::x25519_mlkem768};
  auto s = server_cfg();
  s->groups = {named_group::x25519_mlkem768};
  auto p = make_pair(c, s);
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.client.conn->info().hello_retry);
  EXPECT_EQ(p.client.conn->info().group, named_group::x25519_mlkem768);
  EXPECT_EQ(send(p.client, p.server, p, "after hrr"), "after hrr");
}

// HRR out of a hybrid group: the client's only share is SecP384r1MLKEM1024, the server has P-256 only.
TEST(Handshake, HelloRetryRequestOutOfAHybridGroup) {
  auto c = client_cfg();
  c->groups = {named_group::secp384r1_mlkem1024, named_group::secp256r1};
  c->key_shares = 1;
  auto s = server_cfg();
  s->groups = {named_group::secp256r1};
  auto p = make_pair(c, s);
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.server.conn->info().hello_retry);
  EXPECT_EQ(p.server.conn->info().group, named_group::secp256r1);
  EXPECT_EQ(send(p.server, p.client, p, "after hrr"), "after hrr");
}

TEST(Handshake, HelloRetryRequestWhenNoShareMatches) {
  auto c = client_cfg();
  c->groups = {named_group::x25519, named_group::secp384r1};  // one share: X25519
  auto s = server_cfg();
  s->groups = {named_group::secp384r1};
  auto p = make_pair(c, s);
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.client.conn->info().hello_retry);
  EXPECT_TRUE(p.server.conn->info().hello_retry);
  EXPECT_EQ(p.client.conn->info().group, named_group::secp384r1);
  EXPECT_EQ(send(p.client, p.server, p, "after hrr"), "after hrr");
}

TEST(Handshake, EveryServerKeyType) {
  for (auto [chain, key] : {std::pair{"server-rsa.pem", "server-rsa-key.pem"},
                            std::pair{"server-ed25519.pem", "server-ed25519-key.pem"},
                            std::pair{"server-p384.pem", "server-p384-key.pem"}}) {
    auto s = std::make_shared<server_config>();
    s->certificates.push_back(test::load_key(chain, key));
    auto p = make_pair(client_cfg(), s);
    ASSERT_TRUE(p.handshake()) << chain << ": " << p.client.error.message() << " / "
                               << p.server.error.message();
    EXPECT_TRUE(p.client.conn->info().peer_signature_scheme.has_value());
  }
}

TEST(Handshake, AlpnAgreesOrFailsWithNoApplicationProtocol) {
  auto c = client_cfg();
  c->alpn = {"h2", "http/1.1"};
  auto s = server_cfg();
  s->alpn = {"http/1.1"};
  auto p = make_pair(c, s);
  ASSERT_TRUE(p.handshake());
  EXPECT_EQ(p.client.conn->info().alpn, "http/1.1");
  EXPECT_EQ(p.server.conn->info().alpn, "http/1.1");
  s->alpn = {"imap"};
  auto q = make_pair(c, s);
  EXPECT_FALSE(q.handshake());
  EXPECT_EQ(q.server.error, make_error_code(policy_errc::no_application_protocol));
  EXPECT_EQ(q.client.error, alert_received(alert_description::no_application_protocol));
}

TEST(Handshake, ClientAuthentication) {
  auto c = client_cfg();
  c->client_certificate = test::load_key("client.pem", "client-key.pem");
  auto s = server_cfg();
  s->client_authentication = client_auth::required;
  s->verifier = test::test_verifier();
  auto p = make_pair(c, s);
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.server.conn->info().peer_authenticated);
  EXPECT_EQ(p.server.conn->info().peer_chain.size(), 1u);
  // Without a client certificate: required -> certificate_required; optional -> fine.
  auto no_cert = client_cfg();
  auto q = make_pair(no_cert, s);
  EXPECT_FALSE(q.handshake());
  EXPECT_EQ(q.server.error, make_error_code(certificate_errc::certificate_required));
  EXPECT_EQ(q.client.error, alert_received(alert_description::certificate_required));
  s->client_authentication = client_auth::optional;
  auto r = make_pair(no_cert, s);
  ASSERT_TRUE(r.handshake());
  EXPECT_FALSE(r.server.conn->info().peer_authenticated);
}

TEST(Handshake, CertificateFailuresSendTheRightAlert) {
  auto c = client_cfg();
  c->verifier = test::test_verifier("other-ca.pem");
  auto p = make_pair(c, server_cfg());
  EXPECT_FALSE(p.handshake());
  EXPECT_EQ(p.client.error, make_error_code(certificate_errc::unknown_issuer));
  EXPECT_EQ(p.server.error, alert_received(alert_description::unknown_ca));

  auto q = make_pair(client_cfg(), server_cfg(), "wrong.example.com");
  EXPECT_FALSE(q.handshake());
  EXPECT_EQ(q.client.error, make_error_code(certificate_errc::name_mismatch));
  EXPECT_EQ(q.server.error, alert_received(alert_description::bad_certificate));
}

TEST(Handshake, NoCommonParameters) {
  auto c = client_cfg();
  c->cipher_suites = {cipher_suite::chacha20_poly1305_sha256};
  auto s = server_cfg();
  s->cipher_suites = {cipher_suite::aes_128_gcm_sha256};
  auto p = make_pair(c, s);
  EXPECT_FALSE(p.handshake());
  EXPECT_EQ(p.server.error, make_error_code(policy_errc::no_common_cipher_suite));
  EXPECT_EQ(p.client.error, alert_received(alert_description::handshake_failure));
  auto c2 = client_cfg();
  c2->groups = {named_group::x25519};
  auto s2 = server_cfg();
  s2->groups = {named_group::secp256r1};
  auto q = make_pair(c2, s2);
  EXPECT_FALSE(q.handshake());
  EXPECT_EQ(q.server.error, make_error_code(policy_errc::no_common_group));
}

TEST(Handshake, KeyUpdateBothWays) {
  auto p = make_pair(client_cfg(), server_cfg());
  ASSERT_TRUE(p.handshake());
  ASSERT_TRUE(p.client.conn->key_update(p.client.out, true));
  EXPECT_EQ(send(p.client, p.server, p, "after update"), "after update");
  // The server answered the request with its own KeyUpdate: its next data uses new keys.
  EXPECT_EQ(send(p.server, p.client, p, "reply"), "reply");
  ASSERT_TRUE(p.server.conn->key_update(p.server.out, false));
  EXPECT_EQ(send(p.server, p.client, p, "again"), "again");
  EXPECT_EQ(send(p.client, p.server, p, "and back"), "and back");
}

// input_window::app_destination (a read's buffer): application data is opened straight into it
// and taken in full; a post-handshake message opened there (a KeyUpdate) is wiped once taken in;
// a record whose plaintext does not fit is opened in place as before.
TEST(Handshake, ApplicationDataOpensIntoTheReadersBuffer) {
  auto p = make_pair(client_cfg(), server_cfg());
  ASSERT_TRUE(p.handshake());
  auto& dest = p.client.app_destination;
  dest.assign(64, std::byte{0xaa});
  EXPECT_EQ(send(p.server, p.client, p, "straight in"), "straight in");
  EXPECT_EQ(p.client.opened_in_destination, 1);
  EXPECT_TRUE(p.client.inbox.empty());  // the record was consumed at once
  std::fill(dest.begin(), dest.end(), std::byte{0xaa});
  ASSERT_TRUE(p.server.conn->key_update(p.server.out, false));
  ASSERT_TRUE(p.run());
  // The KeyUpdate's TLSInnerPlaintext: a 4-octet header, 1 octet, the inner type (6 octets).
  const auto wiped = std::find_if(dest.begin(), dest.end(), [](std::byte b) { return b != std::byte{0}; });
  EXPECT_EQ(wiped - dest.begin(), 6);
  EXPECT_TRUE(std::all_of(wiped, dest.end(), [](std::byte b) { return b == std::byte{0xaa}; }));
  EXPECT_EQ(send(p.server, p.client, p, "new keys"), "new keys");
  EXPECT_EQ(p.client.opened_in_destination, 2);
  dest.assign(8, std::byte{0});  // 8 octets: "too long for it" + its inner type does not fit
  EXPECT_EQ(send(p.server, p.client, p, "too long for it"), "too long for it");
  EXPECT_EQ(p.client.opened_in_destination, 2);
}

TEST(Handshake, CloseNotifyHalfClose) {
  auto p = make_pair(client_cfg(), server_cfg());
  ASSERT_TRUE(p.handshake());
  p.client.conn->close(p.client.out);
  ASSERT_TRUE(p.run());
  EXPECT_TRUE(p.server.peer_closed);
  // The server can still write after the client's close_notify (half-close).
  EXPECT_EQ(send(p.server, p.client, p, "last words"), "last words");
  EXPECT_FALSE(p.client.conn->write(as_bytes("x", 1), p.client.out));
  p.server.conn->close(p.server.out);
  ASSERT_TRUE(p.run());
  EXPECT_TRUE(p.client.closed);
}

TEST(Handshake, TamperedRecordIsBadRecordMac) {
  auto p = make_pair(client_cfg(), server_cfg());
  ASSERT_TRUE(p.handshake());
  ASSERT_TRUE(p.client.conn->write(as_bytes("secret", 6), p.client.out));
  p.transfer();
  p.server.inbox[p.server.inbox.size() - 3] ^= std::byte{0x40};
  EXPECT_FALSE(p.server.pump());
  EXPECT_EQ(p.server.error, make_error_code(protocol_errc::bad_record_mac));
  p.transfer();
  EXPECT_FALSE(p.client.pump());
  EXPECT_EQ(p.client.error, alert_received(alert_description::bad_record_mac));
}

TEST(Handshake, TruncationIsReported) {
  auto p = make_pair(client_cfg(), server_cfg());
  ASSERT_TRUE(p.handshake());
  input_window in{};
  in.transport_eof = true;
  auto ev = p.server.conn->poll(in, p.server.out);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error(), make_error_code(protocol_errc::truncated));
}

TEST(Handshake, KeyLogOnlyWhenAsked) {
  auto c = client_cfg();
  std::vector<std::string> lines;
  c->key_log = [&](std::string_view l) { lines.emplace_back(l); };
  auto p = make_pair(c, server_cfg());
  ASSERT_TRUE(p.handshake());
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].rfind("CLIENT_HANDSHAKE_TRAFFIC_SECRET ", 0), 0u);
  EXPECT_EQ(lines[0].size(), std::string("CLIENT_HANDSHAKE_TRAFFIC_SECRET ").size() + 64 + 1 + 64);
}

// A client without a verifier uses the system trust store (SSL_CERT_FILE / SSL_CERT_DIR honoured),
// loaded once and shared, and loaded again when those change.
TEST(Handshake, DefaultVerifierFollowsSslCertFile) {
  struct restore_env {
    std::optional<std::string> file, dir;
    restore_env() {
      if (const char* f = std::getenv("SSL_CERT_FILE")) file = f;
      if (const char* d = std::getenv("SSL_CERT_DIR")) dir = d;
    }
    ~restore_env() {
      file ? setenv("SSL_CERT_FILE", file->c_str(), 1) : unsetenv("SSL_CERT_FILE");
      dir ? setenv("SSL_CERT_DIR", dir->c_str(), 1) : unsetenv("SSL_CERT_DIR");
    }
  } restore;
  setenv("SSL_CERT_DIR", "/nonexistent-tls13-test-dir", 1);
  auto connect = [] {
    auto c = std::make_shared<client_config>();  // verify_peer, no verifier
    auto p = make_pair(c, server_cfg());
    const bool ok = p.handshake();
    return ok ? std::error_code{} : p.client.error;
  };
  setenv("SSL_CERT_FILE", test::pki("ca.pem").c_str(), 1);
  EXPECT_FALSE(connect());
  EXPECT_FALSE(connect());  // the same shared verifier
  setenv("SSL_CERT_FILE", test::pki("other-ca.pem").c_str(), 1);
  EXPECT_EQ(connect(), make_error_code(certificate_errc::unknown_issuer));
  setenv("SSL_CERT_FILE", test::pki("ca.pem").c_str(), 1);
  EXPECT_FALSE(connect());
}

}  // namespace
}  // namespace tls13

namespace tls13 {
namespace {

// The client's first flight with extra plaintext records appended, fed to a fresh server.
std::error_code server_error_after(std::vector<std::byte> extra) {
  auto p = test::make_pair(client_cfg(), server_cfg());
  EXPECT_TRUE(p.client.pump());
  p.transfer();
  p.server.inbox.insert(p.server.inbox.end(), extra.begin(), extra.end());
  p.server.pump();
  return p.server.error;
}

TEST(HandshakeRobustness, ChangeCipherSpecRules) {
  const std::vector<std::byte> ccs{std::byte{20}, std::byte{3}, std::byte{3},
                                   std::byte{0},  std::byte{1}, std::byte{1}};
  std::vector<std::byte> two = ccs;
  two.insert(two.end(), ccs.begin(), ccs.end());
  // §5: dropped "at any time after the first ClientHello ... and before the peer's Finished".
  EXPECT_EQ(server_error_after(ccs), std::error_code());
  EXPECT_EQ(server_error_after(two), std::error_code());
  std::vector<std::byte> bad{std::byte{20}, std::byte{3}, std::byte{3},
                             std::byte{0},  std::byte{1}, std::byte{2}};
  EXPECT_EQ(server_error_after(bad), make_error_code(protocol_errc::unexpected_message));
  // Before any ClientHello a CCS is not allowed.
  auto p = test::make_pair(client_cfg(), server_cfg());
  p.server.inbox = ccs;
  EXPECT_FALSE(p.server.pump());
  EXPECT_EQ(p.server.error, make_error_code(protocol_errc::unexpected_message));
}

TEST(HandshakeRobustness, ConfigWithARepeatedGroupIsRefused) {
  auto c = client_cfg();
  c->groups = {named_group::x25519, named_group::x25519};
  EXPECT_EQ(connection::client(c, "localhost").error(), make_error_code(internal_errc::invalid_argument));
}

TEST(HandshakeRobustness, PlaintextAlertDuringHandshakeIsReported) {
  // A client that rejects our flight may say so in plaintext: the server reports the peer's alert.
  const std::vector<std::byte> alert{std::byte{21}, std::byte{3}, std::byte{3}, std::byte{0},
                                     std::byte{2},  std::byte{2}, std::byte{48}};
  EXPECT_EQ(server_error_after(alert), alert_received(alert_description::unknown_ca));
}

}  // namespace
}  // namespace tls13
