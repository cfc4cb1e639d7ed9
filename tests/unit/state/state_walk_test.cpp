// Every (state x handshake message) pair through the real engine: a connection is brought to each
// state of RFC 8446 Appendix A by a real peer's flight, then one message of every type is injected
// (protected with the keys the key log revealed). Messages the transition table does not allow must
// fail with unexpected_message and leave an alert on the wire; allowed ones are skipped here (the
// handshake tests cover them).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "handshake/messages/extension_writer.hpp"
#include "handshake/messages/hello.hpp"
#include "handshake/messages/post_hello.hpp"
#include "handshake/transitions.hpp"
#include "keyschedule/key_schedule.hpp"
#include "pair.hpp"
#include "record/record_layer.hpp"
#include "tls13/crypto_provider.hpp"

namespace tls13 {
namespace {

using handshake::incoming;
using handshake::state;

constexpr incoming all_kinds[] = {incoming::client_hello,        incoming::server_hello,
                                  incoming::hello_retry_request, incoming::encrypted_extensions,
                                  incoming::certificate_request, incoming::certificate,
                                  incoming::certificate_verify,  incoming::finished,
                                  incoming::end_of_early_data,   incoming::new_session_ticket,
                                  incoming::key_update};

// A message of `kind` with a plausible body (the type check happens before the body is parsed).
std::vector<std::byte> message_of(incoming kind) {
  std::vector<std::byte> body;
  handshake_type t{};
  switch (kind) {
    case incoming::client_hello:
      t = handshake_type::client_hello;
      body.resize(40);
      break;
    case incoming::server_hello:
      t = handshake_type::server_hello;
      body.resize(40, std::byte{1});
      break;
    case incoming::hello_retry_request:
      t = handshake_type::server_hello;
      body.resize(40);
      std::copy(handshake::hello_retry_request_random.begin(), handshake::hello_retry_request_random.end(),
                body.begin() + 2);
      break;
    case incoming::encrypted_extensions:
      t = handshake_type::encrypted_extensions;
      body = {std::byte{0}, std::byte{0}};
      break;
    case incoming::certificate_request:
      t = handshake_type::certificate_request;
      body.resize(3);
      break;
    case incoming::certificate:
      t = handshake_type::certificate;
      body.resize(4);
      break;
    case incoming::certificate_verify:
      t = handshake_type::certificate_verify;
      body.resize(4);
      break;
    case incoming::finished:
      t = handshake_type::finished;
      body.resize(32);
      break;
    case incoming::end_of_early_data:
      t = handshake_type::end_of_early_data;
      break;
    case incoming::new_session_ticket:
      t = handshake_type::new_session_ticket;
      body.resize(13);
      break;
    case incoming::key_update:
      t = handshake_type::key_update;
      body = {std::byte{0}};
      break;
  }
  // Sized first: inserting into a 4-octet list trips GCC 12's -Warray-bounds (a false positive).
  std::vector<std::byte> m(4 + body.size());
  m[0] = static_cast<std::byte>(t);
  m[2] = static_cast<std::byte>(body.size() >> 8);
  m[3] = static_cast<std::byte>(body.size());
  std::copy(body.begin(), body.end(), m.begin() + 4);
  return m;
}

bool receivable_by_client(incoming k) {
  return k != incoming::client_hello && k != incoming::end_of_early_data;
}
bool receivable_by_server(incoming k) {
  return k == incoming::client_hello || k == incoming::end_of_early_data || k == incoming::certificate ||
         k == incoming::certificate_verify || k == incoming::finished || k == incoming::key_update;
}

// Secrets by key-log label, for one connection.
using secrets = std::map<std::string, std::vector<std::byte>>;

key_log_callback collect(std::shared_ptr<secrets> into) {
  return [into](std::string_view line) {
    const auto sp1 = line.find(' '), sp2 = line.rfind(' ');
    (*into)[std::string(line.substr(0, sp1))] = test::unhex(line.substr(sp2 + 1));
  };
}

keyschedule::traffic_keys keys_from(const std::vector<std::byte>& s) {
  auto t = keyschedule::traffic_secret::import(crypto::hash_alg::sha256, s);
  EXPECT_TRUE(t);
  auto k = t->keys(crypto::aead_alg::aes_128_gcm);
  EXPECT_TRUE(k);
  return std::move(*k);
}

// Splits the server's first flight (plaintext records, then records under the server handshake
// key) into the plaintext prefix and the handshake messages inside the protected records.
struct server_flight {
  std::vector<std::byte> plaintext_prefix;
  std::vector<std::vector<std::byte>> messages;
};

server_flight split_flight(std::vector<std::byte> wire, const std::vector<std::byte>& server_hs) {
  server_flight f;
  record::record_layer reader;
  EXPECT_TRUE(reader.set_read_keys(keys_from(server_hs)));
  mut_bytes rest(wire);
  while (!rest.empty()) {
    std::size_t used = 0;
    const bool plaintext = rest[0] != std::byte{23};
    if (plaintext) {
      const std::size_t len = static_cast<std::size_t>(rest[3]) << 8 | static_cast<std::size_t>(rest[4]);
      f.plaintext_prefix.insert(f.plaintext_prefix.end(), rest.begin(), rest.begin() + 5 + len);
      rest = rest.subspan(5 + len);
      continue;
    }
    auto rec = reader.read(rest, used);
    EXPECT_TRUE(rec && rec->has_value());
    EXPECT_TRUE(reader.add_handshake_fragment((*rec)->payload));
    for (;;) {
      auto m = reader.next_handshake_message();
      if (!m || !*m) break;
      f.messages.emplace_back((*m)->begin(), (*m)->end());
    }
    rest = rest.subspan(used);
  }
  return f;
}

// One protected record (sequence number 0 under `secret`) holding `messages`.
std::vector<std::byte> seal_messages(const std::vector<std::vector<std::byte>>& messages,
                                     const std::vector<std::byte>& secret_bytes) {
  record::record_layer w;
  EXPECT_TRUE(w.set_write_keys(keys_from(secret_bytes)));
  std::vector<std::byte> all;
  for (const auto& m : messages) all.insert(all.end(), m.begin(), m.end());
  vector_sink out;
  EXPECT_TRUE(w.write(content_type::handshake, all, out));
  return {out.data().begin(), out.data().end()};
}

std::shared_ptr<client_config> client_cfg(std::shared_ptr<secrets> log) {
  auto c = std::make_shared<client_config>();
  c->verifier = test::test_verifier();
  c->cipher_suites = {cipher_suite::aes_128_gcm_sha256};
  c->middlebox_compat = false;
  c->key_log = collect(std::move(log));
  return c;
}

std::shared_ptr<server_config> server_cfg(std::shared_ptr<secrets> log, bool client_auth) {
  auto s = std::make_shared<server_config>();
  s->certificates.push_back(test::load_key("server-ecdsa-chain.pem", "server-ecdsa-key.pem"));
  s->key_log = collect(std::move(log));
  if (client_auth) {
    s->client_authentication = client_auth::optional;
    s->verifier = test::test_verifier();
  }
  return s;
}

// Expects the endpoint to fail with unexpected_message and to have written an alert.
void expect_unexpected(test::endpoint& e, state st, incoming k) {
  const bool ok = e.pump();
  EXPECT_FALSE(ok) << "state " << int(st) << " accepted message kind " << int(k);
  EXPECT_EQ(e.error, make_error_code(protocol_errc::unexpected_message))
      << "state " << int(st) << " kind " << int(k) << ": " << e.error.message();
  EXPECT_GT(e.out.size(), 0u) << "no alert written";
}

// Client states reached by delivering the first `k` messages of the server's protected flight.
TEST(StateWalk, ClientStatesRejectEveryMessageTheTableDoesNot) {
  int rejected = 0;
  for (bool with_cr : {false, true}) {
    // The states after 0, 1, 2, ... messages of the flight EE [CR] Cert CV Fin.
    std::vector<state> states = {state::client_wait_ee, state::client_wait_cert_cr};
    if (with_cr) states.push_back(state::client_wait_cert);
    states.push_back(state::client_wait_cv);
    states.push_back(state::client_wait_finished);
    for (std::size_t delivered = 0; delivered < states.size(); ++delivered) {
      for (incoming k : all_kinds) {
        const state st = states[delivered];
        if (handshake::find_transition(st, k) != nullptr && receivable_by_client(k)) continue;
        auto clog = std::make_shared<secrets>(), slog = std::make_shared<secrets>();
        auto p = test::make_pair(client_cfg(clog), server_cfg(slog, with_cr));
        ASSERT_TRUE(p.client.pump());
        p.transfer();
        ASSERT_TRUE(p.server.pump());
        const auto flight = split_flight({p.server.out.data().begin(), p.server.out.data().end()},
                                         (*slog)["SERVER_HANDSHAKE_TRAFFIC_SECRET"]);
        ASSERT_EQ(flight.messages.size(), with_cr ? 5u : 4u);
        std::vector<std::vector<std::byte>> msgs(flight.messages.begin(),
                                                 flight.messages.begin() + delivered);
        msgs.push_back(message_of(k));
        p.client.inbox = flight.plaintext_prefix;
        const auto sealed = seal_messages(msgs, (*slog)["SERVER_HANDSHAKE_TRAFFIC_SECRET"]);
        p.client.inbox.insert(p.client.inbox.end(), sealed.begin(), sealed.end());
        expect_unexpected(p.client, st, k);
        ++rejected;
      }
    }
  }
  // 11 kinds x 9 states (4 without CertificateRequest, 5 with) = 99, less the 11 legal pairs:
  // EE@wait_ee x2, CR+Cert@wait_cert_cr x2, Cert@wait_cert, CV@wait_cv x2, Fin@wait_finished x2.
  EXPECT_EQ(rejected, 88);
}

TEST(StateWalk, PlaintextStatesRejectEveryMessageTheTableDoesNot) {
  int rejected = 0;
  for (incoming k : all_kinds) {
    // Server, before any ClientHello.
    if (!(handshake::find_transition(state::server_start, k) && receivable_by_server(k))) {
      auto p = test::make_pair(client_cfg(std::make_shared<secrets>()),
                               server_cfg(std::make_shared<secrets>(), false));
      record::record_layer plain;
      vector_sink rec;
      ASSERT_TRUE(plain.write(content_type::handshake, message_of(k), rec));
      p.server.inbox.assign(rec.data().begin(), rec.data().end());
      expect_unexpected(p.server, state::server_start, k);
      ++rejected;
    }
    // Client, after its ClientHello.
    if (!(handshake::find_transition(state::client_wait_sh, k) && receivable_by_client(k))) {
      auto p = test::make_pair(client_cfg(std::make_shared<secrets>()),
                               server_cfg(std::make_shared<secrets>(), false));
      ASSERT_TRUE(p.client.pump());
      p.client.out.clear();
      record::record_layer plain;
      vector_sink rec;
      ASSERT_TRUE(plain.write(content_type::handshake, message_of(k), rec));
      p.client.inbox.assign(rec.data().begin(), rec.data().end());
      expect_unexpected(p.client, state::client_wait_sh, k);
      ++rejected;
    }
  }
  EXPECT_EQ(rejected, 19);  // 11 + 11, less ClientHello@server_start and ServerHello/HRR@client_wait_sh
}

// Server states after its flight (waiting for the client's Certificate or Finished), and the
// connected state of both sides (post-handshake messages under the application keys).
TEST(StateWalk, ServerAndConnectedStatesRejectEveryMessageTheTableDoesNot) {
  int rejected = 0;
  for (bool client_auth : {false, true}) {
    const state st = client_auth ? state::server_wait_cert : state::server_wait_finished;
    for (incoming k : all_kinds) {
      if (handshake::find_transition(st, k) && receivable_by_server(k)) continue;
      auto clog = std::make_shared<secrets>(), slog = std::make_shared<secrets>();
      auto p = test::make_pair(client_cfg(clog), server_cfg(slog, client_auth));
      ASSERT_TRUE(p.client.pump());
      p.transfer();
      ASSERT_TRUE(p.server.pump());
      p.server.out.clear();
      p.server.inbox = seal_messages({message_of(k)}, (*slog)["CLIENT_HANDSHAKE_TRAFFIC_SECRET"]);
      expect_unexpected(p.server, st, k);
      ++rejected;
    }
  }
  for (bool at_client : {false, true}) {
    for (incoming k : all_kinds) {
      const bool receivable = at_client ? receivable_by_client(k) : receivable_by_server(k);
      if (handshake::find_transition(state::connected, k) && receivable) continue;
      auto clog = std::make_shared<secrets>(), slog = std::make_shared<secrets>();
      auto p = test::make_pair(client_cfg(clog), server_cfg(slog, false));
      ASSERT_TRUE(p.handshake());
      auto& target = at_client ? p.client : p.server;
      // No application data has been sent yet: the peer's application key is at sequence number 0.
      target.inbox = seal_messages(
          {message_of(k)}, (*slog)[at_client ? "SERVER_TRAFFIC_SECRET_0" : "CLIENT_TRAFFIC_SECRET_0"]);
      target.out.clear();
      expect_unexpected(target, state::connected, k);
      ++rejected;
    }
  }
  // 11 x 4, less Finished@wait_finished, Certificate@wait_cert, NST+KeyUpdate at a connected client
  // and KeyUpdate at a connected server.
  EXPECT_EQ(rejected, 39);
}

}  // namespace
}  // namespace tls13

