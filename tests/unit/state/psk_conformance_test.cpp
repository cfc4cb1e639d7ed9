// RFC 8446 conformance of resumption and 0-RTT, negative and edge cases (§2.2, §2.3, §4.1.2,
// §4.2.9, §4.2.10, §4.2.11, §4.5, §4.6.1, §8, D.3, E.5) that resumption_test.cpp and
// early_data_test.cpp do not reach: ClientHellos crafted byte by byte (with real binders computed
// from a real ticket's PSK), ServerHello / EncryptedExtensions rewritten by the server's extension
// hook, NewSessionTickets and EndOfEarlyData injected under the keys the key log revealed, and
// clocks moved by hand. Every expectation is what the RFC requires; where the library does
// otherwise the test still asserts the RFC and says `// BUG:`.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "crypto/hash.hpp"
#include "handshake/messages/hello.hpp"
#include "handshake/messages/post_hello.hpp"
#include "keyschedule/finished.hpp"
#include "keyschedule/key_schedule.hpp"
#include "pair.hpp"
#include "record/record_layer.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/session.hpp"

namespace tls13 {
namespace {

using namespace std::chrono_literals;
using test::byte_vec;
using test::make_pair;

constexpr std::uint16_t ext_server_name = 0, ext_supported_groups = 10, ext_signature_algorithms = 13,
                        ext_alpn = 16, ext_padding = 21, ext_pre_shared_key = 41, ext_early_data = 42,
                        ext_supported_versions = 43, ext_cookie = 44, ext_psk_modes = 45, ext_key_share = 51;

// ------------------------------------------------------------------ bytes on the wire

byte_vec bv(std::initializer_list<int> v) {
  byte_vec out;
  for (int x : v) out.push_back(static_cast<std::byte>(x));
  return out;
}

byte_vec bs(std::string_view s) {
  byte_vec out;
  for (char c : s) out.push_back(static_cast<std::byte>(c));
  return out;
}

struct byte_reader {
  bytes b;
  std::size_t p = 0;
  std::uint32_t num(int n) {
    if (p + static_cast<std::size_t>(n) > b.size()) throw std::runtime_error("truncated");
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = v << 8 | std::to_integer<std::uint32_t>(b[p++]);
    return v;
  }
  byte_vec take(std::size_t n) {
    if (p + n > b.size()) throw std::runtime_error("truncated");
    byte_vec v(b.begin() + static_cast<std::ptrdiff_t>(p), b.begin() + static_cast<std::ptrdiff_t>(p + n));
    p += n;
    return v;
  }
  byte_vec vec(int n) { return take(num(n)); }
  bool done() const { return p == b.size(); }
};

void put(byte_vec& out, std::uint32_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<std::byte>(v >> (8 * i)));
}
void put_vec(byte_vec& out, bytes v, int n) {
  put(out, static_cast<std::uint32_t>(v.size()), n);
  out.insert(out.end(), v.begin(), v.end());
}

struct wire_record {
  content_type type;
  byte_vec wire;  // header included
  byte_vec body;
};

std::vector<wire_record> records_of(bytes wire) {
  std::vector<wire_record> out;
  byte_reader r{wire};
  while (!r.done()) {
    const auto start = r.p;
    const auto type = static_cast<content_type>(r.num(1));
    r.num(2);
    auto body = r.vec(2);
    out.push_back({type,
                   byte_vec(wire.begin() + static_cast<std::ptrdiff_t>(start),
                            wire.begin() + static_cast<std::ptrdiff_t>(r.p)),
                   std::move(body)});
  }
  return out;
}

std::vector<raw_extension> parse_extensions(const byte_vec& block) {
  std::vector<raw_extension> out;
  byte_reader r{block};
  while (!r.done()) {
    raw_extension e;
    e.type = static_cast<std::uint16_t>(r.num(2));
    e.body = r.vec(2);
    out.push_back(std::move(e));
  }
  return out;
}

// A ClientHello as fields, to compare two of them and to write modified copies.
struct hello_msg {
  std::uint16_t version = 0x0303;
  byte_vec random, session_id, suites, compression;
  std::vector<raw_extension> ext;

  const raw_extension* find(std::uint16_t type) const {
    for (const auto& e : ext)
      if (e.type == type) return &e;
    return nullptr;
  }
};

hello_msg parse_client_hello(bytes message) {
  byte_reader r{message};
  if (r.num(1) != 1) throw std::runtime_error("not a ClientHello");
  byte_reader body{bytes(message).subspan(4)};
  if (r.num(3) != message.size() - 4) throw std::runtime_error("bad ClientHello length");
  hello_msg h;
  h.version = static_cast<std::uint16_t>(body.num(2));
  h.random = body.take(32);
  h.session_id = body.vec(1);
  h.suites = body.vec(2);
  h.compression = body.vec(1);
  h.ext = parse_extensions(body.vec(2));
  if (!body.done()) throw std::runtime_error("trailing data");
  return h;
}

byte_vec encode_client_hello(const hello_msg& h) {
  byte_vec body;
  put(body, h.version, 2);
  body.insert(body.end(), h.random.begin(), h.random.end());
  put_vec(body, h.session_id, 1);
  put_vec(body, h.suites, 2);
  put_vec(body, h.compression, 1);
  byte_vec ext;
  for (const auto& e : h.ext) {
    put(ext, e.type, 2);
    put_vec(ext, e.body, 2);
  }
  put_vec(body, ext, 2);
  byte_vec msg{std::byte{1}};
  put_vec(msg, body, 3);
  return msg;
}

// The extensions of a ServerHello message (header included).
std::vector<raw_extension> server_hello_extensions(bytes message) {
  byte_reader r{message};
  if (r.num(1) != 2) throw std::runtime_error("not a ServerHello");
  r.num(3);
  r.num(2);
  r.take(32);
  r.vec(1);
  r.num(2);
  r.num(1);
  return parse_extensions(r.vec(2));
}

struct psk_offer_wire {
  std::vector<std::pair<byte_vec, std::uint32_t>> identities;
  std::vector<byte_vec> binders;
};

psk_offer_wire parse_psk_offer(const byte_vec& body) {
  psk_offer_wire o;
  byte_reader r{body};
  byte_vec ids = r.vec(2);
  byte_reader ir{ids};
  while (!ir.done()) {
    auto id = ir.vec(2);
    const auto age = ir.num(4);
    o.identities.emplace_back(std::move(id), age);
  }
  byte_vec binders = r.vec(2);
  byte_reader br{binders};
  while (!br.done()) o.binders.push_back(br.vec(1));
  return o;
}

byte_vec plain_record(content_type type, bytes payload) {
  record::record_layer plain;
  vector_sink out;
  EXPECT_TRUE(plain.write(type, payload, out));
  return {out.data().begin(), out.data().end()};
}

// The last record in `wire` is the plaintext alert `d` (fatal level).
void expect_plaintext_alert(const test::endpoint& e, alert_description d) {
  const auto recs = records_of(e.out.data());
  ASSERT_FALSE(recs.empty()) << "no alert written";
  EXPECT_EQ(recs.back().type, content_type::alert);
  EXPECT_EQ(recs.back().body, bv({2, static_cast<int>(d)}));
}

// ------------------------------------------------------------------ keys, clocks, configs

using secrets = std::map<std::string, byte_vec>;

key_log_callback collect(std::shared_ptr<secrets> into) {
  return [into](std::string_view line) {
    const auto sp1 = line.find(' '), sp2 = line.rfind(' ');
    (*into)[std::string(line.substr(0, sp1))] = test::unhex(line.substr(sp2 + 1));
  };
}

// Every handshake in this file runs TLS_AES_128_GCM_SHA256 unless a test says otherwise.
keyschedule::traffic_keys keys_from(const byte_vec& s) {
  auto t = keyschedule::traffic_secret::import(crypto::hash_alg::sha256, s);
  EXPECT_TRUE(t);
  auto k = t->keys(crypto::aead_alg::aes_128_gcm);
  EXPECT_TRUE(k);
  return std::move(*k);
}

// One protected record under `secret_bytes` at sequence number `seq`.
byte_vec seal(content_type type, bytes payload, const byte_vec& secret_bytes, std::uint64_t seq = 0) {
  record::record_layer w;
  EXPECT_TRUE(w.set_write_keys(keys_from(secret_bytes)));
  w.set_sequence_numbers_for_testing(0, seq);
  vector_sink out;
  EXPECT_TRUE(w.write(type, payload, out));
  return {out.data().begin(), out.data().end()};
}

// The handshake messages inside one protected record (`wire` is that record).
std::vector<byte_vec> open_handshake_record(const byte_vec& wire, const byte_vec& secret_bytes,
                                            std::uint64_t seq) {
  record::record_layer r;
  EXPECT_TRUE(r.set_read_keys(keys_from(secret_bytes)));
  r.set_sequence_numbers_for_testing(seq, 0);
  byte_vec copy = wire;
  std::size_t used = 0;
  auto rec = r.read(mut_bytes(copy), used);
  std::vector<byte_vec> out;
  if (!rec || !*rec) {
    ADD_FAILURE() << "the record does not open under this key";
    return out;
  }
  EXPECT_EQ((*rec)->type, content_type::handshake);
  EXPECT_TRUE(r.add_handshake_fragment((*rec)->payload));
  for (;;) {
    auto m = r.next_handshake_message();
    if (!m || !*m) break;
    out.emplace_back((*m)->begin(), (*m)->end());
  }
  return out;
}

// A clock `offset` milliseconds away from the system clock; tests move it.
class offset_clock final : public default_provider {
 public:
  explicit offset_clock(std::shared_ptr<std::atomic<std::int64_t>> ms) : ms_(std::move(ms)) {}
  std::chrono::system_clock::time_point now() const override {
    return default_provider::now() + std::chrono::milliseconds(ms_->load());
  }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> ms_;
};

struct setup {
  std::shared_ptr<const client_ticket_store> store = make_memory_ticket_store();
  std::shared_ptr<client_config> client = std::make_shared<client_config>();
  std::shared_ptr<server_config> server = std::make_shared<server_config>();
  std::shared_ptr<secrets> clog = std::make_shared<secrets>(), slog = std::make_shared<secrets>();
  std::shared_ptr<std::atomic<std::int64_t>> client_ms = std::make_shared<std::atomic<std::int64_t>>(0);
  std::shared_ptr<std::atomic<std::int64_t>> server_ms = std::make_shared<std::atomic<std::int64_t>>(0);

