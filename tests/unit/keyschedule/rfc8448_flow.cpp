// The RFC 8448 key-schedule walk shared by the keyschedule tests (see rfc8448_flow.hpp).
#include "rfc8448_flow.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "keyschedule/finished.hpp"
#include "keyschedule/hkdf_label.hpp"
#include "keyschedule/transcript.hpp"
#include "tls13/errors.hpp"

namespace tls13::keyschedule::test {
namespace {

using tls13::test::hex;
using tls13::test::unhex;
using tls13::test::view;

constexpr auto sha256 = crypto::hash_alg::sha256;
// Every RFC 8448 handshake negotiates TLS_AES_128_GCM_SHA256.
constexpr auto aes128 = crypto::aead_alg::aes_128_gcm;

const nlohmann::json& trace_doc() {
  static const nlohmann::json doc = tls13::test::load_json("rfc/rfc8448-traces.json");
  return doc;
}

std::size_t be(const byte_vec& v, std::size_t at, std::size_t n) {
  if (at + n > v.size()) throw std::runtime_error("truncated message in trace");
  std::size_t x = 0;
  for (std::size_t i = 0; i < n; ++i) x = x << 8 | static_cast<std::size_t>(v[at + i]);
  return x;
}

// Offset of the binders list in a ClientHello whose last extension is pre_shared_key (§4.2.11.2:
// the binder covers everything up to and including PreSharedKeyExtension.identities).
std::size_t binders_offset(const byte_vec& ch) {
  std::size_t p = 4 + 2 + 32;  // handshake header, legacy_version, random
  p += 1 + be(ch, p, 1);       // legacy_session_id
  p += 2 + be(ch, p, 2);       // cipher_suites
  p += 1 + be(ch, p, 1);       // legacy_compression_methods
  const std::size_t end = p + 2 + be(ch, p, 2);
  p += 2;
  while (p < end) {
    const std::size_t type = be(ch, p, 2), len = be(ch, p + 2, 2);
    if (type == 41) {  // pre_shared_key
      if (p + 4 + len != ch.size()) throw std::runtime_error("pre_shared_key is not last");
      return p + 4 + 2 + be(ch, p + 4, 2);  // skip identities<7..2^16-1>
    }
    p += 4 + len;
  }
  throw std::runtime_error("no pre_shared_key extension");
}

class flow_runner {
 public:
  flow_runner(const section_flow& f, const secret* psk) : f_(f), psk_(psk) {}
  void run(section_result& out);

 private:
  std::string at(std::string_view what) const {
    return "RFC 8448 §" + std::to_string(f_.section) + ": " + std::string(what);
  }
  byte_vec value(std::string_view actor, std::string_view step, std::string_view name,
                 std::size_t i = 0) const {
    return trace_value(f_.section, actor, step, name, i);
  }
  // A handshake message from the trace, checked to be of type `t`.
  byte_vec message(std::string_view actor, std::string_view what, handshake_type t, std::size_t i = 0) const;
  void expect(bytes actual, std::string_view actor, std::string_view step, std::string_view name) const {
    EXPECT_EQ(hex(actual), hex(view(value(actor, step, name))))
        << at(std::string(step) + " / " + std::string(name));
  }
  void add(const byte_vec& m) { ASSERT_TRUE(t_->update(view(m))); }
  crypto::digest now() const {
    auto d = t_->current();
    EXPECT_TRUE(d);
    return d ? *d : crypto::digest{};
  }
  void expect_keys(const traffic_secret& s, std::string_view actor, std::string_view step) const;

  void client_hello();
  void early_phase();
  void binder_and_early_data();
  void handshake_phase();
  void master_phase();
  void server_flight();
  void application_secrets(section_result& out);
  void client_flight();
  void finished(const traffic_secret& base, const traffic_secret& other, std::string_view actor);
  void resumption(section_result& out);

