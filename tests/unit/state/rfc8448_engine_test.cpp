// RFC 8448 §3 "Simple 1-RTT Handshake" reproduced by the engine itself: our client and our server,
// given the trace's randomness and ephemeral keys, must put the trace's records on the wire byte for
// byte and accept the other side's records from the trace.
//
// What the test injects, and why:
// - randomness and X25519 private keys, through a crypto_provider (the trace's values);
// - the server's CertificateVerify signature, through a signing_key: RSA-PSS is randomized, so no
//   signer can reproduce it. The injected signer first checks that the trace's signature verifies
//   over the content our server asked it to sign, so the CertificateVerify input is still ours;
// - through the test-only extension hook, only what we do not implement: the trace's client (NSS)
//   also sends renegotiation_info and session_ticket, and lists FFDHE groups,
//   secp521r1 and SHA-1/SHA-224/DSA schemes; its server lists the same groups in EncryptedExtensions.
//   Every other extension, and the order of all of them, is the engine's own, checked below.
// - the ticket inside the server's NewSessionTicket, through a ticket_key_ring: it is the trace
//   server's own sealed blob. Lifetime, age_add (from the provider), nonce and the early_data
//   extension are the engine's, and so is every record after it.
#include <gtest/gtest.h>

#include <deque>

#include "pair.hpp"
#include "rfc8448.hpp"
#include "tls13/config.hpp"
#include "tls13/connection.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/keys.hpp"
#include "tls13/session.hpp"
#include "x509/leaf.hpp"

namespace tls13::test {
namespace {

byte_vec trace(const std::string& actor, const std::string& step, const std::string& name,
               std::size_t i = 0) {
  return rfc8448_value(3, actor, step, name, i);
}

bytes view(const byte_vec& v) { return {v.data(), v.size()}; }
byte_vec slice(const byte_vec& v, std::size_t at, std::size_t n) {
  return byte_vec(v.begin() + static_cast<std::ptrdiff_t>(at),
                  v.begin() + static_cast<std::ptrdiff_t>(at + n));
}

// The trace's extensions of a hello-like message body, in order: each (type, body).
std::vector<raw_extension> parse_extensions(const byte_vec& block) {
  std::vector<raw_extension> out;
  for (std::size_t at = 0; at + 4 <= block.size();) {
    const auto u16 = [&](std::size_t i) {
      return static_cast<std::uint16_t>(std::to_integer<unsigned>(block[i]) << 8 |
                                        std::to_integer<unsigned>(block[i + 1]));
    };
    const std::size_t len = u16(at + 2);
    out.push_back({u16(at), slice(block, at + 4, len)});
    at += 4 + len;
  }
  return out;
}

// ClientHello: type(1) len(3) version(2) random(32) sid(1+0) suites(2+6) compression(2) ext_len(2).
constexpr std::size_t ch_random_at = 6, ch_extensions_at = 4 + 2 + 32 + 1 + 2 + 6 + 2 + 2;
// ServerHello: ... random(32) sid(1+0) suite(2) compression(1).
constexpr std::size_t sh_random_at = 6;
// EncryptedExtensions: type(1) len(3) ext_len(2).
constexpr std::size_t ee_extensions_at = 6;

// Hands out the trace's randomness and ephemeral key, each exactly once, in order.
class trace_provider final : public default_provider {
 public:
  trace_provider(std::deque<byte_vec> randoms, byte_vec x25519_private)
      : randoms_(std::move(randoms)), private_(std::move(x25519_private)) {}
  result<void> random(mut_bytes out) override {
    if (randoms_.empty() || randoms_.front().size() != out.size()) return internal_errc::random_failure;
    std::copy(randoms_.front().begin(), randoms_.front().end(), out.begin());
    randoms_.pop_front();
    return {};
  }
  result<std::unique_ptr<key_exchange>> start_key_exchange(named_group g) override {
    if (g != named_group::x25519 || used_) return internal_errc::invalid_argument;
    used_ = true;
    return key_exchange_from_private(g, view(private_));
  }

 private:
  std::deque<byte_vec> randoms_;
  byte_vec private_;
  bool used_ = false;
};

// Returns the trace's RSA-PSS signature, but only for the content it signs.
class trace_signer final : public signing_key {
 public:
  trace_signer(byte_vec certificate, byte_vec signature)
      : cert_(std::move(certificate)), sig_(std::move(signature)) {}
  std::vector<signature_scheme> schemes() const override { return {signature_scheme::rsa_pss_rsae_sha256}; }
  result<std::vector<std::byte>> sign(signature_scheme s, bytes message) const override {
    if (s != signature_scheme::rsa_pss_rsae_sha256) return internal_errc::invalid_argument;
    TLS13_TRY_ASSIGN(const public_key key, x509::certificate_public_key(view(cert_), key_policy{1024, 8192}));
    if (!key.verify(s, message, view(sig_))) return internal_errc::key_mismatch;
    ++calls;
    return std::vector<std::byte>(sig_.begin(), sig_.end());
  }
  mutable int calls = 0;