  explicit setup(bool early = true) {
    client->verifier = test::test_verifier();
    client->ticket_store = store;
    client->enable_early_data = early;
    client->cipher_suites = {cipher_suite::aes_128_gcm_sha256};
    client->middlebox_compat = false;  // no CCS records between the ones the tests look at
    client->key_log = collect(clog);
    client->provider = std::make_shared<offset_clock>(client_ms);
    server->certificates.push_back(test::load_key("server-ecdsa-chain.pem", "server-ecdsa-key.pem"));
    server->ticket_keys = ticket_key_ring::create();
    server->anti_replay = make_bloom_anti_replay();
    server->max_early_data = early ? 1024 : 0;
    server->key_log = collect(slog);
    server->provider = std::make_shared<offset_clock>(server_ms);
  }

  // A full handshake and a round of data, which delivers the tickets to the store.
  void prime() {
    auto p = make_pair(client, server);
    ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
    const std::string x = "x";
    ASSERT_TRUE(p.server.conn->write(as_bytes(x.data(), x.size()), p.server.out));
    ASSERT_TRUE(p.run());
  }

  // The ClientHello is out, and `early` written as 0-RTT when the client may.
  test::pair start(const std::string& early) {
    auto p = make_pair(client, server);
    EXPECT_TRUE(p.client.pump());
    if (p.client.conn->can_write_early()) {
      auto n = p.client.conn->write_early(as_bytes(early.data(), early.size()), p.client.out);
      EXPECT_TRUE(n);
      if (n) {
        EXPECT_EQ(*n, early.size());
      }
    }
    return p;
  }

  test::endpoint fresh_server() const {
    test::endpoint e;
    auto c = connection::server(server);
    if (!c) throw std::runtime_error("cannot create server");
    e.conn = std::make_unique<connection>(std::move(*c));
    return e;
  }
};

// What the client keeps of a ticket, copied out of the store (which is given it back).
struct ticket_view {
  byte_vec ticket;
  byte_vec psk;
  std::uint32_t age_add = 0;
  std::chrono::system_clock::time_point received;
};

ticket_view peek_ticket(const client_ticket_store& store, std::chrono::system_clock::time_point now) {
  auto t = store.take("localhost", now);
  if (!t) throw std::runtime_error("no ticket in the store");
  ticket_view v{t->ticket, byte_vec(t->psk.view().begin(), t->psk.view().end()), t->age_add, t->received};
  store.insert("localhost", std::move(*t));
  return v;
}

// The binder (§4.2.11.2) of a resumption PSK over Transcript-Hash(truncated ClientHello).
byte_vec binder_of(bytes psk, bytes truncated_hello) {
  auto es = keyschedule::early_secret::from_psk(crypto::hash_alg::sha256, psk);
  EXPECT_TRUE(es);
  auto key = es->binder(keyschedule::psk_kind::resumption);
  EXPECT_TRUE(key);
  auto th = crypto::hash(crypto::hash_alg::sha256, truncated_hello);
  EXPECT_TRUE(th);
  auto b = keyschedule::psk_binder(*key, *th);
  EXPECT_TRUE(b);
  return {b->view().begin(), b->view().end()};
}

// ------------------------------------------------------------------ crafted ClientHellos

struct psk_entry {
  byte_vec identity;
  std::uint32_t obfuscated_age = 0;
  const byte_vec* psk = nullptr;  // null: the binder is left as junk
  std::size_t binder_len = 32;
};

struct crafted_hello {
  std::unique_ptr<key_exchange> kx = [] {
    auto k = default_crypto_provider()->start_key_exchange(named_group::x25519);
    if (!k) throw std::runtime_error("no x25519");
    return std::move(*k);
  }();
  hello_msg h;

  explicit crafted_hello(bool early_data) {
    h.random.resize(32);
    if (!default_crypto_provider()->random(h.random)) throw std::runtime_error("no random");
    h.suites = bv({0x13, 0x01});
    h.compression = bv({0});
    byte_vec sni;
    put(sni, 12, 2);
    put(sni, 0, 1);
    put_vec(sni, bs("localhost"), 2);
    h.ext.push_back({ext_server_name, sni});
    h.ext.push_back({ext_supported_versions, bv({2, 0x03, 0x04})});
    h.ext.push_back({ext_supported_groups, bv({0, 2, 0, 0x1d})});
    byte_vec share, entry;
    put(entry, 0x1d, 2);
    put_vec(entry, kx->public_key(), 2);
    put_vec(share, entry, 2);
    h.ext.push_back({ext_key_share, share});
    h.ext.push_back({ext_signature_algorithms, bv({0, 2, 0x04, 0x03})});
    h.ext.push_back({ext_psk_modes, bv({1, 1})});
    if (early_data) h.ext.push_back({ext_early_data, {}});
  }

