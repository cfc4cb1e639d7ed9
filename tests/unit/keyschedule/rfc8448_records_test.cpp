// RFC 8448 §3-§7 end to end from the wire: the traffic keys the key schedule derives must open
// every protected record in the traces. Everything is computed from the record bytes themselves:
// the transcript from the (decrypted) handshake payloads, the (EC)DHE shared secret from the
// client's trace private key and the ServerHello key_share, the §4 PSK from the NewSessionTicket
// inside §3's encrypted record. The trace's own key/iv/secret values are only compared with, never
// used as inputs (rfc8448_flow.cpp checks each of those one by one; the record tests in
// tests/unit/record take their keys from the trace, so this is what ties the two together).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "keyschedule/finished.hpp"
#include "keyschedule/key_schedule.hpp"
#include "keyschedule/transcript.hpp"
#include "rfc8448.hpp"
#include "test_support.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/errors.hpp"

namespace tls13::keyschedule {
namespace {

using tls13::test::byte_vec;
using tls13::test::hex;
using tls13::test::view;

constexpr auto sha256 = crypto::hash_alg::sha256;
// Every RFC 8448 handshake negotiates TLS_AES_128_GCM_SHA256.
constexpr auto aes128 = crypto::aead_alg::aes_128_gcm;

// One "send ... record" step of a trace.
struct trace_record {
  std::string actor;  // "client" | "server"
  std::string kind;   // "handshake" | "application_data" | "alert" | "change_cipher_spec"
  byte_vec payload;   // the plaintext content
  byte_vec wire;      // the complete record as sent
};

std::vector<trace_record> records_of(int section) {
  static const nlohmann::json doc = tls13::test::load_json("rfc/rfc8448-traces.json");
  std::vector<trace_record> out;
  for (const auto& s : doc["sections"]) {
    if (s["section"].get<int>() != section) continue;
    for (const auto& st : s["steps"]) {
      const std::string step = st["step"].get<std::string>();
      const std::string head = "send ", tail = " record";
      if (step.rfind(head, 0) != 0 || step.size() <= head.size() + tail.size()) continue;
      if (step.compare(step.size() - tail.size(), tail.size(), tail) != 0) continue;
      trace_record r{st["actor"].get<std::string>(),
                     step.substr(head.size(), step.size() - head.size() - tail.size()),
                     {},
                     {}};
      for (const auto& v : st["values"]) {
        if (v["name"] == "payload") r.payload = tls13::test::unhex(v["hex"].get<std::string>());
        if (v["name"] == "complete record") r.wire = tls13::test::unhex(v["hex"].get<std::string>());
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::size_t be(bytes v, std::size_t at, std::size_t n) {
  if (at + n > v.size()) throw std::runtime_error("truncated structure in trace");
  std::size_t x = 0;
  for (std::size_t i = 0; i < n; ++i) x = x << 8 | static_cast<std::size_t>(v[at + i]);
  return x;
}

// The handshake messages (header included) that make up a handshake record payload.
std::vector<byte_vec> split_messages(const byte_vec& payload) {
  std::vector<byte_vec> out;
  for (std::size_t p = 0; p < payload.size();) {
    const std::size_t n = 4 + be(view(payload), p + 1, 3);
    if (p + n > payload.size()) throw std::runtime_error("handshake message spans records");
    out.emplace_back(payload.begin() + static_cast<std::ptrdiff_t>(p),
                     payload.begin() + static_cast<std::ptrdiff_t>(p + n));
    p += n;
  }
  return out;
}

// Offset (in the message) of the extension of `type` in a ClientHello or ServerHello, pointing at
// its extension_type field; nullopt when absent.
std::optional<std::size_t> find_extension(const byte_vec& msg, std::uint16_t type) {
  const bytes m = view(msg);
  std::size_t p = 4 + 2 + 32;  // header, legacy_version, random
  p += 1 + be(m, p, 1);        // legacy_session_id(_echo)
  if (msg[0] == static_cast<std::byte>(handshake_type::client_hello)) {
    p += 2 + be(m, p, 2);  // cipher_suites
    p += 1 + be(m, p, 1);  // legacy_compression_methods
  } else {
    p += 2 + 1;  // cipher_suite, legacy_compression_method
  }
  const std::size_t end = p + 2 + be(m, p, 2);
  for (p += 2; p < end; p += 4 + be(m, p + 2, 2))
    if (be(m, p, 2) == type) return p;
  return std::nullopt;
}

// The protection of one sender's records under one traffic secret at a time (RFC 8446 §5.2, §5.3).
class record_opener {
 public:
  void use(const traffic_secret& s) {
    auto k = s.keys(aes128);
    ASSERT_TRUE(k) << k.error().message();
    ASSERT_EQ(k->key.size(), 16u);
    ASSERT_EQ(k->iv.size(), crypto::aead_nonce_size);
    auto c = crypto::aead_ctx::create(aes128, crypto::direction::open, k->key.view());
    ASSERT_TRUE(c) << c.error().message();
    ctx_.emplace(std::move(*c));
    iv_ = std::move(k->iv);
    seq_ = 0;
    ++epochs_;
  }
  // TLSInnerPlaintext of one protected record; an empty vector when it does not open.
  byte_vec open(const byte_vec& wire) {
    if (!ctx_ || wire.size() < 5) return {};
    std::array<std::byte, crypto::aead_nonce_size> nonce{};
    for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = iv_.view()[i];
    for (std::size_t i = 0; i < 8; ++i)  // padded sequence number XOR iv
      nonce[nonce.size() - 1 - i] ^= static_cast<std::byte>(seq_ >> (8 * i) & 0xff);
    byte_vec body(wire.begin() + 5, wire.end());
    auto n = ctx_->open(nonce, view(wire).first(5), body);  // additional_data = the record header
    if (!n) return {};
    ++seq_;
    body.resize(*n);
    return body;
  }
  int epochs() const { return epochs_; }

 private:
  std::optional<crypto::aead_ctx> ctx_;
  secret iv_;
  std::uint64_t seq_ = 0;
  int epochs_ = 0;
};

struct walk_result {
  int opened = 0;         // protected records opened
  int client_epochs = 0;  // traffic secrets the client's records were read under
  int server_epochs = 0;
  bool handshake_done = false;
  secret resumption_psk;  // from the (first) NewSessionTicket, if any
};

// Plays the receiving side of every record of one section.
class section_walk {
 public:
  section_walk(int section, const secret* psk) : section_(section), psk_(psk) {}
  void run(walk_result& out);

 private:
  std::string at(const std::string& what) const {
    return "RFC 8448 §" + std::to_string(section_) + ": " + what;
  }
  byte_vec trace(const std::string& actor, const std::string& step, const std::string& name,
                 std::size_t i = 0) {
    return tls13::test::rfc8448_value(section_, actor, step, name, i);
  }
  void add(const byte_vec& m) { ASSERT_TRUE(transcript_->update(view(m))); }
  crypto::digest now() {
    auto d = transcript_->current();
    EXPECT_TRUE(d);
    return d ? *d : crypto::digest{};
  }
  void expect_hash(const crypto::digest& d, const std::string& actor, const std::string& step) {
    EXPECT_EQ(hex(d.view()), hex(view(trace(actor, step, "hash")))) << at(step);
  }

  void on_record(const trace_record& r, walk_result& out);
  void on_message(const std::string& actor, const byte_vec& m, walk_result& out);
  void client_hello(const byte_vec& m);
  void check_binder(const byte_vec& m);
  void server_hello(const byte_vec& m);
  void server_finished(const byte_vec& m);
  void client_finished(const byte_vec& m, walk_result& out);
  void new_session_ticket(const byte_vec& m, walk_result& out);

  int section_;
  const secret* psk_;
  std::optional<crypto::transcript_hash> transcript_;
  int hello_retries_ = 0;
  std::optional<early_secret> early_;
  std::optional<handshake_secret> hs_;
  std::optional<master_secret> ms_;
  std::optional<traffic_secret> c_hs_, s_hs_, c_ap_, s_ap_;
  std::optional<resumption_master_secret> res_;
  record_opener client_, server_;
  bool handshake_done_ = false;
};

void section_walk::client_hello(const byte_vec& m) {
  if (!transcript_) {
    auto t = crypto::transcript_hash::create(sha256);
    ASSERT_TRUE(t);
    transcript_.emplace(std::move(*t));
  }
  auto es = psk_ ? early_secret::from_psk(sha256, psk_->view()) : early_secret::create(sha256);
  ASSERT_TRUE(es);
  early_.emplace(std::move(*es));
  if (psk_) check_binder(m);
  add(m);
  if (!psk_) return;
  // 0-RTT: the client's next records are protected with client_early_traffic_secret.
  const crypto::digest ch = now();
  expect_hash(ch, "client", "derive secret \"tls13 c e traffic\"");
  auto cet = early_->client_early_traffic(ch);
  ASSERT_TRUE(cet);
  client_.use(*cet);
}

// §4.2.11.2: the binder is an HMAC over Truncate(ClientHello), up to the binders list.
void section_walk::check_binder(const byte_vec& m) {
  const auto psk_ext = find_extension(m, 41);
  ASSERT_TRUE(psk_ext) << at("no pre_shared_key extension");
  const std::size_t ext_end = *psk_ext + 4 + be(view(m), *psk_ext + 2, 2);
  ASSERT_EQ(ext_end, m.size()) << at("pre_shared_key must be the last extension");
  const std::size_t binders = *psk_ext + 4 + 2 + be(view(m), *psk_ext + 4, 2);
  auto th = crypto::hash(sha256, view(m).first(binders));
  ASSERT_TRUE(th);
  EXPECT_EQ(hex(th->view()), hex(view(trace("client", "calculate PSK binder", "binder hash"))))
      << at("binder hash");
  auto key = early_->binder(psk_kind::resumption);
  ASSERT_TRUE(key);
  // PskBinderEntry binders<33..2^16-1>, one opaque PskBinderEntry<32..255>.
  ASSERT_EQ(be(view(m), binders, 2) + binders + 2, m.size());
  const std::size_t len = be(view(m), binders + 2, 1);
  const bytes sent = view(m).subspan(binders + 3, len);
  ASSERT_EQ(binders + 3 + len, m.size());
  auto binder = psk_binder(*key, *th);
  ASSERT_TRUE(binder);
  EXPECT_EQ(hex(binder->view()), hex(sent)) << at("binder");
  EXPECT_TRUE(verify_psk_binder(*key, *th, sent)) << at("server-side binder check");
}

void section_walk::server_hello(const byte_vec& m) {
  // §4.1.3: a HelloRetryRequest is a ServerHello whose random is SHA-256("HelloRetryRequest").
  auto hrr_random = crypto::hash(sha256, view(std::string_view("HelloRetryRequest")));
  ASSERT_TRUE(hrr_random);
  const auto key_share = find_extension(m, 51);
  ASSERT_TRUE(key_share) << at("no key_share in ServerHello");
  if (hex(view(m).subspan(6, 32)) == hex(hrr_random->view())) {
    // §4.4.1: ClientHello1 is replaced by message_hash(Hash(ClientHello1)).
    auto rewritten = transcript_after_hello_retry(sha256, now());
    ASSERT_TRUE(rewritten);
    transcript_.emplace(std::move(*rewritten));
    add(m);
    ++hello_retries_;
    return;
  }
  add(m);
  // KeyShareEntry server_share: group(2) key_exchange<1..2^16-1>
  const auto group = static_cast<named_group>(be(view(m), *key_share + 4, 2));
  const bytes share = view(m).subspan(*key_share + 8, be(view(m), *key_share + 6, 2));
  const byte_vec priv = trace("client", "create an ephemeral", "private key", hello_retries_);
  auto kx = key_exchange_from_private(group, view(priv));
  ASSERT_TRUE(kx) << kx.error().message();
  auto shared = (*kx)->complete(share);
  ASSERT_TRUE(shared) << shared.error().message();
  EXPECT_EQ(hex(shared->view()), hex(view(trace("server", "extract secret \"handshake\"", "IKM"))))
      << at("(EC)DHE shared secret");
  auto hs = std::move(*early_).into_handshake_secret(shared->view());
  ASSERT_TRUE(hs);
  hs_.emplace(std::move(*hs));
  const crypto::digest ch_sh = now();
  expect_hash(ch_sh, "server", "derive secret \"tls13 c hs traffic\"");
  auto c = hs_->client_handshake_traffic(ch_sh);
  auto s = hs_->server_handshake_traffic(ch_sh);
  ASSERT_TRUE(c && s);
  c_hs_.emplace(std::move(*c));
  s_hs_.emplace(std::move(*s));
  server_.use(*s_hs_);
  if (!psk_) client_.use(*c_hs_);  // with 0-RTT the client switches after EndOfEarlyData
}

void section_walk::server_finished(const byte_vec& m) {
  const crypto::digest th = now();
  EXPECT_TRUE(verify_finished(*s_hs_, th, view(m).subspan(4))) << at("server Finished");
  add(m);
  auto ms = std::move(*hs_).into_master_secret();
  ASSERT_TRUE(ms);
  ms_.emplace(std::move(*ms));
  const crypto::digest ch_sf = now();
  expect_hash(ch_sf, "server", "derive secret \"tls13 s ap traffic\"");
  auto c = ms_->client_application_traffic(ch_sf);
  auto s = ms_->server_application_traffic(ch_sf);
  ASSERT_TRUE(c && s);
  c_ap_.emplace(std::move(*c));
  s_ap_.emplace(std::move(*s));
  server_.use(*s_ap_);
}

void section_walk::client_finished(const byte_vec& m, walk_result& out) {
  const crypto::digest th = now();
  EXPECT_TRUE(verify_finished(*c_hs_, th, view(m).subspan(4))) << at("client Finished");
  EXPECT_EQ(verify_finished(*s_hs_, th, view(m).subspan(4)).error(),
            make_error_code(protocol_errc::decrypt_error));
  add(m);
  const crypto::digest ch_cf = now();
  expect_hash(ch_cf, "client", "derive secret \"tls13 res master\"");
  auto res = ms_->resumption(ch_cf);
  ASSERT_TRUE(res);
  res_.emplace(std::move(*res));
  client_.use(*c_ap_);
  handshake_done_ = out.handshake_done = true;
}

// struct { uint32 ticket_lifetime; uint32 ticket_age_add; opaque ticket_nonce<0..255>; ... }
void section_walk::new_session_ticket(const byte_vec& m, walk_result& out) {
  ASSERT_TRUE(res_) << at("NewSessionTicket before the client Finished");
  const std::size_t nonce_len = be(view(m), 4 + 8, 1);
  auto psk = res_->resumption_psk(view(m).subspan(4 + 8 + 1, nonce_len));
  ASSERT_TRUE(psk);
  const std::string g = "generate resumption secret \"tls13 resumption\"";
  EXPECT_EQ(hex(psk->view()), hex(view(trace("server", g, "expanded")))) << at("resumption PSK");
  if (out.resumption_psk.empty()) out.resumption_psk = std::move(*psk);
}

void section_walk::on_message(const std::string& actor, const byte_vec& m, walk_result& out) {
  const auto type = static_cast<handshake_type>(m.at(0));
  const bool client = actor == "client";
  switch (type) {
    case handshake_type::client_hello:
      return client_hello(m);
    case handshake_type::server_hello:
      return server_hello(m);
    case handshake_type::new_session_ticket:
      return new_session_ticket(m, out);
    case handshake_type::end_of_early_data:
      add(m);
      return client_.use(*c_hs_);
    case handshake_type::finished:
      return client ? client_finished(m, out) : server_finished(m);
    default:
      ASSERT_FALSE(handshake_done_) << at("unexpected post-handshake message");
      return add(m);
  }
}

void section_walk::on_record(const trace_record& r, walk_result& out) {
  ASSERT_GE(r.wire.size(), 5u);
  if (r.kind == "change_cipher_spec") {  // §7 compatibility mode: not protected, not hashed
    EXPECT_EQ(hex(view(r.wire)), "140303000101") << at("change_cipher_spec");
    return;
  }
  byte_vec content;
  if (r.wire[0] == static_cast<std::byte>(content_type::handshake)) {
    content.assign(r.wire.begin() + 5, r.wire.end());
  } else {
    ASSERT_EQ(r.wire[0], static_cast<std::byte>(content_type::application_data)) << at(r.kind);
    byte_vec inner = (r.actor == "client" ? client_ : server_).open(r.wire);
    ASSERT_FALSE(inner.empty()) << at(r.actor + " " + r.kind + " record does not open");
    ++out.opened;
    while (!inner.empty() && inner.back() == std::byte{0}) inner.pop_back();  // padding
    ASSERT_FALSE(inner.empty());
    const auto inner_type = static_cast<content_type>(inner.back());
    inner.pop_back();
    const content_type expected = r.kind == "handshake" ? content_type::handshake
                                  : r.kind == "alert"   ? content_type::alert
                                                        : content_type::application_data;
    EXPECT_EQ(inner_type, expected) << at(r.kind);
    content = std::move(inner);
  }
  EXPECT_EQ(hex(view(content)), hex(view(r.payload))) << at(r.actor + " " + r.kind + " payload");
  if (r.kind != "handshake") return;
  for (const auto& m : split_messages(content)) {
    on_message(r.actor, m, out);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

void section_walk::run(walk_result& out) {
  const auto records = records_of(section_);
  ASSERT_FALSE(records.empty());
  for (const auto& r : records) {
    on_record(r, out);
    if (::testing::Test::HasFatalFailure()) return;
  }
  out.client_epochs = client_.epochs();
  out.server_epochs = server_.epochs();
}

walk_result walk(int section, const secret* psk = nullptr) {
  walk_result out;
  section_walk(section, psk).run(out);
  return out;
}

// Protected records per section, counted from the trace listing (RFC 8448):
//   §3: server EE..Finished, client Finished, NewSessionTicket, 2 application data, 2 alerts = 7
//   §4: early data, EndOfEarlyData, server EE+Finished, client Finished, 2 application data, 2 alerts = 8
//   §5, §6, §7: server flight, client flight, 2 alerts = 4
TEST(Rfc8448Records, Section3OpensEveryRecordWithDerivedKeys) {
  const walk_result r = walk(3);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(r.handshake_done);
  EXPECT_EQ(r.opened, 7);
  EXPECT_EQ(r.client_epochs, 2);  // handshake, application
  EXPECT_EQ(r.server_epochs, 2);
  EXPECT_EQ(r.resumption_psk.size(), 32u);
}

TEST(Rfc8448Records, Section4ResumesWithThePskFromSection3Ticket) {
  const walk_result s3 = walk(3);
  ASSERT_FALSE(HasFatalFailure());
  const walk_result r = walk(4, &s3.resumption_psk);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(r.handshake_done);
  EXPECT_EQ(r.opened, 8);
  EXPECT_EQ(r.client_epochs, 3);  // early, handshake, application
  EXPECT_EQ(r.server_epochs, 2);
}

TEST(Rfc8448Records, Section5HelloRetryRequest) {
  const walk_result r = walk(5);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(r.handshake_done);
  EXPECT_EQ(r.opened, 4);
}

TEST(Rfc8448Records, Section6ClientAuthentication) {
  const walk_result r = walk(6);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(r.handshake_done);
  EXPECT_EQ(r.opened, 4);
}

TEST(Rfc8448Records, Section7CompatibilityMode) {
  const walk_result r = walk(7);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(r.handshake_done);
  EXPECT_EQ(r.opened, 4);
}

// Keys of the wrong direction or the wrong epoch do not open a record: the walk above cannot pass
// by accident of a permissive opener.
TEST(Rfc8448Records, WrongTrafficSecretDoesNotOpen) {
  const auto records = records_of(3);
  const trace_record* server_flight = nullptr;
  for (const auto& r : records)
    if (r.actor == "server" && r.kind == "handshake" && r.wire.at(0) == std::byte{23}) {
      server_flight = &r;
      break;
    }
  ASSERT_NE(server_flight, nullptr);
  auto es = early_secret::create(sha256);
  ASSERT_TRUE(es);
  const byte_vec ikm = tls13::test::rfc8448_value(3, "server", "extract secret \"handshake\"", "IKM");
  auto hs = std::move(*es).into_handshake_secret(view(ikm));
  ASSERT_TRUE(hs);
  const byte_vec ch = tls13::test::rfc8448_value(3, "client", "construct a ClientHello", "ClientHello");
  const byte_vec sh = tls13::test::rfc8448_value(3, "server", "construct a ServerHello", "ServerHello");
  auto t = crypto::transcript_hash::create(sha256);
  ASSERT_TRUE(t && t->update(view(ch)) && t->update(view(sh)));
  auto th = t->current();
  ASSERT_TRUE(th);
  auto c = hs->client_handshake_traffic(*th);
  auto s = hs->server_handshake_traffic(*th);
  ASSERT_TRUE(c && s);
  record_opener wrong, right;
  wrong.use(*c);
  right.use(*s);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(wrong.open(server_flight->wire).empty());
  EXPECT_FALSE(right.open(server_flight->wire).empty());
  // The next generation (KeyUpdate) does not open generation 0's record either.
  auto next = std::move(*s).next();
  ASSERT_TRUE(next);
  record_opener updated;
  updated.use(*next);
  EXPECT_TRUE(updated.open(server_flight->wire).empty());
}

}  // namespace
}  // namespace tls13::keyschedule