 private:
  byte_vec cert_, sig_;
};

// Seals every ticket into the trace's ticket (the trace server's own opaque blob); opens none.
class trace_ring final : public ticket_key_ring {
 public:
  explicit trace_ring(byte_vec ticket) : ticket_(std::move(ticket)) {}
  result<std::vector<std::byte>> seal(bytes, std::chrono::system_clock::time_point) const override {
    return std::vector<std::byte>(ticket_.begin(), ticket_.end());
  }
  std::optional<std::vector<std::byte>> open(bytes) const override { return std::nullopt; }
  void rotate(std::chrono::system_clock::time_point) const override {}
  std::vector<std::byte> export_keys() const override { return {}; }
  result<void> import_keys(bytes, std::chrono::system_clock::time_point) const override {
    return internal_errc::invalid_argument;
  }

 private:
  byte_vec ticket_;
};

struct trace_values {
  byte_vec ch = trace("client", "construct a ClientHello", "ClientHello");
  byte_vec sh = trace("server", "construct a ServerHello", "ServerHello");
  byte_vec ee = trace("server", "construct an EncryptedExtensions", "EncryptedExtensions");
  byte_vec cert_msg = trace("server", "construct a Certificate", "Certificate");
  byte_vec cv = trace("server", "construct a CertificateVerify", "CertificateVerify");
  byte_vec nst = trace("server", "construct a NewSessionTicket", "NewSessionTicket");
  byte_vec client_hello_record = trace("client", "send handshake record", "complete record", 0);
  byte_vec client_finished_record = trace("client", "send handshake record", "complete record", 1);
  byte_vec server_hello_record = trace("server", "send handshake record", "complete record", 0);
  byte_vec server_flight_record = trace("server", "send handshake record", "complete record", 1);
  byte_vec ticket_record = trace("server", "send handshake record", "complete record", 2);
  byte_vec payload = trace("client", "send application_data record", "payload");
  byte_vec client_data_record = trace("client", "send application_data record", "complete record");
  byte_vec server_data_record = trace("server", "send application_data record", "complete record");
  byte_vec client_alert_record = trace("client", "send alert record", "complete record");
  byte_vec server_alert_record = trace("server", "send alert record", "complete record");