  // Appends pre_shared_key (`binder_count` binders; default one per identity) and, when given,
  // one more extension after it. Binders with a PSK are computed over the truncated message when
  // pre_shared_key is last.
  byte_vec message(const std::vector<psk_entry>& entries, std::size_t binder_count = SIZE_MAX,
                   const raw_extension* after = nullptr) {
    if (binder_count == SIZE_MAX) binder_count = entries.size();
    byte_vec ids, binders;
    for (const auto& e : entries) {
      put_vec(ids, e.identity, 2);
      put(ids, e.obfuscated_age, 4);
    }
    for (std::size_t i = 0; i < binder_count; ++i) {
      const std::size_t len = i < entries.size() ? entries[i].binder_len : 32;
      put_vec(binders, byte_vec(len, std::byte{0x5a}), 1);
    }
    byte_vec body;
    put_vec(body, ids, 2);
    put_vec(body, binders, 2);
    hello_msg m = h;
    m.ext.push_back({ext_pre_shared_key, body});
    if (after) m.ext.push_back(*after);
    byte_vec msg = encode_client_hello(m);
    if (after) return msg;
    const std::size_t tail = 2 + (binders.size());
    const bytes truncated = bytes(msg).first(msg.size() - tail);
    std::size_t at = msg.size() - binders.size();
    for (std::size_t i = 0; i < binder_count; ++i) {
      const std::size_t len = i < entries.size() ? entries[i].binder_len : 32;
      if (i < entries.size() && entries[i].psk) {
        const auto b = binder_of(*entries[i].psk, truncated);
        std::copy_n(b.begin(), std::min(len, b.size()), msg.begin() + static_cast<std::ptrdiff_t>(at + 1));
      }
      at += 1 + len;
    }
    return msg;
  }
};

std::uint32_t obfuscated_age_now(const ticket_view& t) {
  const auto age =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - t.received);
  return static_cast<std::uint32_t>(age.count()) + t.age_add;
}

// ================================================================== server: the ClientHello offer

// §4.2.11: pre_shared_key must be the last extension; the server fails with illegal_parameter.
TEST(PskServerChecks, PreSharedKeyNotLastIsIllegalParameter) {
  setup s;
  s.prime();
  const auto t = peek_ticket(*s.store, std::chrono::system_clock::now());
  crafted_hello c(false);
  const raw_extension padding{ext_padding, bv({0, 0})};
  auto srv = s.fresh_server();
  srv.inbox = plain_record(content_type::handshake,
                           c.message({{t.ticket, obfuscated_age_now(t), &t.psk}}, SIZE_MAX, &padding));
  EXPECT_FALSE(srv.pump());
  EXPECT_EQ(srv.error, make_error_code(protocol_errc::illegal_parameter));
  expect_plaintext_alert(srv, alert_description::illegal_parameter);
}

// §4.2.11: one binder per identity. A missing binder for an identity ("not present", which the
// server must abort on) and a binder too many are illegal_parameter (RFC §6: syntactically valid,
// semantically inconsistent).
TEST(PskServerChecks, IdentityAndBinderCountsMustMatch) {
  setup s;
  s.prime();
  const auto t = peek_ticket(*s.store, std::chrono::system_clock::now());
  for (const auto& [ids, binders] : {std::pair<std::size_t, std::size_t>{2, 1}, {1, 2}}) {
    crafted_hello c(false);
    std::vector<psk_entry> entries;
    for (std::size_t i = 0; i < ids; ++i) entries.push_back({t.ticket, obfuscated_age_now(t), nullptr});
    auto srv = s.fresh_server();
    srv.inbox = plain_record(content_type::handshake, c.message(entries, binders));
    EXPECT_FALSE(srv.pump()) << ids << " identities, " << binders << " binders";
    EXPECT_EQ(srv.error, make_error_code(protocol_errc::illegal_parameter));
    expect_plaintext_alert(srv, alert_description::illegal_parameter);
  }
}

// §4.2.11: the binder of the identity the server picks must validate, or the handshake ends
// (decrypt_error, §6.2). A 48-octet binder for a SHA-256 PSK cannot validate even when it starts
// with the right HMAC; a binder shorter than 32 octets does not parse (decode_error).
TEST(PskServerChecks, BinderOfTheWrongLength) {
  setup s;
  s.prime();
  const auto t = peek_ticket(*s.store, std::chrono::system_clock::now());
  {
    crafted_hello c(false);
    auto srv = s.fresh_server();
    srv.inbox =
        plain_record(content_type::handshake, c.message({{t.ticket, obfuscated_age_now(t), &t.psk, 48}}));
    EXPECT_FALSE(srv.pump());
    EXPECT_EQ(srv.error, make_error_code(protocol_errc::decrypt_error));
    expect_plaintext_alert(srv, alert_description::decrypt_error);
  }
  {
    crafted_hello c(false);
    auto srv = s.fresh_server();
    srv.inbox =
        plain_record(content_type::handshake, c.message({{t.ticket, obfuscated_age_now(t), &t.psk, 31}}));
    EXPECT_FALSE(srv.pump());
    EXPECT_EQ(to_alert(srv.error), alert_description::decode_error) << srv.error.message();
    expect_plaintext_alert(srv, alert_description::decode_error);
  }
  {  // Control: the same ClientHello with the right binder resumes.
    crafted_hello c(false);
    auto srv = s.fresh_server();
    srv.inbox = plain_record(content_type::handshake, c.message({{t.ticket, obfuscated_age_now(t), &t.psk}}));
    EXPECT_TRUE(srv.pump()) << srv.error.message();
    EXPECT_TRUE(srv.conn->info().resumed);
  }
}

// §4.2.11: unknown identities are skipped and only the chosen identity's binder is checked (the junk
// binder of identity 0 is not fatal); selected_identity names the index in the client's list.
// §4.2.10: 0-RTT only with the first identity, so early data is refused here.
TEST(PskServerChecks, SecondIdentityIsSelectedByIndexAndNeverCarriesEarlyData) {
  setup s;
  s.prime();
  const auto t = peek_ticket(*s.store, std::chrono::system_clock::now());
  crafted_hello c(true);
  auto srv = s.fresh_server();
  srv.inbox = plain_record(content_type::handshake, c.message({{bs("unknown ticket"), 1234, nullptr},
                                                               {t.ticket, obfuscated_age_now(t), &t.psk}}));
  ASSERT_TRUE(srv.pump()) << srv.error.message();
  EXPECT_TRUE(srv.conn->info().resumed);
  EXPECT_FALSE(srv.conn->info().early_data_accepted);
  const auto recs = records_of(srv.out.data());
  ASSERT_FALSE(recs.empty());
  ASSERT_EQ(recs[0].type, content_type::handshake);
  bool found = false;
  for (const auto& e : server_hello_extensions(recs[0].body))
    if (e.type == ext_pre_shared_key) {
      found = true;
      EXPECT_EQ(e.body, bv({0, 1}));  // selected_identity = 1
    }
  EXPECT_TRUE(found);
}

// Control for the two tests below: a crafted offer of the ticket first, with the right age, gets
// 0-RTT accepted (so their refusals are caused by what they change).
TEST(PskServerChecks, CraftedFirstIdentityWithTheRightAgeGetsEarlyData) {
  setup s;
  s.prime();
  const auto t = peek_ticket(*s.store, std::chrono::system_clock::now());
  crafted_hello c(true);
  auto srv = s.fresh_server();
  srv.inbox = plain_record(content_type::handshake, c.message({{t.ticket, obfuscated_age_now(t), &t.psk}}));
  ASSERT_TRUE(srv.pump()) << srv.error.message();
  EXPECT_TRUE(srv.conn->info().resumed);
  EXPECT_TRUE(srv.conn->info().early_data_accepted);
}