namespace tls13 {
namespace {

// A plaintext ServerHello record for the client in client_wait_sh.
std::vector<std::byte> server_hello_record(std::uint16_t legacy_version, const std::vector<std::byte>& random,
                                           bool with_supported_versions) {
  std::vector<std::byte> ext, msg;
  handshake::writer w(ext);
  if (with_supported_versions) {
    w.u16(43);
    w.u16(2);
    w.u16(0x0304);
  }
  handshake::writer m(msg);
  EXPECT_TRUE(handshake::encode_server_hello(m, random, {}, 0x1301, ext));
  msg[4] = static_cast<std::byte>(legacy_version >> 8);
  msg[5] = static_cast<std::byte>(legacy_version);
  record::record_layer plain;
  vector_sink out;
  EXPECT_TRUE(plain.write(content_type::handshake, msg, out));
  return {out.data().begin(), out.data().end()};
}

std::error_code client_error_for(const std::vector<std::byte>& record) {
  auto c = client_cfg(std::make_shared<secrets>());
  auto p = test::make_pair(c, server_cfg(std::make_shared<secrets>(), false));
  EXPECT_TRUE(p.client.pump());
  p.client.out.clear();
  p.client.inbox = record;
  EXPECT_FALSE(p.client.pump());
  return p.client.error;
}

TEST(ServerHelloChecks, OldVersionsAndDowngradeSentinels) {
  std::vector<std::byte> random(32, std::byte{7});
  // D.5: SSL 3.0 in legacy_version is protocol_version.
  EXPECT_EQ(client_error_for(server_hello_record(0x0300, random, true)),
            make_error_code(protocol_errc::protocol_version));
  // A TLS 1.2 answer (no supported_versions) is protocol_version ...
  EXPECT_EQ(client_error_for(server_hello_record(0x0303, random, false)),
            make_error_code(protocol_errc::protocol_version));
  // ... unless it carries a downgrade sentinel (§4.1.3): illegal_parameter.
  for (std::uint8_t last : {0, 1}) {
    auto r = random;
    const char* s = "DOWNGRD";
    for (int i = 0; i < 7; ++i) r[24 + i] = static_cast<std::byte>(s[i]);
    r[31] = std::byte{last};
    EXPECT_EQ(client_error_for(server_hello_record(0x0303, r, false)),
              make_error_code(protocol_errc::illegal_parameter));
  }
}

TEST(AlertLimits, WarningAlertsAreBounded) {
  for (std::size_t count : {limits{}.max_warning_alerts, limits{}.max_warning_alerts + 1}) {
    auto clog = std::make_shared<secrets>(), slog = std::make_shared<secrets>();
    auto p = test::make_pair(client_cfg(clog), server_cfg(slog, false));
    ASSERT_TRUE(p.handshake());
    record::record_layer w;
    ASSERT_TRUE(w.set_write_keys(keys_from((*slog)["CLIENT_TRAFFIC_SECRET_0"])));
    vector_sink out;
    const std::byte warning[] = {std::byte{1}, std::byte{90}};  // warning user_canceled
    for (std::size_t i = 0; i < count; ++i) ASSERT_TRUE(w.write(content_type::alert, warning, out));
    p.server.inbox.assign(out.data().begin(), out.data().end());
    const bool ok = p.server.pump();
    if (count == limits{}.max_warning_alerts) {
      EXPECT_TRUE(ok) << p.server.error.message();
    } else {
      EXPECT_FALSE(ok);
      EXPECT_EQ(p.server.error, make_error_code(decode_errc::too_many_items));
    }
  }
}

}  // namespace
}  // namespace tls13