  // Certificate: type(1) len(3) context(1+0) list_len(3) cert_len(3) DER.
  byte_vec certificate() const {
    const std::size_t n = std::to_integer<std::size_t>(cert_msg[8]) << 16 |
                          std::to_integer<std::size_t>(cert_msg[9]) << 8 |
                          std::to_integer<std::size_t>(cert_msg[10]);
    return slice(cert_msg, 11, n);
  }
  // CertificateVerify: type(1) len(3) scheme(2) sig_len(2) signature.
  byte_vec signature() const { return slice(cv, 8, cv.size() - 8); }
  std::vector<raw_extension> client_extensions() const {
    return parse_extensions(slice(ch, ch_extensions_at, ch.size() - ch_extensions_at));
  }
  std::vector<raw_extension> server_ee_extensions() const {
    return parse_extensions(slice(ee, ee_extensions_at, ee.size() - ee_extensions_at));
  }
};

const raw_extension* find(const std::vector<raw_extension>& list, std::uint16_t type) {
  for (const auto& e : list)
    if (e.type == type) return &e;
  return nullptr;
}

constexpr std::uint16_t ext_server_name = 0x0000, ext_supported_groups = 0x000a,
                        ext_signature_algorithms = 0x000d, ext_record_size_limit = 0x001c,
                        ext_key_share = 0x0033, ext_supported_versions = 0x002b,
                        ext_renegotiation_info = 0xff01, ext_session_ticket = 0x0023, ext_psk_modes = 0x002d;

byte_vec bytes_of(bytes b) { return byte_vec(b.begin(), b.end()); }

std::string text(const byte_vec& v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size()); }

void feed(endpoint& e, const byte_vec& record) {
  e.inbox.insert(e.inbox.end(), record.begin(), record.end());
}

byte_vec take_output(endpoint& e) {
  auto out = bytes_of(e.out.data());
  e.out.clear();
  return out;
}

TEST(Rfc8448Engine, ClientReproducesSection3) {
  const trace_values t;
  auto cfg = std::make_shared<client_config>();
  cfg->provider =
      std::make_shared<trace_provider>(std::deque<byte_vec>{slice(t.ch, ch_random_at, 32)},
                                       trace("client", "create an ephemeral x25519", "private key"));
  cfg->cipher_suites = {cipher_suite::aes_128_gcm_sha256, cipher_suite::chacha20_poly1305_sha256,
                        cipher_suite::aes_256_gcm_sha384};
  cfg->groups = {named_group::x25519};
  cfg->middlebox_compat = false;
  cfg->record_size_limit = 0x4001;
  cfg->verify_peer = false;                  // the trace's self-signed certificate expired in July 2026
  cfg->request_ocsp = false;                 // the trace's ClientHello has no status_request
  cfg->peer_key_policy.min_rsa_bits = 1024;  // the trace's server key is RSA-1024
  auto store = make_memory_ticket_store();
  cfg->ticket_store = store;  // so we send psk_key_exchange_modes and keep the trace's ticket
  std::vector<std::uint16_t> ours_in_order;
  cfg->extension_hook_for_testing = [&](handshake_type m, std::vector<raw_extension>& ext) {
    ASSERT_EQ(m, handshake_type::client_hello);
    for (const auto& e : ext) ours_in_order.push_back(e.type);
    const auto want = t.client_extensions();
    std::vector<raw_extension> out;
    for (const auto& w : want) {
      if (w.type == ext_renegotiation_info || w.type == ext_session_ticket) {
        out.push_back(w);  // not ours: the trace's client sends them
      } else if (w.type == ext_supported_groups || w.type == ext_signature_algorithms) {
        out.push_back(w);  // ours, but the trace lists code points we do not implement
      } else {
        const auto* mine = find(ext, w.type);
        ASSERT_NE(mine, nullptr) << "we do not send extension " << w.type;
        out.push_back(*mine);
      }
    }
    ext = std::move(out);
  };
  endpoint client;
  auto c = connection::client(cfg, "server");
  ASSERT_TRUE(c) << c.error().message();
  client.conn = std::make_unique<connection>(std::move(*c));

  ASSERT_TRUE(client.pump()) << client.error.message();
  EXPECT_EQ(hex(take_output(client)), hex(t.client_hello_record));
  // Our own extensions, in our own order, are the trace's with the injected ones left out.
  EXPECT_EQ(ours_in_order, (std::vector<std::uint16_t>{ext_server_name, ext_supported_groups, ext_key_share,
                                                       ext_supported_versions, ext_signature_algorithms,
                                                       ext_psk_modes, ext_record_size_limit}));

  feed(client, t.server_hello_record);
  feed(client, t.server_flight_record);
  ASSERT_TRUE(client.pump()) << client.error.message();
  EXPECT_TRUE(client.done);
  EXPECT_EQ(hex(take_output(client)), hex(t.client_finished_record));
  EXPECT_EQ(client.conn->info().suite, cipher_suite::aes_128_gcm_sha256);
  EXPECT_EQ(client.conn->info().peer_signature_scheme, signature_scheme::rsa_pss_rsae_sha256);

  // The ticket is read (no store configured: validated, not kept); the data record decrypts.
  feed(client, t.ticket_record);
  feed(client, t.server_data_record);
  ASSERT_TRUE(client.pump()) << client.error.message();
  EXPECT_EQ(client.received, text(t.payload));
  // The ticket went to the store with the PSK the trace derives from it.
  auto kept = store->take("server", std::chrono::system_clock::now());
  ASSERT_TRUE(kept);
  EXPECT_EQ(hex(kept->psk.view()), hex(trace("server", "generate resumption secret", "expanded")));
  EXPECT_EQ(kept->lifetime, 30u);
  EXPECT_EQ(kept->max_early_data, 1024u);

  ASSERT_TRUE(client.conn->write(view(t.payload), client.out));
  EXPECT_EQ(hex(take_output(client)), hex(t.client_data_record));
  client.conn->close(client.out);
  EXPECT_EQ(hex(take_output(client)), hex(t.client_alert_record));
  feed(client, t.server_alert_record);
  ASSERT_TRUE(client.pump()) << client.error.message();
  EXPECT_TRUE(client.closed);
}

// The server of RFC 8448 §3. The trace's server sends its ticket after the client's Finished;
// with tickets_before_client_finished (RFC 8446 §4.6.1, Note) the same ticket record, byte for byte,
// follows our flight instead: the server predicted the client's Finished and so the resumption secret.
void reproduce_section3_server(bool tickets_early) {
  const trace_values t;
  auto signer = std::make_shared<trace_signer>(t.certificate(), t.signature());
  auto key = std::make_shared<certified_key>();
  key->chain = {t.certificate()};
  key->key = signer;
  auto cfg = std::make_shared<server_config>();
  cfg->certificates = {key};
  // Randomness: the ServerHello random, then the ticket's age_add.
  cfg->provider = std::make_shared<trace_provider>(
      std::deque<byte_vec>{slice(t.sh, sh_random_at, 32), slice(t.nst, 8, 4)},
      trace("server", "create an ephemeral x25519", "private key"));
  cfg->record_size_limit = 0x4001;
  // One ticket, 30 s, early data up to 1024 octets, its age_add from the provider, its sealed blob
  // from the ring (the trace's server is NSS: its ticket format is its own).
  cfg->tickets_after_full_handshake = 1;
  cfg->tickets_before_client_finished = tickets_early;
  cfg->ticket_lifetime = std::chrono::seconds(30);
  cfg->max_early_data = 1024;
  // NewSessionTicket: type(1) len(3) lifetime(4) age_add(4) nonce(1+2) ticket(2+178) extensions(2+8).
  cfg->ticket_keys = std::make_shared<trace_ring>(slice(t.nst, 17, t.nst.size() - 17 - 10));
  std::vector<std::uint16_t> ee_ours;
  cfg->extension_hook_for_testing = [&](handshake_type m, std::vector<raw_extension>& ext) {
    if (m != handshake_type::encrypted_extensions) return;  // ServerHello: entirely ours
    for (const auto& e : ext) ee_ours.push_back(e.type);
    // The trace's server advertises its groups (RFC 8446 §4.2.7 allows it; we do not), FFDHE included.
    const auto want = t.server_ee_extensions();
    ASSERT_FALSE(want.empty());
    ASSERT_EQ(want.front().type, ext_supported_groups);
    ext.insert(ext.begin(), want.front());
  };
  endpoint server;
  auto s = connection::server(cfg);
  ASSERT_TRUE(s) << s.error().message();
  server.conn = std::make_unique<connection>(std::move(*s));

  feed(server, t.client_hello_record);
  ASSERT_TRUE(server.pump()) << server.error.message();
  auto expected = t.server_hello_record;
  expected.insert(expected.end(), t.server_flight_record.begin(), t.server_flight_record.end());
  if (tickets_early) expected.insert(expected.end(), t.ticket_record.begin(), t.ticket_record.end());
  EXPECT_EQ(hex(take_output(server)), hex(expected));
  EXPECT_EQ(signer->calls, 1);
  EXPECT_EQ(ee_ours, (std::vector<std::uint16_t>{ext_record_size_limit, ext_server_name}));
  EXPECT_EQ(server.conn->info().server_name, "server");

  feed(server, t.client_finished_record);
  feed(server, t.client_data_record);
  ASSERT_TRUE(server.pump()) << server.error.message();
  EXPECT_TRUE(server.done);
  EXPECT_EQ(hex(take_output(server)), tickets_early ? std::string() : hex(t.ticket_record));
  EXPECT_EQ(server.received, text(t.payload));
  ASSERT_TRUE(server.conn->write(view(t.payload), server.out));
  EXPECT_EQ(hex(take_output(server)), hex(t.server_data_record));
  feed(server, t.client_alert_record);
  ASSERT_TRUE(server.pump()) << server.error.message();
  EXPECT_TRUE(server.peer_closed);
  server.conn->close(server.out);
  EXPECT_EQ(hex(take_output(server)), hex(t.server_alert_record));
}

TEST(Rfc8448Engine, ServerReproducesSection3) { reproduce_section3_server(false); }

TEST(Rfc8448Engine, ServerSendsTheSection3TicketBeforeTheClientsFinished) { reproduce_section3_server(true); }

// The injected signer is what keeps the CertificateVerify input honest: a content that differs in
// one bit no longer verifies under the trace's signature.
TEST(Rfc8448Engine, TraceSignerRefusesOtherContent) {
  const trace_values t;
  const trace_signer signer(t.certificate(), t.signature());
  const byte_vec other(130, std::byte{0x20});
  EXPECT_FALSE(signer.sign(signature_scheme::rsa_pss_rsae_sha256, view(other)));
}

}  // namespace
}  // namespace tls13::test