// §4.2.10 / §4.2.11.1: the server checks (obfuscated_ticket_age - ticket_age_add) mod 2^32 against
// its own view; 60 s off keeps the PSK but refuses 0-RTT.
TEST(PskServerChecks, ObfuscatedAgeFarFromOursKeepsThePskButRefusesEarlyData) {
  setup s;
  s.prime();
  const auto t = peek_ticket(*s.store, std::chrono::system_clock::now());
  for (std::int64_t off : {60000, -60000}) {
    crafted_hello c(true);
    auto srv = s.fresh_server();
    srv.inbox = plain_record(
        content_type::handshake,
        c.message({{t.ticket, obfuscated_age_now(t) + static_cast<std::uint32_t>(off), &t.psk}}));
    ASSERT_TRUE(srv.pump()) << srv.error.message();
    EXPECT_TRUE(srv.conn->info().resumed) << off;
    EXPECT_FALSE(srv.conn->info().early_data_accepted) << off;
  }
}

// §8.2: the replay key comes only from validated parts of the ClientHello. Identities A (valid) and
// B (unknown, never validated): an attacker who rewrites B's binder must not get a "new" ClientHello
// past the replay check (A's binder does not cover the binders, so it stays valid).
TEST(PskServerChecks, ReplayKeyIgnoresTheBindersTheServerDidNotValidate) {
  setup s;
  s.prime();
  const auto t = peek_ticket(*s.store, std::chrono::system_clock::now());
  crafted_hello c(true);
  const auto msg =
      c.message({{t.ticket, obfuscated_age_now(t), &t.psk}, {bs("unknown ticket"), 99, nullptr}});
  auto first = s.fresh_server();
  first.inbox = plain_record(content_type::handshake, msg);
  ASSERT_TRUE(first.pump()) << first.error.message();
  ASSERT_TRUE(first.conn->info().early_data_accepted);
  auto rewritten = msg;
  rewritten.back() ^= std::byte{0xff};  // the last octet of B's binder
  auto second = s.fresh_server();
  second.inbox = plain_record(content_type::handshake, rewritten);
  ASSERT_TRUE(second.pump()) << second.error.message();  // A's binder still validates
  EXPECT_TRUE(second.conn->info().resumed);
  EXPECT_FALSE(second.conn->info().early_data_accepted);
}

// §4.2.10: in a ClientHello, early_data is `struct {} Empty`; a body does not parse, and §6 requires
// decode_error for a message that cannot be parsed.
TEST(PskServerChecks, ClientHelloEarlyDataWithABodyIsDecodeError) {
  setup s;
  s.prime();
  const auto t = peek_ticket(*s.store, std::chrono::system_clock::now());
  crafted_hello c(false);
  c.h.ext.push_back({ext_early_data, bv({0})});
  auto srv = s.fresh_server();
  srv.inbox = plain_record(content_type::handshake, c.message({{t.ticket, obfuscated_age_now(t), &t.psk}}));
  // BUG: the server only checks that early_data is present (resumption.cpp server_early_data_allowed,
  // server.cpp skip_undecryptable) and never looks at its body: the ClientHello is accepted, with
  // 0-RTT. RFC §6: decode_error.
  EXPECT_FALSE(srv.pump());
  EXPECT_EQ(to_alert(srv.error), alert_description::decode_error) << srv.error.message();
  EXPECT_FALSE(srv.conn->info().early_data_accepted);
}

// ================================================================== client: what it offers

// §4.2.9 (modes), §4.2.10 (early_data with pre_shared_key), §4.2.11 (last, one identity = the
// ticket, binder over the truncated ClientHello), §4.2.11.1 (obfuscated age = age + age_add).
TEST(PskClientOffer, ModesEarlyDataAndABinderOverTheTruncatedHello) {
  setup s;
  s.prime();
  const auto t = peek_ticket(*s.store, std::chrono::system_clock::now());
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.client.pump());
  const auto recs = records_of(p.client.out.data());
  ASSERT_GE(recs.size(), 1u);
  const auto ch_msg = recs[0].body;
  const auto ch = parse_client_hello(ch_msg);
  ASSERT_TRUE(ch.find(ext_psk_modes));
  EXPECT_EQ(ch.find(ext_psk_modes)->body, bv({1, 1}));  // psk_dhe_ke only
  ASSERT_TRUE(ch.find(ext_early_data));
  EXPECT_TRUE(ch.find(ext_early_data)->body.empty());
  ASSERT_FALSE(ch.ext.empty());
  ASSERT_EQ(ch.ext.back().type, ext_pre_shared_key);
  const auto offer = parse_psk_offer(ch.ext.back().body);
  ASSERT_EQ(offer.identities.size(), 1u);  // the early-data PSK is the first (and only) one
  EXPECT_EQ(offer.identities[0].first, t.ticket);
  const std::uint32_t age = offer.identities[0].second - t.age_add;
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - t.received);
  EXPECT_LE(age, static_cast<std::uint32_t>(elapsed.count()) + 1);
  ASSERT_EQ(offer.binders.size(), 1u);
  const std::size_t tail = 2 + 1 + 32;
  EXPECT_EQ(test::hex(offer.binders[0]),
            test::hex(binder_of(t.psk, bytes(ch_msg).first(ch_msg.size() - tail))));
  // Early data follows under the early key (§2.3).
  EXPECT_TRUE(p.client.conn->can_write_early());
}

// §4.2.11.1: obfuscated_ticket_age = ticket age in ms + ticket_age_add, modulo 2^32.
TEST(PskClientOffer, ObfuscatedAgeWrapsModulo2To32) {
  setup s(false);
  session_ticket t;
  t.ticket = bs("handmade");
  t.psk = secret::from(byte_vec(32, std::byte{7}));
  t.suite = cipher_suite::aes_128_gcm_sha256;
  t.age_add = 0xfffff000;
  t.lifetime = 3600;
  t.received = std::chrono::system_clock::now() - 5s;
  s.store->insert("localhost", std::move(t));
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.client.pump());
  const auto ch = parse_client_hello(records_of(p.client.out.data())[0].body);
  ASSERT_TRUE(ch.find(ext_pre_shared_key));
  const auto offer = parse_psk_offer(ch.find(ext_pre_shared_key)->body);
  ASSERT_EQ(offer.identities.size(), 1u);
  const std::uint32_t obf = offer.identities[0].second;
  EXPECT_LT(obf, 5000u);  // 5000 + 0xfffff000 wrapped
  const std::uint32_t age = obf - 0xfffff000u;
  EXPECT_GE(age, 5000u);
  EXPECT_LT(age, 7000u);
}

// §4.2.11.1: never a ticket older than its ticket_lifetime; §4.6.1: never one older than 7 days,
// whatever lifetime it carries.
TEST(PskClientOffer, ExpiredTicketsAreNotOffered) {
  const auto now = std::chrono::system_clock::now();
  struct tc {
    std::uint32_t lifetime;
    std::chrono::system_clock::time_point received;
    bool offered;
  };
  for (const auto& c : {tc{60, now - 61s, false}, tc{60, now - 30s, true},
                        tc{8 * 86400, now - 604801s, false}, tc{8 * 86400, now - 604700s, true}}) {
    setup s(false);
    session_ticket t;
    t.ticket = bs("handmade");
    t.psk = secret::from(byte_vec(32, std::byte{7}));
    t.suite = cipher_suite::aes_128_gcm_sha256;
    t.lifetime = c.lifetime;
    t.received = c.received;
    s.store->insert("localhost", std::move(t));
    auto p = make_pair(s.client, s.server);
    ASSERT_TRUE(p.client.pump());
    const auto ch = parse_client_hello(records_of(p.client.out.data())[0].body);
    EXPECT_EQ(ch.find(ext_pre_shared_key) != nullptr, c.offered) << c.lifetime;
    EXPECT_EQ(ch.find(ext_early_data), nullptr);
  }
}