namespace tls13 {
namespace {

// The client in client_wait_ee receives an EncryptedExtensions with `extension` (type, body).
std::error_code client_error_for_ee(std::uint16_t type, std::vector<std::byte> body, const std::string& sni) {
  auto clog = std::make_shared<secrets>(), slog = std::make_shared<secrets>();
  auto p = test::make_pair(client_cfg(clog), server_cfg(slog, false), sni);
  EXPECT_TRUE(p.client.pump());
  p.transfer();
  EXPECT_TRUE(p.server.pump());
  const auto flight = split_flight({p.server.out.data().begin(), p.server.out.data().end()},
                                   (*slog)["SERVER_HANDSHAKE_TRAFFIC_SECRET"]);
  std::vector<std::byte> ext, ee;
  handshake::writer w(ext);
  w.u16(type);
  EXPECT_TRUE(w.vec(2, body));
  handshake::writer m(ee);
  EXPECT_TRUE(handshake::encode_encrypted_extensions(m, ext));
  p.client.inbox = flight.plaintext_prefix;
  const auto sealed = seal_messages({ee}, (*slog)["SERVER_HANDSHAKE_TRAFFIC_SECRET"]);
  p.client.inbox.insert(p.client.inbox.end(), sealed.begin(), sealed.end());
  EXPECT_FALSE(p.client.pump());
  return p.client.error;
}

TEST(EncryptedExtensionsChecks, UnrequestedResponsesAreUnsupportedExtension) {
  const auto unsupported = make_error_code(protocol_errc::unsupported_extension);
  EXPECT_EQ(client_error_for_ee(1, {std::byte{1}}, "localhost"), unsupported);   // max_fragment_length
  EXPECT_EQ(client_error_for_ee(15, {std::byte{1}}, "localhost"), unsupported);  // heartbeat
  EXPECT_EQ(client_error_for_ee(16, test::unhex("0003026832"), "localhost"),
            unsupported);                                            // ALPN not offered
  EXPECT_EQ(client_error_for_ee(0, {}, ""), unsupported);            // server_name ack without SNI
  EXPECT_EQ(client_error_for_ee(42, {}, "localhost"), unsupported);  // early_data never offered
}

TEST(ClientHelloChecks, PreSharedKeyWithoutModesIsMissingExtension) {
  auto kx = default_crypto_provider()->start_key_exchange(named_group::x25519);
  ASSERT_TRUE(kx);
  std::vector<std::byte> ext;
  handshake::writer w(ext);
  using handshake::extension_type;
  ASSERT_TRUE(handshake::add_extension(w, extension_type::supported_versions,
                                       [](handshake::writer& b) -> result<void> {
                                         b.u8(2);
                                         b.u16(0x0304);
                                         return {};
                                       }));
  ASSERT_TRUE(
      handshake::add_extension(w, extension_type::supported_groups, [](handshake::writer& b) -> result<void> {
        b.u16(2);
        b.u16(0x001d);
        return {};
      }));
  ASSERT_TRUE(
      handshake::add_extension(w, extension_type::key_share, [&](handshake::writer& b) -> result<void> {
        const auto m = b.begin(2);
        b.u16(0x001d);
        TLS13_TRY(b.vec(2, (*kx)->public_key()));
        return b.end(m);
      }));
  ASSERT_TRUE(handshake::add_extension(w, extension_type::signature_algorithms,
                                       [](handshake::writer& b) -> result<void> {
                                         b.u16(2);
                                         b.u16(0x0403);
                                         return {};
                                       }));
  // pre_shared_key (last): one identity, one 32-byte binder; no psk_key_exchange_modes.
  ASSERT_TRUE(
      handshake::add_extension(w, extension_type::pre_shared_key, [](handshake::writer& b) -> result<void> {
        b.raw(
            test::unhex("0007"
                        "0001"
                        "61"
                        "00000000"
                        "0021"
                        "20"));
        b.raw(std::vector<std::byte>(32, std::byte{0x42}));
        return {};
      }));
  std::vector<std::byte> ch;
  handshake::writer m(ch);
  const std::vector<std::byte> random(32, std::byte{3});
  ASSERT_TRUE(handshake::encode_client_hello(m, {random, {}, {0x1301}}, ext));
  record::record_layer plain;
  vector_sink rec;
  ASSERT_TRUE(plain.write(content_type::handshake, ch, rec));
  auto p = test::make_pair(client_cfg(std::make_shared<secrets>()),
                           server_cfg(std::make_shared<secrets>(), false));
  p.server.inbox.assign(rec.data().begin(), rec.data().end());
  EXPECT_FALSE(p.server.pump());
  EXPECT_EQ(p.server.error, make_error_code(protocol_errc::missing_extension));
  EXPECT_EQ(to_alert(p.server.error), alert_description::missing_extension);
}

}  // namespace
}  // namespace tls13
