// What session_info reports about the peer's offers (signature schemes, ALPN list, certificate
// authorities, ticket age skew), server_config::certificate_authorities on the wire,
// connection::abort, and common_config::max_send_fragment.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>

#include "pair.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/session.hpp"

namespace tls13 {
namespace {

using test::make_pair;

struct setup : test::base_configs {
  test::pair connect() {
    auto p = make_pair(client, server);
    EXPECT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
    return p;
  }
};

// The DER subject Name of a PEM certificate in tests/vectors/pki.
std::vector<std::byte> subject_der(const std::string& file) {
  std::FILE* f = std::fopen(test::pki(file).c_str(), "r");
  if (f == nullptr) throw std::runtime_error("cannot open " + file);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (cert == nullptr) throw std::runtime_error("cannot parse " + file);
  unsigned char* der = nullptr;
  const int n = i2d_X509_NAME(X509_get_subject_name(cert), &der);
  std::vector<std::byte> out(reinterpret_cast<std::byte*>(der), reinterpret_cast<std::byte*>(der) + n);
  OPENSSL_free(der);
  X509_free(cert);
  return out;
}

TEST(SessionInfo, ServerSeesTheClientsSignatureSchemesAndAlpnInItsOrder) {
  setup s;
  s.client->signature_schemes = {signature_scheme::ecdsa_secp384r1_sha384,
                                 signature_scheme::ecdsa_secp256r1_sha256, signature_scheme::ed25519};
  s.client->alpn = {"h2", "http/1.1"};
  s.server->alpn = {"http/1.1"};
  auto p = s.connect();
  const auto& si = p.server.conn->info();
  EXPECT_EQ(si.peer_signature_schemes, (std::vector<std::uint16_t>{0x0503, 0x0403, 0x0807}));
  EXPECT_EQ(si.peer_alpn_offers, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_EQ(si.alpn, "http/1.1");
  // The client was not asked for a certificate: it saw no CertificateRequest.
  EXPECT_TRUE(p.client.conn->info().peer_signature_schemes.empty());
  EXPECT_FALSE(si.ticket_age_skew.has_value());
}

TEST(SessionInfo, ClientSeesTheCertificateRequest) {
  setup s;
  s.server->client_authentication = client_auth::optional;
  s.server->verifier = test::test_verifier();
  s.server->signature_schemes = {signature_scheme::ed25519, signature_scheme::ecdsa_secp256r1_sha256};
  const auto ca = subject_der("ca.pem");
  const auto other = subject_der("server-ecdsa.pem");
  s.server->certificate_authorities = {ca, other};
  auto p = s.connect();
  const auto& ci = p.client.conn->info();
  EXPECT_EQ(ci.peer_signature_schemes, (std::vector<std::uint16_t>{0x0807, 0x0403}));
  ASSERT_EQ(ci.peer_certificate_authorities.size(), 2u);
  EXPECT_EQ(ci.peer_certificate_authorities[0], ca);
  EXPECT_EQ(ci.peer_certificate_authorities[1], other);
}

TEST(SessionInfo, NoCertificateAuthoritiesUnlessConfigured) {
  setup s;
  s.server->client_authentication = client_auth::optional;
  s.server->verifier = test::test_verifier();
  auto p = s.connect();
  EXPECT_TRUE(p.client.conn->info().peer_certificate_authorities.empty());
  EXPECT_FALSE(p.client.conn->info().peer_signature_schemes.empty());
}

// The names must fit in the CertificateRequest's extensions<2..2^16-1> next to
// signature_algorithms (§4.3.2): validate() accepts exactly what encodes, and that handshake works.
TEST(SessionInfo, ValidateRefusesUnencodableCertificateAuthorities) {
  setup s;
  s.server->client_authentication = client_auth::optional;
  s.server->verifier = test::test_verifier();
  s.server->signature_schemes = {signature_scheme::ecdsa_secp256r1_sha256, signature_scheme::ed25519};
  s.server->certificate_authorities = {{}};
  EXPECT_EQ(validate(*s.server).error(), make_error_code(internal_errc::invalid_argument));
  // 4 + 2 + 2*2 (signature_algorithms) + 4 + 2 (certificate_authorities) + 2 + name <= 0xffff.
  const std::size_t largest = 0xffff - (4 + 2 + 4) - (4 + 2) - 2;
  s.server->certificate_authorities = {std::vector<std::byte>(largest + 1, std::byte{0x30})};
  EXPECT_EQ(validate(*s.server).error(), make_error_code(internal_errc::invalid_argument));
  s.server->certificate_authorities = {std::vector<std::byte>(largest, std::byte{0x30})};
  ASSERT_TRUE(validate(*s.server));
  s.client->limit.max_handshake_message = 128 * 1024;  // the CertificateRequest is 64 KiB
  auto p = s.connect();
  ASSERT_EQ(p.client.conn->info().peer_certificate_authorities.size(), 1u);
  EXPECT_EQ(p.client.conn->info().peer_certificate_authorities[0].size(), largest);
}

// Only the bytes are bounded (§4.2.4): a server listing many CAs is fine; the first 256 are kept.
TEST(SessionInfo, ManyCertificateAuthoritiesAreNotAnError) {
  setup s;
  s.server->client_authentication = client_auth::optional;
  s.server->verifier = test::test_verifier();
  for (int i = 0; i < 300; ++i)
    s.server->certificate_authorities.push_back(
        {std::byte{0x30}, std::byte{0x03}, std::byte{0x31}, std::byte{0x01}, static_cast<std::byte>(i)});
  auto p = s.connect();
  const auto& names = p.client.conn->info().peer_certificate_authorities;
  ASSERT_EQ(names.size(), 256u);
  EXPECT_EQ(names[255], s.server->certificate_authorities[255]);
}

class shifted_clock final : public default_provider {
 public:
  explicit shifted_clock(std::chrono::milliseconds shift) : shift_(shift) {}
  std::chrono::system_clock::time_point now() const override { return default_provider::now() + shift_; }

 private:
  std::chrono::milliseconds shift_;
};

// The server's clock runs 5 s ahead when the ticket comes back: the client's age is 5 s short of
// ours, a skew of -5 s (within the time the test takes).
TEST(SessionInfo, TicketAgeSkewOnResumption) {
  setup s;
  s.client->ticket_store = make_memory_ticket_store();
  s.server->ticket_keys = ticket_key_ring::create();
  {
    auto p = s.connect();
    const std::string x = "x";
    ASSERT_TRUE(p.server.conn->write(as_bytes(x.data(), x.size()), p.server.out));
    ASSERT_TRUE(p.run());  // the tickets reach the store
  }
  auto later = std::make_shared<server_config>(*s.server);
  later->provider = std::make_shared<shifted_clock>(std::chrono::seconds(5));
  s.server = later;
  auto p = s.connect();
  ASSERT_TRUE(p.server.conn->info().resumed);
  const auto skew = p.server.conn->info().ticket_age_skew;
  ASSERT_TRUE(skew.has_value());
  EXPECT_LE(skew->count(), -4900);
  EXPECT_GE(skew->count(), -5000 - 2000);
  EXPECT_FALSE(p.client.conn->info().ticket_age_skew.has_value());  // server only
}

TEST(Abort, SendsTheAlertAndEndsTheConnection) {
  setup s;
  auto p = s.connect();
  p.server.conn->abort(alert_description::access_denied, p.server.out);
  EXPECT_GT(p.server.out.size(), 0u);
  // Every later call fails with `aborted`; no second alert is written.
  const std::size_t before = p.server.out.size();
  const std::string x = "x";
  auto w = p.server.conn->write(as_bytes(x.data(), x.size()), p.server.out);
  EXPECT_EQ(w.error(), make_error_code(internal_errc::aborted));
  p.server.conn->close(p.server.out);
  EXPECT_EQ(p.server.out.size(), before);
  p.transfer();
  EXPECT_FALSE(p.client.pump());
  EXPECT_EQ(p.client.error, alert_received(alert_description::access_denied));
}

// §6.1: nothing after our close_notify, not even the abort's alert.
TEST(Abort, AfterCloseSendsNothingMore) {
  setup s;
  auto p = s.connect();
  p.server.conn->close(p.server.out);
  const std::size_t before = p.server.out.size();
  p.server.conn->abort(alert_description::access_denied, p.server.out);
  EXPECT_EQ(p.server.out.size(), before);
  const std::string x = "x";
  EXPECT_EQ(p.server.conn->write(as_bytes(x.data(), x.size()), p.server.out).error(),
            make_error_code(internal_errc::aborted));
}

TEST(Abort, DuringTheHandshake) {
  setup s;
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.client.pump());  // ClientHello out
  p.transfer();
  p.server.conn->abort(alert_description::handshake_failure, p.server.out);
  p.transfer();
  EXPECT_FALSE(p.client.pump());
  EXPECT_EQ(p.client.error, alert_received(alert_description::handshake_failure));
}

// The plaintext length of every record in `wire` (records protected or not: length minus the
// AEAD tag and inner type byte when protected, which is what max_send_fragment bounds).
std::vector<std::size_t> record_plaintext_sizes(bytes wire) {
  std::vector<std::size_t> sizes;
  for (std::size_t off = 0; off + 5 <= wire.size();) {
    const auto type = static_cast<std::uint8_t>(wire[off]);
    const std::size_t len =
        static_cast<std::size_t>(wire[off + 3]) << 8 | static_cast<std::size_t>(wire[off + 4]);
    sizes.push_back(type == 23 ? len - 16 - 1 : len);  // application_data: tag and inner type (no padding)
    off += 5 + len;
  }
  return sizes;
}

TEST(MaxSendFragment, BoundsEveryRecordWeSendHandshakeIncluded) {
  setup s;
  s.server->max_send_fragment = 512;
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.client.pump());
  p.transfer();
  ASSERT_TRUE(p.server.pump());  // the server's flight: ServerHello .. Finished, > 512 bytes in all
  const auto flight = record_plaintext_sizes(p.server.out.data());
  std::size_t total = 0;
  for (auto n : flight) {
    EXPECT_LE(n, 512u);
    total += n;
  }
  EXPECT_GT(total, 512u);
  // Full records: all but the last of each kind are exactly 512 (the encrypted flight is packed).
  EXPECT_GE(std::count(flight.begin(), flight.end(), 512u), 1);
  ASSERT_TRUE(p.run());
  ASSERT_TRUE(p.handshake());
  // Application data too.
  const std::string big(2000, 'x');
  ASSERT_TRUE(p.server.conn->write(as_bytes(big.data(), big.size()), p.server.out));
  const auto app = record_plaintext_sizes(p.server.out.data());
  EXPECT_EQ(app, (std::vector<std::size_t>{512, 512, 512, 464}));
  ASSERT_TRUE(p.run());
  EXPECT_EQ(p.client.received, big);
}

TEST(MaxSendFragment, IsClampedTo512AndTheDefaultIsTwoToTheFourteen) {
  setup s;
  s.client->max_send_fragment = 100;  // below OpenSSL's and BoringSSL's minimum: 512
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.handshake());
  const std::string big(20000, 'y');
  ASSERT_TRUE(p.client.conn->write(as_bytes(big.data(), big.size()), p.client.out));
  const auto sizes = record_plaintext_sizes(p.client.out.data());
  ASSERT_FALSE(sizes.empty());
  EXPECT_EQ(sizes.front(), 512u);
  ASSERT_TRUE(p.server.conn->write(as_bytes(big.data(), big.size()), p.server.out));
  EXPECT_EQ(record_plaintext_sizes(p.server.out.data()), (std::vector<std::size_t>{16384, 20000 - 16384}));
}

TEST(Errors, NewValuesMapToTheRfcAlerts) {
  EXPECT_EQ(to_alert(make_error_code(protocol_errc::empty_certificate)), alert_description::decode_error);
  EXPECT_EQ(to_alert(make_error_code(protocol_errc::too_many_records)),
            alert_description::unexpected_message);
  EXPECT_EQ(to_alert(make_error_code(protocol_errc::message_spans_key_change)),
            alert_description::unexpected_message);
}

}  // namespace
}  // namespace tls13