// §4.1.2: ClientHello2 is ClientHello1 except the listed changes: key_share for the HRR group,
// early_data removed (§4.2.10), cookie added, pre_shared_key recomputed (age and binder over
// ClientHello1 + HelloRetryRequest + truncated ClientHello2, which the server accepts).
TEST(PskClientOffer, ClientHello2ChangesOnlyWhatSection412Allows) {
  setup s;
  s.prime();
  s.server->groups = {named_group::secp256r1};  // the client's one share is X25519: HRR
  auto p = s.start("early");
  const auto ch1 = parse_client_hello(records_of(p.client.out.data())[0].body);
  p.transfer();
  ASSERT_TRUE(p.server.pump()) << p.server.error.message();
  p.transfer();
  ASSERT_TRUE(p.client.pump()) << p.client.error.message();
  const auto recs = records_of(p.client.out.data());
  ASSERT_EQ(recs.size(), 1u);
  const auto ch2 = parse_client_hello(recs[0].body);
  EXPECT_EQ(ch1.version, ch2.version);
  EXPECT_EQ(ch1.random, ch2.random);
  EXPECT_EQ(ch1.session_id, ch2.session_id);
  EXPECT_EQ(ch1.suites, ch2.suites);
  EXPECT_EQ(ch1.compression, ch2.compression);
  auto rest = [](const hello_msg& h) {
    std::vector<std::pair<std::uint16_t, byte_vec>> v;
    for (const auto& e : h.ext)
      if (e.type != ext_key_share && e.type != ext_early_data && e.type != ext_cookie &&
          e.type != ext_pre_shared_key && e.type != ext_padding)
        v.emplace_back(e.type, e.body);
    return v;
  };
  EXPECT_EQ(rest(ch1), rest(ch2));
  EXPECT_TRUE(ch1.find(ext_early_data));
  EXPECT_FALSE(ch2.find(ext_early_data));
  EXPECT_TRUE(ch2.find(ext_cookie));
  ASSERT_TRUE(ch2.find(ext_key_share));
  EXPECT_EQ(ch2.find(ext_key_share)->body.size(), 2u + 2 + 2 + 65);  // one P-256 entry
  ASSERT_EQ(ch2.ext.back().type, ext_pre_shared_key);
  const auto o1 = parse_psk_offer(ch1.find(ext_pre_shared_key)->body);
  const auto o2 = parse_psk_offer(ch2.ext.back().body);
  ASSERT_EQ(o2.identities.size(), 1u);
  EXPECT_EQ(o1.identities[0].first, o2.identities[0].first);
  EXPECT_NE(o1.binders[0], o2.binders[0]);
  p.transfer();
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.server.conn->info().resumed);
  EXPECT_FALSE(p.server.conn->info().early_data_accepted);
}

// ================================================================== client: the server's answer

// The server's answers rewritten by its extension hook (the server engine itself goes on as if
// it had sent what its state says).
void on_server_hello(server_config& cfg, std::function<void(std::vector<raw_extension>&)> f,
                     handshake_type which = handshake_type::server_hello) {
  cfg.extension_hook_for_testing = [f = std::move(f), which](handshake_type t,
                                                             std::vector<raw_extension>& ext) {
    if (t == which) f(ext);
  };
}

// §4.2.11: selected_identity outside the offered range is illegal_parameter.
TEST(PskClientChecks, SelectedIdentityOutsideTheOfferIsIllegalParameter) {
  setup s(false);
  s.prime();
  on_server_hello(*s.server, [](auto& ext) {
    for (auto& e : ext)
      if (e.type == ext_pre_shared_key) e.body = bv({0, 1});
  });
  auto p = make_pair(s.client, s.server);
  EXPECT_FALSE(p.handshake());
  EXPECT_EQ(p.client.error, make_error_code(protocol_errc::illegal_parameter));
  EXPECT_EQ(p.server.error, alert_received(alert_description::illegal_parameter));
}

// §4.2: a response to an extension the client did not send is unsupported_extension.
TEST(PskClientChecks, PreSharedKeyInServerHelloWithoutAnOfferIsUnsupportedExtension) {
  for (bool with_store : {true, false}) {
    setup s(false);  // nothing primed: the store is empty, nothing is offered
    if (!with_store) s.client->ticket_store = nullptr;
    on_server_hello(*s.server, [](auto& ext) { ext.push_back({ext_pre_shared_key, bv({0, 0})}); });
    auto p = make_pair(s.client, s.server);
    EXPECT_FALSE(p.handshake());
    EXPECT_EQ(p.client.error, make_error_code(protocol_errc::unsupported_extension)) << with_store;
    EXPECT_EQ(p.server.error, alert_received(alert_description::unsupported_extension));
  }
}

// §4.2.11 / §4.6.1: the suite must have the PSK's hash; a PSK "accepted" with SHA-384 for a SHA-256
// ticket is illegal_parameter.
TEST(PskClientChecks, PskWithASuiteOfAnotherHashIsIllegalParameter) {
  setup s(false);
  s.prime();
  s.client->cipher_suites = {cipher_suite::aes_128_gcm_sha256, cipher_suite::aes_256_gcm_sha384};
  s.server->cipher_suites = {cipher_suite::aes_256_gcm_sha384};  // cannot use the ticket: full handshake
  on_server_hello(*s.server, [](auto& ext) { ext.push_back({ext_pre_shared_key, bv({0, 0})}); });
  auto p = make_pair(s.client, s.server);
  EXPECT_FALSE(p.handshake());
  EXPECT_EQ(p.client.error, make_error_code(protocol_errc::illegal_parameter));
}

// §4.2.11: our ClientHello allows psk_dhe_ke only, so a PSK ServerHello needs key_share; without it
// the client "MUST abort the handshake with an illegal_parameter alert".
TEST(PskClientChecks, PskServerHelloWithoutKeyShareIsIllegalParameter) {
  setup s(false);
  s.prime();
  on_server_hello(*s.server, [](auto& ext) {
    std::erase_if(ext, [](const raw_extension& e) { return e.type == ext_key_share; });
  });
  auto p = make_pair(s.client, s.server);
  EXPECT_FALSE(p.handshake());
  // BUG: client.cpp client_on_server_hello answers missing_extension (the check is the same for
  // PSK and non-PSK ServerHellos); §4.2.11 names illegal_parameter for the PSK case.
  EXPECT_EQ(p.client.error, make_error_code(protocol_errc::illegal_parameter));
}

// §4.2.9: the server never sends psk_key_exchange_modes; §4.2: a known extension in a message it is
// not defined for is illegal_parameter (ServerHello and EncryptedExtensions).
TEST(PskClientChecks, PskKeyExchangeModesFromTheServerIsIllegalParameter) {
  for (auto where : {handshake_type::server_hello, handshake_type::encrypted_extensions}) {
    setup s(false);
    s.prime();
    on_server_hello(
        *s.server,
        [](auto& ext) {
          ext.push_back({ext_psk_modes, bv({1, 1})});
        },
        where);
    auto p = make_pair(s.client, s.server);
    EXPECT_FALSE(p.handshake());
    EXPECT_EQ(p.client.error, make_error_code(protocol_errc::illegal_parameter)) << static_cast<int>(where);
  }
}

// §4.2: early_data in EncryptedExtensions answers a request; a client that resumed without
// offering early data must refuse it with unsupported_extension.
TEST(PskClientChecks, EarlyDataInEncryptedExtensionsWithoutTheOfferIsUnsupportedExtension) {
  setup s;
  s.prime();
  s.client->enable_early_data = false;  // the ticket allows 0-RTT, the client does not offer it
  on_server_hello(
      *s.server,
      [](auto& ext) {
        ext.push_back({ext_early_data, {}});
      },
      handshake_type::encrypted_extensions);
  auto p = make_pair(s.client, s.server);
  EXPECT_FALSE(p.handshake());
  EXPECT_EQ(p.client.error, make_error_code(protocol_errc::unsupported_extension));
}