  section_flow f_;
  const secret* psk_;
  std::optional<crypto::transcript_hash> t_;
  byte_vec client_hello_;  // the (last) full ClientHello
  std::optional<early_secret> early_;
  std::optional<handshake_secret> hs_;
  std::optional<master_secret> ms_;
  std::optional<traffic_secret> c_hs_, s_hs_;
  std::optional<early_exporter_master_secret> early_exporter_;
};

byte_vec flow_runner::message(std::string_view actor, std::string_view what, handshake_type t,
                              std::size_t i) const {
  const std::string article = (what[0] == 'E') ? "an " : "a ";
  byte_vec m = value(actor, "construct " + article + std::string(what) + " handshake message", what, i);
  EXPECT_EQ(m.at(0), static_cast<std::byte>(t)) << at(what);
  EXPECT_EQ(be(m, 1, 3) + 4, m.size()) << at(what);
  return m;
}

void flow_runner::expect_keys(const traffic_secret& s, std::string_view actor, std::string_view step) const {
  auto k = s.keys(aes128);
  ASSERT_TRUE(k) << k.error().message();
  EXPECT_EQ(k->aead, aes128);
  expect(s.view(), actor, step, "PRK");
  expect(k->key.view(), actor, step, "key expanded");
  expect(k->iv.view(), actor, step, "iv expanded");
}

void flow_runner::client_hello() {
  auto t = crypto::transcript_hash::create(sha256);
  ASSERT_TRUE(t);
  t_.emplace(std::move(*t));
  if (f_.resumed) {
    // In §4 "ClientHello" is the part before the binders; the full message is the record payload.
    client_hello_ = value("client", "send handshake record", "payload", 0);
    ASSERT_EQ(client_hello_.at(0), static_cast<std::byte>(handshake_type::client_hello));
    return;  // hashed after the binder check (early_phase / binder_and_early_data)
  }
  client_hello_ = message("client", "ClientHello", handshake_type::client_hello, 0);
  add(client_hello_);
  if (!f_.hello_retry) return;
  // §4.4.1: ClientHello1 is replaced by message_hash(Hash(ClientHello1)).
  const crypto::digest ch1 = now();
  auto synthetic = make_message_hash(sha256, ch1);
  ASSERT_TRUE(synthetic);
  EXPECT_EQ(hex(synthetic->view()), "fe000020" + hex(ch1.view())) << at("message_hash");
  auto rewritten = transcript_after_hello_retry(sha256, ch1);
  ASSERT_TRUE(rewritten);
  t_.emplace(std::move(*rewritten));
  add(message("server", "ServerHello", handshake_type::server_hello, 0));  // the HelloRetryRequest
  client_hello_ = message("client", "ClientHello", handshake_type::client_hello, 1);
  add(client_hello_);
}

void flow_runner::early_phase() {
  const char* actor = f_.resumed ? "client" : "server";
  const std::string step = "extract secret \"early\"";
  auto es = f_.resumed ? early_secret::from_psk(sha256, psk_->view()) : early_secret::create(sha256);
  ASSERT_TRUE(es) << es.error().message();
  // The trace's IKM is the PSK (§4: the §3 resumption PSK) or Hash.length zeros.
  EXPECT_EQ(hex(view(value(actor, step, "IKM"))), f_.resumed ? hex(psk_->view()) : std::string(64, '0'))
      << at("early IKM");
  expect(es->view(), actor, step, "secret");
  early_.emplace(std::move(*es));
}

void flow_runner::binder_and_early_data() {
  const std::string b = "calculate PSK binder";
  const std::size_t cut = binders_offset(client_hello_);
  const byte_vec truncated(client_hello_.begin(), client_hello_.begin() + static_cast<std::ptrdiff_t>(cut));
  EXPECT_EQ(hex(view(truncated)), hex(view(value("client", b, "ClientHello prefix")))) << at("Truncate(CH)");
  auto th = crypto::hash(sha256, view(truncated));
  ASSERT_TRUE(th);
  expect(th->view(), "client", b, "binder hash");
  auto bk = early_->binder(psk_kind::resumption);
  ASSERT_TRUE(bk);
  expect(bk->view(), "client", b, "PRK");
  auto fk = bk->finished_key();
  ASSERT_TRUE(fk);
  expect(fk->view(), "client", b, "expanded");
  auto binder = psk_binder(*bk, *th);
  ASSERT_TRUE(binder);
  expect(binder->view(), "client", b, "finished");
  // The binders list in the message: uint16 list length, uint8 entry length, the entry.
  ASSERT_EQ(be(client_hello_, cut, 2), 33u);
  ASSERT_EQ(be(client_hello_, cut + 2, 1), 32u);
  const bytes sent = view(client_hello_).subspan(cut + 3);
  EXPECT_EQ(hex(sent), hex(binder->view())) << at("binder in ClientHello");
  EXPECT_TRUE(verify_psk_binder(*bk, *th, sent));
  // "ext binder" would give another binder: external and resumption PSKs cannot be swapped.
  auto ext = early_->binder(psk_kind::external);
  ASSERT_TRUE(ext);
  EXPECT_EQ(verify_psk_binder(*ext, *th, sent).error(), make_error_code(protocol_errc::decrypt_error));

  add(client_hello_);  // the full ClientHello is in every other transcript
  const crypto::digest ch = now();
  const std::string cet = "derive secret \"tls13 c e traffic\"", eem = "derive secret \"tls13 e exp master\"";
  expect(ch.view(), "client", cet, "hash");
  expect(ch.view(), "client", eem, "hash");
  auto early_traffic = early_->client_early_traffic(ch);
  ASSERT_TRUE(early_traffic);
  expect(early_traffic->view(), "client", cet, "expanded");
  expect_keys(*early_traffic, "client", "derive write traffic keys for early application data");
  auto eexp = early_->early_exporter(ch);
  ASSERT_TRUE(eexp);
  expect(eexp->view(), "client", eem, "expanded");
  early_exporter_.emplace(std::move(*eexp));
}

void flow_runner::handshake_phase() {
  const std::string d = "derive secret for handshake \"tls13 derived\"", x = "extract secret \"handshake\"";
  auto empty = crypto::hash(sha256, {});
  ASSERT_TRUE(empty);
  expect(empty->view(), "server", d, "hash");
  auto derived = derive_secret_empty(sha256, early_->view(), "derived");
  ASSERT_TRUE(derived);
  expect(derived->view(), "server", d, "expanded");
  expect(derived->view(), "server", x, "salt");
  // The (EC)DHE shared secret is an input here (computing it is lib/crypto's business).
  const byte_vec ecdhe = value("server", x, "IKM");
  auto hs = std::move(*early_).into_handshake_secret(view(ecdhe));
  ASSERT_TRUE(hs) << hs.error().message();
  EXPECT_FALSE(early_->valid()) << at("the early secret is consumed");
  expect(hs->view(), "server", x, "secret");
  hs_.emplace(std::move(*hs));

  add(message("server", "ServerHello", handshake_type::server_hello, f_.hello_retry ? 1 : 0));
  const crypto::digest ch_sh = now();
  const std::string c = "derive secret \"tls13 c hs traffic\"", s = "derive secret \"tls13 s hs traffic\"";
  expect(ch_sh.view(), "server", c, "hash");
  expect(ch_sh.view(), "server", s, "hash");
  auto chs = hs_->client_handshake_traffic(ch_sh);
  auto shs = hs_->server_handshake_traffic(ch_sh);
  ASSERT_TRUE(chs && shs);
  expect(chs->view(), "server", c, "expanded");
  expect(shs->view(), "server", s, "expanded");
  expect_keys(*shs, "server", "derive write traffic keys for handshake data");
  if (f_.resumed)
    expect_keys(*chs, "client", "derive write traffic keys for handshake data");
  else
    expect_keys(*chs, "server", "derive read traffic keys for handshake data");
  c_hs_.emplace(std::move(*chs));
  s_hs_.emplace(std::move(*shs));
}

void flow_runner::master_phase() {
  const std::string d = "derive secret for master \"tls13 derived\"", x = "extract secret \"master\"";
  auto derived = derive_secret_empty(sha256, hs_->view(), "derived");
  ASSERT_TRUE(derived);
  expect(derived->view(), "server", d, "expanded");
  expect(derived->view(), "server", x, "salt");
  EXPECT_EQ(hex(view(value("server", x, "IKM"))), std::string(64, '0')) << at("master IKM is 0");
  auto ms = std::move(*hs_).into_master_secret();
  ASSERT_TRUE(ms);
  EXPECT_FALSE(hs_->valid()) << at("the handshake secret is consumed");
  expect(ms->view(), "server", x, "secret");
  ms_.emplace(std::move(*ms));
}

// Checks one Finished against the trace (finished key, verify_data, message body), then hashes it.
void flow_runner::finished(const traffic_secret& base, const traffic_secret& other, std::string_view actor) {
  const crypto::digest th = now();
  const std::string step = "calculate finished \"tls13 finished\"";
  expect(base.view(), actor, step, "PRK");
  auto fk = base.finished_key();
  auto vd = finished_verify_data(base, th);
  ASSERT_TRUE(fk && vd);
  expect(fk->view(), actor, step, "expanded");
  expect(vd->view(), actor, step, "finished");
  const byte_vec fin = message(actor, "Finished", handshake_type::finished);
  const bytes body = view(fin).subspan(4);
  EXPECT_EQ(hex(body), hex(vd->view())) << at(std::string(actor) + " Finished body");
  EXPECT_TRUE(verify_finished(base, th, body)) << at(std::string(actor) + " Finished verifies");
  // The other side's key does not verify it.
  EXPECT_EQ(verify_finished(other, th, body).error(), make_error_code(protocol_errc::decrypt_error));
  add(fin);
}

void flow_runner::server_flight() {
  add(message("server", "EncryptedExtensions", handshake_type::encrypted_extensions));
  if (f_.client_auth) add(message("server", "CertificateRequest", handshake_type::certificate_request));
  if (!f_.resumed) {
    add(message("server", "Certificate", handshake_type::certificate));
    add(message("server", "CertificateVerify", handshake_type::certificate_verify));
  }
  finished(*s_hs_, *c_hs_, "server");
}

void flow_runner::application_secrets(section_result& out) {
  const crypto::digest th = now();
  const std::string c = "derive secret \"tls13 c ap traffic\"", s = "derive secret \"tls13 s ap traffic\"",
                    e = "derive secret \"tls13 exp master\"";
  for (const auto& step : {c, s, e}) expect(th.view(), "server", step, "hash");
  auto cap = ms_->client_application_traffic(th);
  auto sap = ms_->server_application_traffic(th);
  auto exp = ms_->exporter(th);
  ASSERT_TRUE(cap && sap && exp);
  expect(cap->view(), "server", c, "expanded");
  expect(sap->view(), "server", s, "expanded");
  expect(exp->view(), "server", e, "expanded");
  expect_keys(*sap, "server", "derive write traffic keys for application data");
  expect_keys(*cap, "client", "derive write traffic keys for application data");
  out.client_application.emplace(std::move(*cap));
  out.server_application.emplace(std::move(*sap));
  out.exporter.emplace(std::move(*exp));
  if (early_exporter_) out.early_exporter.emplace(std::move(*early_exporter_));
}

void flow_runner::client_flight() {
  if (f_.resumed) add(message("client", "EndOfEarlyData", handshake_type::end_of_early_data));
  if (f_.client_auth) {
    add(message("client", "Certificate", handshake_type::certificate));
    add(message("client", "CertificateVerify", handshake_type::certificate_verify));
  }
  finished(*c_hs_, *s_hs_, "client");
}

void flow_runner::resumption(section_result& out) {
  const crypto::digest th = now();
  const std::string r = "derive secret \"tls13 res master\"";
  expect(th.view(), "client", r, "hash");
  auto rms = ms_->resumption(th);
  ASSERT_TRUE(rms);
  expect(rms->view(), "client", r, "expanded");
  if (f_.section != 3) return;
  // NewSessionTicket: ticket_lifetime(4) ticket_age_add(4) ticket_nonce<0..255> ...
  const byte_vec nst = message("server", "NewSessionTicket", handshake_type::new_session_ticket);
  const std::size_t nonce_len = be(nst, 4 + 8, 1);
  const bytes nonce = view(nst).subspan(4 + 8 + 1, nonce_len);
  const std::string g = "generate resumption secret \"tls13 resumption\"";
  expect(nonce, "server", g, "hash");
  expect(rms->view(), "server", g, "PRK");
  auto psk = rms->resumption_psk(nonce);
  ASSERT_TRUE(psk);
  expect(psk->view(), "server", g, "expanded");
  out.resumption_psk = std::move(*psk);
}

void flow_runner::run(section_result& out) {
  for (auto step : {&flow_runner::client_hello, &flow_runner::early_phase}) {
    (this->*step)();
    if (::testing::Test::HasFatalFailure()) return;
  }
  if (f_.resumed) binder_and_early_data();
  if (::testing::Test::HasFatalFailure()) return;
  for (auto step : {&flow_runner::handshake_phase, &flow_runner::master_phase, &flow_runner::server_flight}) {
    (this->*step)();
    if (::testing::Test::HasFatalFailure()) return;
  }
  application_secrets(out);
  if (::testing::Test::HasFatalFailure()) return;
  client_flight();
  if (::testing::Test::HasFatalFailure()) return;
  resumption(out);
}

}  // namespace

byte_vec trace_value(int section, std::string_view actor, std::string_view step, std::string_view name,
                     std::size_t index) {
  std::size_t seen = 0;
  for (const auto& s : trace_doc()["sections"]) {
    if (s["section"].get<int>() != section) continue;
    for (const auto& st : s["steps"]) {
      if (st["actor"].get<std::string>() != actor || st["step"].get<std::string>() != step) continue;
      if (seen++ != index) continue;
      for (const auto& v : st["values"])
        if (v["name"].get<std::string>() == name && v.contains("hex"))
          return unhex(v["hex"].get<std::string>());
    }
  }
  throw std::runtime_error("RFC 8448 §" + std::to_string(section) + " has no value " + std::string(actor) +
                           " / " + std::string(step) + " / " + std::string(name));
}

crypto::digest to_digest(const byte_vec& v) {
  crypto::digest d;
  if (v.size() > d.data.size()) throw std::runtime_error("digest too long");
  for (std::size_t i = 0; i < v.size(); ++i) d.data[i] = v[i];
  d.size = v.size();
  return d;
}

void run_section(const section_flow& flow, const secret* psk, section_result& out) {
  flow_runner(flow, psk).run(out);
}

}  // namespace tls13::keyschedule::test