// §4.2.10: accepting early data needs an accepted PSK. The client offered early data, the server
// made a full handshake (it cannot open the ticket) and still says early_data: refused. The RFC
// names no alert for this; unsupported_extension is what the library (and BoringSSL) sends.
TEST(PskClientChecks, EarlyDataAcceptedWithoutAPskIsRefused) {
  setup s;
  s.prime();
  s.server->ticket_keys = ticket_key_ring::create();  // another ring: the ticket is unknown
  on_server_hello(
      *s.server,
      [](auto& ext) {
        ext.push_back({ext_early_data, {}});
      },
      handshake_type::encrypted_extensions);
  auto p = s.start("early");
  EXPECT_FALSE(p.handshake());
  EXPECT_FALSE(p.client.conn->info().resumed);
  EXPECT_EQ(p.client.error, make_error_code(protocol_errc::unsupported_extension));
}

// D.3: a client that sent 0-RTT fails on a TLS 1.2 ServerHello (here: protocol_version, as for
// any ServerHello without supported_versions and without a downgrade sentinel).
TEST(PskClientChecks, EarlyDataClientFailsOnATls12ServerHello) {
  setup s;
  s.prime();
  auto p = s.start("early");
  ASSERT_TRUE(p.client.conn->can_write_early());
  byte_vec sh, ext;
  handshake::writer m(sh);
  ASSERT_TRUE(handshake::encode_server_hello(m, byte_vec(32, std::byte{9}), {}, 0x1301, ext));
  p.client.inbox = plain_record(content_type::handshake, sh);
  EXPECT_FALSE(p.client.pump());
  EXPECT_EQ(p.client.error, make_error_code(protocol_errc::protocol_version));
  EXPECT_FALSE(p.client.conn->can_write_early());
}

// ================================================================== EndOfEarlyData (§4.5)

// Accepted 0-RTT: the client's second flight is EndOfEarlyData under the early key (after its one
// early record) and then Finished under the handshake key. Refused: Finished only.
TEST(EndOfEarlyData, SentIfAndOnlyIfTheServerAcceptedEarlyData) {
  for (bool accept : {true, false}) {
    setup s;
    s.prime();
    if (!accept) s.server->max_early_data = 0;
    auto p = s.start("early");
    ASSERT_TRUE(p.client.conn->can_write_early());
    p.transfer();
    ASSERT_TRUE(p.server.pump()) << p.server.error.message();
    p.transfer();
    ASSERT_TRUE(p.client.pump()) << p.client.error.message();
    ASSERT_TRUE(p.client.done);
    EXPECT_EQ(p.client.conn->info().early_data_accepted, accept);
    const auto recs = records_of(p.client.out.data());
    ASSERT_EQ(recs.size(), accept ? 2u : 1u);
    if (accept) {
      const auto eoed = open_handshake_record(recs[0].wire, (*s.clog)["CLIENT_EARLY_TRAFFIC_SECRET"], 1);
      ASSERT_EQ(eoed.size(), 1u);
      EXPECT_EQ(eoed[0], bv({5, 0, 0, 0}));
    }
    const auto fin = open_handshake_record(recs.back().wire, (*s.slog)["CLIENT_HANDSHAKE_TRAFFIC_SECRET"], 0);
    ASSERT_EQ(fin.size(), 1u);
    EXPECT_EQ(fin[0][0], std::byte{20});
    p.transfer();
    ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
    EXPECT_EQ(p.server.received, accept ? "early" : "");
  }
}

// §4.5 / Appendix A.2: without accepted 0-RTT there is no EndOfEarlyData to wait for; one under the
// client handshake key is unexpected_message (here after a resumption whose 0-RTT was refused).
TEST(EndOfEarlyData, WhenEarlyDataWasRefusedIsUnexpectedMessage) {
  setup s;
  s.prime();
  s.server->max_early_data = 0;
  auto p = s.start("early");
  p.transfer();
  ASSERT_TRUE(p.server.pump()) << p.server.error.message();
  ASSERT_TRUE(p.server.conn->info().resumed);
  ASSERT_FALSE(p.server.conn->info().early_data_accepted);
  p.server.out.clear();
  p.server.inbox =
      seal(content_type::handshake, bv({5, 0, 0, 0}), (*s.slog)["CLIENT_HANDSHAKE_TRAFFIC_SECRET"]);
  EXPECT_FALSE(p.server.pump());
  EXPECT_EQ(p.server.error, make_error_code(protocol_errc::unexpected_message));
  EXPECT_GT(p.server.out.size(), 0u) << "no alert written";
}

// §4.5: after EndOfEarlyData the client's records are under its handshake key: another record under
// the early key cannot be read, and is not skipped (bad_record_mac).
TEST(EndOfEarlyData, EarlyDataAfterEndOfEarlyDataIsBadRecordMac) {
  setup s;
  s.prime();
  auto p = s.start("early");
  p.transfer();
  ASSERT_TRUE(p.server.pump());
  p.transfer();
  ASSERT_TRUE(p.client.pump());
  const auto recs = records_of(p.client.out.data());
  ASSERT_EQ(recs.size(), 2u);  // EndOfEarlyData, Finished
  p.client.out.clear();
  p.server.inbox = recs[0].wire;
  const auto late =
      seal(content_type::application_data, bs("late"), (*s.clog)["CLIENT_EARLY_TRAFFIC_SECRET"], 2);
  p.server.inbox.insert(p.server.inbox.end(), late.begin(), late.end());
  EXPECT_FALSE(p.server.pump());
  EXPECT_EQ(p.server.error, make_error_code(protocol_errc::bad_record_mac));
  EXPECT_EQ(p.server.received, "early");
}

// §2.3 / §4.5: 0-RTT data ends with the server's Finished; write_early() is refused afterwards.
TEST(EndOfEarlyData, NoEarlyDataFromTheClientAfterTheServerFinished) {
  setup s;
  s.prime();
  auto p = s.start("early");
  p.transfer();
  ASSERT_TRUE(p.server.pump());
  p.transfer();
  ASSERT_TRUE(p.client.pump());
  ASSERT_TRUE(p.client.done);
  EXPECT_FALSE(p.client.conn->can_write_early());
  const std::string more = "more";
  auto n = p.client.conn->write_early(as_bytes(more.data(), more.size()), p.client.out);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), make_error_code(internal_errc::invalid_state));
}

// §4.2.11.3: a server accepting early data answers the ClientHello at once, without waiting for
// EndOfEarlyData: its whole flight (through Finished) lets the client finish.
TEST(EndOfEarlyData, ServerAnswersTheClientHelloWithoutWaitingForIt) {
  setup s;
  s.prime();
  auto p = s.start("early");
  p.transfer();
  ASSERT_TRUE(p.server.pump());
  ASSERT_TRUE(p.server.conn->info().early_data_accepted);
  EXPECT_FALSE(p.server.done);
  EXPECT_GT(p.server.out.size(), 0u);
  p.transfer();
  ASSERT_TRUE(p.client.pump());
  EXPECT_TRUE(p.client.done);
  EXPECT_TRUE(p.client.conn->info().early_data_accepted);
}

// §4.2.10: after accepting early_data, a 0-RTT record that fails to decrypt is bad_record_mac (no
// skipping: skipping is only for refused 0-RTT).
TEST(EndOfEarlyData, UndecryptableAcceptedEarlyDataIsBadRecordMac) {
  setup s;
  s.prime();
  auto p = s.start("early data");
  ASSERT_EQ(records_of(p.client.out.data()).size(), 2u);  // ClientHello, early data
  p.transfer();
  p.server.inbox.back() ^= std::byte{1};  // the early record's tag
  EXPECT_FALSE(p.server.pump());
  EXPECT_TRUE(p.server.conn->info().early_data_accepted);
  EXPECT_EQ(p.server.error, make_error_code(protocol_errc::bad_record_mac));
  EXPECT_EQ(p.server.received, "");
}

// ================================================================== NewSessionTicket (§4.6.1)

// A connected client (the server sends no tickets itself) and the key to forge the server's.
struct nst_client {
  setup s{false};
  test::pair p = [this] {
    s.server->tickets_after_full_handshake = 0;
    auto q = make_pair(s.client, s.server);
    EXPECT_TRUE(q.handshake());
    return q;
  }();

  // Delivers NewSessionTickets (each: lifetime, ticket, extensions block) in one record.
  bool deliver(const std::vector<std::tuple<std::uint32_t, std::string, byte_vec>>& tickets) {
    byte_vec all;
    std::uint8_t nonce = 0;
    for (const auto& [lifetime, ticket, ext] : tickets) {
      byte_vec msg;
      handshake::writer w(msg);
      const std::byte n[1] = {std::byte{nonce++}};
      const auto tb = bs(ticket);
      handshake::new_session_ticket m{lifetime, 0x01020304, n, tb, {}};
      EXPECT_TRUE(handshake::encode_new_session_ticket(w, m, ext));
      all.insert(all.end(), msg.begin(), msg.end());
    }
    p.client.inbox = seal(content_type::handshake, all, (*s.slog)["SERVER_TRAFFIC_SECRET_0"]);
    return p.client.pump();
  }
};

std::string ticket_name(const std::optional<session_ticket>& t) {
  return t ? std::string(reinterpret_cast<const char*>(t->ticket.data()), t->ticket.size()) : "(none)";
}

// "The value of zero indicates that the ticket should be discarded immediately."
TEST(NewSessionTicketRules, LifetimeZeroIsNotKept) {
  nst_client c;
  ASSERT_TRUE(c.deliver({{0, "zero", {}}, {60, "kept", {}}})) << c.p.client.error.message();
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(ticket_name(c.s.store->take("localhost", now)), "kept");
  EXPECT_EQ(ticket_name(c.s.store->take("localhost", now)), "(none)");
}

// "Clients MUST NOT cache tickets for longer than 7 days, regardless of the ticket_lifetime"
// (a server sending more than 604800 breaks a MUST of its own; the client caps it).
TEST(NewSessionTicketRules, LifetimesOverSevenDaysAreCappedByTheClient) {
  nst_client c;
  ASSERT_TRUE(c.deliver({{30 * 86400, "thirty days", {}}, {604801, "a week and a second", {}}}));
  const auto now = std::chrono::system_clock::now();
  const auto six_days = c.s.store->take("localhost", now + 6 * 24h);
  EXPECT_EQ(ticket_name(six_days), "a week and a second");
  ASSERT_TRUE(six_days);
  EXPECT_LE(six_days->lifetime, 604800u);
  EXPECT_EQ(ticket_name(c.s.store->take("localhost", now + 7 * 24h + 1s)), "(none)");
}

// "Clients MUST ignore unrecognized extensions" (§4.6.1, §9.3); early_data's body is a uint32
// (§4.2.10: anything else is decode_error); a known extension not defined for NewSessionTicket is
// illegal_parameter (§4.2).
TEST(NewSessionTicketRules, ExtensionsUnknownIgnoredMalformedRefused) {
  {
    nst_client c;
    byte_vec ext;
    put(ext, 0x1234, 2);
    put_vec(ext, bs("abc"), 2);
    put(ext, ext_early_data, 2);
    put_vec(ext, bv({0, 0, 0x10, 0}), 2);
    ASSERT_TRUE(c.deliver({{60, "unknown ext", ext}})) << c.p.client.error.message();
    auto t = c.s.store->take("localhost", std::chrono::system_clock::now());
    EXPECT_EQ(ticket_name(t), "unknown ext");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->max_early_data, 4096u);
  }
  {
    nst_client c;
    byte_vec ext;
    put(ext, ext_early_data, 2);
    put_vec(ext, bv({0x10, 0}), 2);
    EXPECT_FALSE(c.deliver({{60, "short early_data", ext}}));
    EXPECT_EQ(to_alert(c.p.client.error), alert_description::decode_error) << c.p.client.error.message();
  }
  {
    nst_client c;
    byte_vec ext;
    put(ext, ext_key_share, 2);
    put_vec(ext, bv({0, 0x1d, 0, 0}), 2);
    EXPECT_FALSE(c.deliver({{60, "key_share", ext}}));
    EXPECT_EQ(c.p.client.error, make_error_code(protocol_errc::illegal_parameter));
  }
}

// The server's tickets: lifetime at most 604800 (validate() refuses more), a fresh ticket_age_add
// per ticket, and ticket_nonce unique on the connection.
// Both timings: after the client's Finished, or right behind our flight (§4.6.1, Note), where the
// tickets are the flight's last record, the first under the application key.
TEST(NewSessionTicketRules, ServerTicketsHaveBoundedLifetimeFreshAgeAddAndUniqueNonces) {
  for (const bool early : {false, true}) {
  setup s(false);
  s.server->tickets_after_full_handshake = 4;
  s.server->tickets_before_client_finished = early;
  s.server->ticket_lifetime = std::chrono::seconds(604800);
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.client.pump());
  p.transfer();
  ASSERT_TRUE(p.server.pump());
  const auto flight = records_of(p.server.out.data());
  p.transfer();
  ASSERT_TRUE(p.client.pump());
  p.transfer();
  ASSERT_TRUE(p.server.pump());  // the client Finished: the tickets go out now, or went before
  auto recs = records_of(p.server.out.data());
  if (early) {
    ASSERT_TRUE(recs.empty());
    ASSERT_GE(flight.size(), 3u);
    recs = {flight.back()};
  }
  ASSERT_EQ(recs.size(), 1u);
  const auto msgs = open_handshake_record(recs[0].wire, (*s.slog)["SERVER_TRAFFIC_SECRET_0"], 0);
  ASSERT_EQ(msgs.size(), 4u);
  std::set<std::uint32_t> age_adds;
  std::set<byte_vec> nonces;
  for (const auto& m : msgs) {
    ASSERT_EQ(m[0], std::byte{4});
    auto nst = handshake::decode_new_session_ticket(bytes(m).subspan(4));
    ASSERT_TRUE(nst);
    EXPECT_EQ(nst->lifetime, 604800u);
    age_adds.insert(nst->age_add);
    nonces.emplace(nst->nonce.begin(), nst->nonce.end());
  }
  EXPECT_EQ(age_adds.size(), 4u);
  EXPECT_EQ(nonces.size(), 4u);
  EXPECT_TRUE(p.run());
  EXPECT_TRUE(p.client.done && p.server.done);
  if (!early) continue;
  auto too_long = *s.server;
  too_long.ticket_lifetime = std::chrono::seconds(604801);
  EXPECT_FALSE(validate(too_long));
  }
}

// Early tickets (§4.6.1, Note) do not relax the check of the client's Finished (§4.4.4): a wrong
// verify_data, properly protected under the client's handshake key, is still decrypt_error, though
// the client already holds tickets. (The Finished is sealed here with the client's handshake secret
// as the server logged it: the client has not derived it yet at this point.)
TEST(NewSessionTicketRules, WrongClientFinishedFailsAfterEarlyTickets) {
  setup s(false);
  ASSERT_TRUE(s.server->tickets_before_client_finished);  // the default
  auto p = make_pair(s.client, s.server);
  ASSERT_TRUE(p.client.pump());
  p.transfer();
  ASSERT_TRUE(p.server.pump());
  const auto flight = records_of(p.server.out.data());
  ASSERT_GE(flight.size(), 3u);  // ServerHello, the protected flight, the tickets
  EXPECT_EQ(open_handshake_record(flight.back().wire, (*s.slog)["SERVER_TRAFFIC_SECRET_0"], 0).size(), 2u);
  p.server.out.clear();
  byte_vec fin = {std::byte{20}, std::byte{0}, std::byte{0}, std::byte{32}};
  fin.resize(4 + 32, std::byte{0x5a});
  const auto rec = seal(content_type::handshake, fin, (*s.slog)["CLIENT_HANDSHAKE_TRAFFIC_SECRET"]);
  p.server.inbox.insert(p.server.inbox.end(), rec.begin(), rec.end());
  EXPECT_FALSE(p.server.pump());
  EXPECT_EQ(p.server.error, make_error_code(protocol_errc::decrypt_error));
  EXPECT_FALSE(p.server.done);
  // The alert goes under our application key, the one in use since the flight.
  const auto alert = records_of(p.server.out.data());
  ASSERT_EQ(alert.size(), 1u);
  EXPECT_EQ(alert[0].type, content_type::application_data);
}

// ================================================================== 0-RTT acceptance (§4.2.10, §8)

// The ticket's ALPN must be the one selected now; otherwise 1-RTT on the same PSK. The server
// reports the SNI of the resumption ClientHello (§4.6.1).
TEST(ZeroRttChecks, EarlyDataNeedsTheTicketsAlpn) {
  setup s;
  s.client->alpn = {"h2"};
  s.server->alpn = {"h2"};
  s.prime();
  s.client->alpn = {"h2", "http/1.1"};
  s.server->alpn = {"http/1.1", "h2"};  // the server's preference wins: http/1.1
  auto p = s.start("early");
  ASSERT_TRUE(p.client.conn->can_write_early());  // the ticket's ALPN is among the client's
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_EQ(p.server.conn->info().alpn, "http/1.1");
  EXPECT_TRUE(p.server.conn->info().resumed);
  EXPECT_FALSE(p.server.conn->info().early_data_accepted);
  EXPECT_FALSE(p.client.conn->info().early_data_accepted);
  EXPECT_EQ(p.server.received, "");
  EXPECT_EQ(p.server.conn->info().server_name, "localhost");
}

// The ticket's cipher suite must be the one selected now (same hash is enough for the PSK only).
TEST(ZeroRttChecks, EarlyDataNeedsTheTicketsCipherSuite) {
  setup s;
  s.client->cipher_suites = {cipher_suite::aes_128_gcm_sha256, cipher_suite::chacha20_poly1305_sha256};
  s.server->cipher_suites = {cipher_suite::aes_128_gcm_sha256};
  s.prime();
  s.server->cipher_suites = {cipher_suite::chacha20_poly1305_sha256, cipher_suite::aes_128_gcm_sha256};
  auto p = s.start("early");
  ASSERT_TRUE(p.client.conn->can_write_early());
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_EQ(p.server.conn->info().suite, cipher_suite::chacha20_poly1305_sha256);
  EXPECT_TRUE(p.server.conn->info().resumed);
  EXPECT_FALSE(p.server.conn->info().early_data_accepted);
  EXPECT_EQ(p.server.received, "");
}

// E.5: 0-RTT is never on unless asked for, on either side.
TEST(ZeroRttChecks, OffUnlessTheApplicationAsks) {
  EXPECT_FALSE(client_config{}.enable_early_data);
  EXPECT_EQ(server_config{}.max_early_data, 0u);
  setup s;
  s.server->max_early_data = server_config{}.max_early_data;
  s.prime();
  EXPECT_FALSE(s.start("early").client.conn->can_write_early());
}

// The client's first flight (ClientHello + early data), captured to be replayed.
byte_vec first_flight(setup& s) {
  auto p = s.start("replay me");
  return {p.client.out.data().begin(), p.client.out.data().end()};
}

struct delivery {
  bool ok;
  bool early_taken;
  bool resumed;
  bool answered;
};

delivery deliver(const setup& s, const byte_vec& flight) {
  auto srv = s.fresh_server();
  srv.inbox = flight;
  const bool ok = srv.pump();
  return {ok, srv.received == "replay me", srv.conn->info().resumed, srv.out.size() > 0};
}

// §8.2: with a store that has false positives (a Bloom filter), an apparent replay gets 0-RTT
// refused but the handshake must not be aborted.
TEST(ZeroRttReplay, AReplayIsAnsweredIn1RttNotAborted) {
  setup s;
  s.prime();
  const auto flight = first_flight(s);
  const auto first = deliver(s, flight);
  EXPECT_TRUE(first.ok && first.early_taken);
  const auto again = deliver(s, flight);
  EXPECT_TRUE(again.ok);
  EXPECT_FALSE(again.early_taken);
  EXPECT_TRUE(again.resumed);
  EXPECT_TRUE(again.answered);
}

// §8: "The server MUST ensure that any instance of it ... would accept 0-RTT for the same 0-RTT
// handshake at most once". With the defaults (10 s age tolerance, 10 s Bloom window) a ClientHello
// whose ticket age runs 8 s ahead of the server's view is fresh for 18 s after it first arrives,
// but the Bloom filter may forget it after 10 s: the same flight is taken twice.
TEST(ZeroRttReplay, AClientHelloIsTakenOnceWhileItsAgeIsAccepted) {
  // §8: the same 0-RTT ClientHello is taken at most once. The age check is one-sided (a client's
  // age is at most ours + 1 s, at least ours - tolerance), so a flight passes it for tolerance + 1 s;
  // the default Bloom filter remembers an id for at least its window (20 s). Worst case here: the id
  // lands in a generation about to rotate, and the replay comes as late as the age check allows.
  setup s;
  auto bloom = make_bloom_anti_replay();  // default window
  s.server->anti_replay = bloom;          // default early_data_age_tolerance
  s.prime();
  const auto r = std::chrono::system_clock::now();
  (void)bloom->check_and_insert(bs("other 1"), r - 19s);  // the current generation is 19 s old
  const auto flight = first_flight(s);
  const auto first = deliver(s, flight);
  ASSERT_TRUE(first.ok && first.early_taken);
  (void)bloom->check_and_insert(bs("other 2"), r + 1200ms);  // rotation: our id is now "previous"
  s.server_ms->store(9900);                                  // 9.9 s later: still within the age tolerance
  const auto replay = deliver(s, flight);
  EXPECT_TRUE(replay.ok);
  EXPECT_FALSE(replay.early_taken);
  s.server_ms->store(11500);  // later still: the age check alone refuses it
  const auto late = deliver(s, flight);
  EXPECT_TRUE(late.ok);
  EXPECT_FALSE(late.early_taken);
}

// §4.2.10: a server refusing 0-RTT skips records that fail to decrypt "up to the configured
// max_early_data_size". With max_early_data = 100000 a client may send 100000 bytes; they must be
// skipped and the handshake go on in 1-RTT.
TEST(ZeroRttRefused, EarlyDataUpToMaxEarlyDataIsSkipped) {
  setup s;
  s.server->max_early_data = 100000;
  s.prime();
  s.server_ms->store(30000);  // the ticket age is now 30 s off: 0-RTT refused, PSK kept
  auto p = s.start(std::string(100000, 'e'));
  // BUG: the skip budget is limits::max_skipped_early_data (64 KiB of ciphertext), not
  // max_early_data: the fourth early record is decrypted, fails, and the server sends bad_record_mac.
  ASSERT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
  EXPECT_TRUE(p.server.conn->info().resumed);
  EXPECT_FALSE(p.server.conn->info().early_data_accepted);
  EXPECT_EQ(p.server.received, "");
}

}  // namespace
}  // namespace tls13
