// Typestate rules of the key schedule, KeyUpdate, TLS-Exporter and a whole SHA-384 schedule. The
// expected values come from tests/vectors/derived/keyschedule_extra.py (an independent Python
// HKDF/TLS 1.3 implementation), RFC 8448 is SHA-256 only and has no KeyUpdate or exporter output.
#include "keyschedule/key_schedule.hpp"

#include <gtest/gtest.h>

#include <concepts>
#include <string>
#include <type_traits>

#include "crypto/hkdf.hpp"
#include "keyschedule/exporter.hpp"
#include "keyschedule/finished.hpp"
#include "keyschedule/hkdf_label.hpp"
#include "keyschedule/transcript.hpp"
#include "rfc8448_flow.hpp"
#include "tls13/errors.hpp"

namespace tls13::keyschedule {
namespace {

using tls13::test::byte_vec;
using tls13::test::hex;
using tls13::test::unhex;
using tls13::test::view;

constexpr auto sha256 = crypto::hash_alg::sha256;
constexpr auto sha384 = crypto::hash_alg::sha384;
const std::error_code invalid_argument = make_error_code(internal_errc::invalid_argument);
const std::error_code invalid_state = make_error_code(internal_errc::invalid_state);
const std::error_code decrypt_error = make_error_code(protocol_errc::decrypt_error);

// ---- the type system ---------------------------------------------------------------------------

template <class T>
constexpr bool move_only = !std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T> &&
                           std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_assignable_v<T>;
static_assert(move_only<early_secret> && move_only<handshake_secret> && move_only<master_secret>);
static_assert(move_only<traffic_secret> && move_only<binder_key> && move_only<resumption_master_secret>);
static_assert(move_only<exporter_master_secret> && move_only<early_exporter_master_secret>);
static_assert(move_only<traffic_keys>);
// Phases come only from the previous phase: no way to make one from raw octets or from nothing.
static_assert(!std::is_default_constructible_v<handshake_secret> &&
              !std::is_default_constructible_v<master_secret>);
static_assert(!std::is_constructible_v<handshake_secret, crypto::hash_alg, secret>);
static_assert(!std::is_constructible_v<master_secret, crypto::hash_alg, secret>);
static_assert(!std::is_constructible_v<exporter_master_secret, crypto::hash_alg, secret>);

// Phase steps consume: they exist on rvalues only.
template <class T>
concept enters_handshake = requires(T&& t, bytes b) {
  std::forward<T>(t).into_handshake_secret(b);
};
template <class T>
concept enters_master = requires(T&& t) {
  std::forward<T>(t).into_master_secret();
};
template <class T>
concept updates = requires(T&& t) {
  std::forward<T>(t).next();
};
static_assert(enters_handshake<early_secret> && !enters_handshake<early_secret&> &&
              !enters_handshake<const early_secret&>);
static_assert(enters_master<handshake_secret> && !enters_master<handshake_secret&>);
static_assert(updates<traffic_secret> && !updates<traffic_secret&> && !updates<const traffic_secret&>);

// Each secret is derivable from its own phase only.
template <class T>
concept gives_handshake_traffic = requires(const T& t, const crypto::digest& d) {
  t.client_handshake_traffic(d);
};
template <class T>
concept gives_application_traffic = requires(const T& t, const crypto::digest& d) {
  t.client_application_traffic(d);
};
template <class T>
concept gives_early_traffic = requires(const T& t, const crypto::digest& d) {
  t.client_early_traffic(d);
};
static_assert(gives_early_traffic<early_secret> && !gives_early_traffic<handshake_secret> &&
              !gives_early_traffic<master_secret>);
static_assert(!gives_handshake_traffic<early_secret> && gives_handshake_traffic<handshake_secret> &&
              !gives_handshake_traffic<master_secret>);
static_assert(!gives_application_traffic<early_secret> && !gives_application_traffic<handshake_secret> &&
              gives_application_traffic<master_secret>);
// The exporter takes exporter secrets only, the binder a binder key only, Finished a traffic secret.
template <class T>
concept exports = requires(const T& s, mut_bytes out) {
  export_keying_material(s, "label", bytes{}, out);
};
template <class T>
concept binds = requires(const T& k, const crypto::digest& d) {
  psk_binder(k, d);
};
template <class T>
concept finishes = requires(const T& k, const crypto::digest& d) {
  finished_verify_data(k, d);
};
static_assert(exports<exporter_master_secret> && exports<early_exporter_master_secret>);
static_assert(!exports<traffic_secret> && !exports<master_secret> && !exports<resumption_master_secret>);
static_assert(binds<binder_key> && !binds<traffic_secret> && !binds<early_secret>);
static_assert(finishes<traffic_secret> && !finishes<binder_key> && !finishes<handshake_secret>);

crypto::digest hash_of(crypto::hash_alg h, std::string_view s) {
  auto d = crypto::hash(h, view(s));
  EXPECT_TRUE(d);
  return d ? *d : crypto::digest{};
}

TEST(KeySchedule, ConsumedAndMovedFromPhasesAreUnusable) {
  const byte_vec ecdhe(32, std::byte{9});
  const crypto::digest d = hash_of(sha256, "transcript");
  auto es = early_secret::create(sha256);
  ASSERT_TRUE(es);
  auto hs = std::move(*es).into_handshake_secret(view(ecdhe));
  ASSERT_TRUE(hs);
  EXPECT_FALSE(es->valid());
  EXPECT_TRUE(es->view().empty());
  EXPECT_EQ(es->binder(psk_kind::external).error(), invalid_state);
  EXPECT_EQ(es->client_early_traffic(d).error(), invalid_state);
  EXPECT_EQ(es->early_exporter(d).error(), invalid_state);
  EXPECT_EQ(std::move(*es).into_handshake_secret(view(ecdhe)).error(), invalid_state);
  EXPECT_EQ(std::move(*es).into_handshake_secret_without_ecdhe().error(), invalid_state);

  handshake_secret moved = std::move(*hs);
  EXPECT_FALSE(hs->valid());
  EXPECT_EQ(hs->client_handshake_traffic(d).error(), invalid_state);
  EXPECT_EQ(std::move(*hs).into_master_secret().error(), invalid_state);
  ASSERT_TRUE(moved.server_handshake_traffic(d));

  auto ms = std::move(moved).into_master_secret();
  ASSERT_TRUE(ms);
  EXPECT_FALSE(moved.valid());
  EXPECT_EQ(moved.server_handshake_traffic(d).error(), invalid_state);

  auto ts = ms->client_application_traffic(d);
  ASSERT_TRUE(ts);
  auto next = std::move(*ts).next();
  ASSERT_TRUE(next);
  EXPECT_FALSE(ts->valid());
  EXPECT_EQ(ts->keys(crypto::aead_alg::aes_128_gcm).error(), invalid_state);
  EXPECT_EQ(ts->finished_key().error(), invalid_state);
  EXPECT_EQ(finished_verify_data(*ts, d).error(), invalid_state);
  EXPECT_EQ(std::move(*ts).next().error(), invalid_state);

  auto exp = ms->exporter(d);
  ASSERT_TRUE(exp);
  exporter_master_secret taken = std::move(*exp);
  byte_vec out(16);
  EXPECT_EQ(export_keying_material(*exp, "EXPORTER-x", {}, out).error(), invalid_state);
  EXPECT_TRUE(export_keying_material(taken, "EXPORTER-x", {}, out));
}

TEST(KeySchedule, RejectsBadInputs) {
  EXPECT_EQ(early_secret::from_psk(sha256, {}).error(), invalid_argument);
  auto es = early_secret::create(sha256);
  ASSERT_TRUE(es);
  EXPECT_EQ(std::move(*es).into_handshake_secret({}).error(), invalid_argument);
  EXPECT_FALSE(es->valid()) << "a failed step still consumes the phase";

  const byte_vec s32(32, std::byte{1}), s48(48, std::byte{1});
  EXPECT_EQ(traffic_secret::import(sha256, view(s48)).error(), invalid_argument);
  EXPECT_EQ(traffic_secret::import(sha384, view(s32)).error(), invalid_argument);
  auto ts = traffic_secret::import(sha256, view(s32));
  ASSERT_TRUE(ts);
  // A transcript hash of the wrong length.
  EXPECT_EQ(finished_verify_data(*ts, hash_of(sha384, "x")).error(), invalid_argument);
  EXPECT_EQ(verify_finished(*ts, hash_of(sha384, "x"), view(s32)).error(), invalid_argument);

  auto psk_es = early_secret::create(sha256);
  ASSERT_TRUE(psk_es);
  auto hs = std::move(*psk_es).into_handshake_secret_without_ecdhe();
  ASSERT_TRUE(hs);
  EXPECT_EQ(hs->client_handshake_traffic(hash_of(sha384, "x")).error(), invalid_argument);
  auto ms = std::move(*hs).into_master_secret();
  ASSERT_TRUE(ms);
  auto rms = ms->resumption(hash_of(sha256, "x"));
  ASSERT_TRUE(rms);
  // ticket_nonce<0..255>.
  EXPECT_TRUE(rms->resumption_psk({}));
  EXPECT_TRUE(rms->resumption_psk(view(byte_vec(255))));
  EXPECT_EQ(rms->resumption_psk(view(byte_vec(256))).error(), invalid_argument);
}

TEST(KeySchedule, TrafficKeySizesPerAead) {
  const byte_vec s(48, std::byte{3});
  auto ts = traffic_secret::import(sha384, view(s));
  ASSERT_TRUE(ts);
  for (auto [aead, size] :
       {std::pair{crypto::aead_alg::aes_128_gcm, 16u}, std::pair{crypto::aead_alg::aes_256_gcm, 32u},
        std::pair{crypto::aead_alg::chacha20_poly1305, 32u}}) {
    auto k = ts->keys(aead);
    ASSERT_TRUE(k);
    EXPECT_EQ(k->aead, aead);
    EXPECT_EQ(k->key.size(), size);
    EXPECT_EQ(k->iv.size(), crypto::aead_nonce_size);
  }
}

TEST(Finished, VerifyRejectsAnyDifferenceInConstantTime) {
  const byte_vec s(32, std::byte{5});
  auto ts = traffic_secret::import(sha256, view(s));
  ASSERT_TRUE(ts);
  const crypto::digest th = hash_of(sha256, "handshake");
  auto vd = finished_verify_data(*ts, th);
  ASSERT_TRUE(vd);
  ASSERT_EQ(vd->size, 32u);
  byte_vec got(vd->view().begin(), vd->view().end());
  EXPECT_TRUE(verify_finished(*ts, th, view(got)));
  for (std::size_t i : {0u, 17u, 31u}) {
    byte_vec bad = got;
    bad[i] ^= std::byte{1};
    EXPECT_EQ(verify_finished(*ts, th, view(bad)).error(), decrypt_error) << i;
  }
  EXPECT_EQ(verify_finished(*ts, th, view(got).first(31)).error(), decrypt_error);
  EXPECT_EQ(verify_finished(*ts, th, {}).error(), decrypt_error);
  EXPECT_EQ(verify_finished(*ts, hash_of(sha256, "other"), view(got)).error(), decrypt_error);
}

TEST(Transcript, MessageHashSyntheticMessage) {
  const crypto::digest h384 = hash_of(sha384, "ClientHello1");
  auto m = make_message_hash(sha384, h384);
  ASSERT_TRUE(m);
  EXPECT_EQ(hex(m->view()), "fe000030" + hex(h384.view()));
  EXPECT_EQ(make_message_hash(sha256, h384).error(), invalid_argument);
  auto t = transcript_after_hello_retry(sha384, h384);
  ASSERT_TRUE(t);
  auto now = t->current();
  ASSERT_TRUE(now);
  EXPECT_EQ(
      hex(now->view()),
      hex(hash_of(sha384, std::string_view(reinterpret_cast<const char*>(m->data.data()), m->size)).view()));
}

// ---- values from keyschedule_extra.py ------------------------------------------------------------

const nlohmann::json& derived() {
  static const nlohmann::json doc = tls13::test::load_json("derived/keyschedule-extra.json");
  return doc;
}

crypto::hash_alg hash_named(const nlohmann::json& j) {
  return j.get<std::string>() == "sha384" ? sha384 : sha256;
}

crypto::aead_alg aead_named(const std::string& n) {
  if (n == "aes_256_gcm") return crypto::aead_alg::aes_256_gcm;
  if (n == "chacha20_poly1305") return crypto::aead_alg::chacha20_poly1305;
  EXPECT_EQ(n, "aes_128_gcm");
  return crypto::aead_alg::aes_128_gcm;
}

std::string str(const nlohmann::json& j) { return j.get<std::string>(); }

TEST(KeyUpdate, TrafficUpdGenerations) {
  // The RFC 8448 §3 application secrets, as the schedule derives them, are the script's inputs.
  test::section_result s3;
  test::run_section({.section = 3}, nullptr, s3);
  ASSERT_FALSE(HasFatalFailure());
  int generations = 0;
  for (const auto& c : derived()["key_update"]) {
    const std::string name = str(c["name"]);
    const auto h = hash_named(c["hash"]);
    const auto aead = aead_named(str(c["aead"]));
    if (name == "rfc8448-s3-server-ap") {
      EXPECT_EQ(hex(s3.server_application->view()), str(c["secret"]));
    } else if (name == "rfc8448-s3-client-ap") {
      EXPECT_EQ(hex(s3.client_application->view()), str(c["secret"]));
    }
    auto cur = traffic_secret::import(h, view(unhex(str(c["secret"]))));
    ASSERT_TRUE(cur);
    for (const auto& g : c["generations"]) {
      auto n = std::move(*cur).next();
      ASSERT_TRUE(n) << name;
      EXPECT_FALSE(cur->valid()) << name << ": generation N is wiped";
      EXPECT_EQ(hex(n->view()), str(g["secret"])) << name;
      auto k = n->keys(aead);
      ASSERT_TRUE(k);
      EXPECT_EQ(hex(k->key.view()), str(g["key"])) << name;
      EXPECT_EQ(hex(k->iv.view()), str(g["iv"])) << name;
      cur = std::move(n);
      ++generations;
    }
  }
  EXPECT_EQ(generations, 7);
}

}  // namespace
}  // namespace tls13::keyschedule

namespace tls13::keyschedule {
namespace {

TEST(Exporter, TlsExporterValues) {
  const secret psk = [] {
    test::section_result s3;
    test::run_section({.section = 3}, nullptr, s3);
    return std::move(s3.resumption_psk);
  }();
  ASSERT_FALSE(HasFatalFailure());
  test::section_result s3, s4;
  test::run_section({.section = 3}, nullptr, s3);
  test::run_section({.section = 4, .resumed = true}, &psk, s4);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(s3.exporter && s4.early_exporter);
  int ran = 0;
  for (const auto& c : derived()["exporter"]) {
    const bool early = str(c["secret_kind"]) == "early_exporter";
    const detail::keyed_secret& secret_used =
        early ? static_cast<const detail::keyed_secret&>(*s4.early_exporter)
              : static_cast<const detail::keyed_secret&>(*s3.exporter);
    EXPECT_EQ(hex(secret_used.view()), str(c["secret"]));
    const std::string label = str(c["label"]);
    const byte_vec context = unhex(str(c["context"]));
    byte_vec out(c["length"].get<std::size_t>());
    auto r = early ? export_keying_material(*s4.early_exporter, label, view(context), out)
                   : export_keying_material(*s3.exporter, label, view(context), out);
    ASSERT_TRUE(r) << label;
    EXPECT_EQ(hex(view(out)), str(c["output"])) << label << (early ? " (early)" : "");
    ++ran;
  }
  EXPECT_EQ(ran, 8);
}

TEST(Exporter, RejectsBadLabelsAndLengths) {
  const crypto::digest d = hash_of(sha256, "CH..SF");
  auto es = early_secret::create(sha256);
  ASSERT_TRUE(es);
  auto hs = std::move(*es).into_handshake_secret_without_ecdhe();
  ASSERT_TRUE(hs);
  auto ms = std::move(*hs).into_master_secret();
  ASSERT_TRUE(ms);
  auto exp = ms->exporter(d);
  ASSERT_TRUE(exp);
  byte_vec out(32), none;
  EXPECT_TRUE(export_keying_material(*exp, std::string(max_label_size, 'L'), {}, out));
  EXPECT_EQ(export_keying_material(*exp, std::string(max_label_size + 1, 'L'), {}, out).error(),
            invalid_argument);
  EXPECT_EQ(export_keying_material(*exp, "EXPORTER-x", {}, none).error(), invalid_argument);
  // The context is hashed, so it has no 255-octet limit.
  EXPECT_TRUE(export_keying_material(*exp, "EXPORTER-x", view(byte_vec(1000)), out));
  byte_vec max_out(255 * 32), too_long(255 * 32 + 1);
  EXPECT_TRUE(export_keying_material(*exp, "EXPORTER-x", {}, max_out));
  EXPECT_FALSE(export_keying_material(*exp, "EXPORTER-x", {}, too_long));
}

// An empty label is the application's to choose (RFC 5705 labels; BoringSSL and Go export with
// ""): TLS-Exporter("", context) over HkdfLabels written out by hand, "tls13 " alone as the label.
TEST(Exporter, EmptyLabel) {
  const crypto::digest d = hash_of(sha256, "CH..SF");
  auto es = early_secret::create(sha256);
  ASSERT_TRUE(es);
  auto hs = std::move(*es).into_handshake_secret_without_ecdhe();
  ASSERT_TRUE(hs);
  auto ms = std::move(*hs).into_master_secret();
  ASSERT_TRUE(ms);
  auto exp = ms->exporter(d);
  ASSERT_TRUE(exp);
  const byte_vec context = unhex("c0ffee");
  byte_vec out(40);
  ASSERT_TRUE(export_keying_material(*exp, "", view(context), out));

  // Derive-Secret(Secret, "", "") = HKDF-Expand(Secret, 00 20 | 06 "tls13 " | 20 Hash(""), 32).
  const crypto::digest empty = hash_of(sha256, "");
  byte_vec info = unhex("002006" + hex(view("tls13 ")) + "20" + hex(empty.view()));
  byte_vec per_label(32);
  ASSERT_TRUE(crypto::hkdf_expand(sha256, exp->view(), view(info), per_label));
  // HKDF-Expand-Label(per_label, "exporter", Hash(context), 40).
  auto context_hash = crypto::hash(sha256, view(context));
  ASSERT_TRUE(context_hash);
  info = unhex("00280e" + hex(view("tls13 exporter")) + "20" + hex(context_hash->view()));
  byte_vec want(40);
  ASSERT_TRUE(crypto::hkdf_expand(sha256, view(per_label), view(info), want));
  EXPECT_EQ(hex(view(out)), hex(view(want)));
  // Not the value of another label, nor of a missing context.
  byte_vec other(40);
  ASSERT_TRUE(export_keying_material(*exp, "EXPORTER-x", view(context), other));
  EXPECT_NE(hex(view(out)), hex(view(other)));
  ASSERT_TRUE(export_keying_material(*exp, "", {}, other));
  EXPECT_NE(hex(view(out)), hex(view(other)));
}

// Every phase with SHA-384 (RFC 8448 has SHA-256 only): PSK + hybrid-sized (EC)DHE input.
class Sha384Schedule : public ::testing::Test {
 protected:
  const nlohmann::json& j = derived()["sha384_schedule"];
  crypto::digest transcript(const char* name) const {
    return test::to_digest(unhex(str(j["inputs"]["transcripts"][name])));
  }
  void expect(bytes actual, const char* name) const { EXPECT_EQ(hex(actual), str(j[name])) << name; }
  void expect_keys(const traffic_secret& s, const char* name) const {
    auto k = s.keys(crypto::aead_alg::aes_256_gcm);
    ASSERT_TRUE(k);
    EXPECT_EQ(hex(k->key.view()), str(j[name]["key"])) << name;
    EXPECT_EQ(hex(k->iv.view()), str(j[name]["iv"])) << name;
  }
  byte_vec input(const char* name) const { return unhex(str(j["inputs"][name])); }
};

TEST_F(Sha384Schedule, EarlyPhase) {
  auto es = early_secret::from_psk(sha384, view(input("psk")));
  ASSERT_TRUE(es);
  expect(es->view(), "early_secret");
  auto bk = es->binder(psk_kind::external);
  ASSERT_TRUE(bk);
  expect(bk->view(), "ext_binder_key");
  auto binder = psk_binder(*bk, transcript("truncated ClientHello"));
  ASSERT_TRUE(binder);
  expect(binder->view(), "binder");
  EXPECT_TRUE(verify_psk_binder(*bk, transcript("truncated ClientHello"), binder->view()));
  EXPECT_EQ(verify_psk_binder(*bk, transcript("ClientHello"), binder->view()).error(), decrypt_error);
  auto cet = es->client_early_traffic(transcript("ClientHello"));
  auto eem = es->early_exporter(transcript("ClientHello"));
  ASSERT_TRUE(cet && eem);
  expect(cet->view(), "client_early_traffic_secret");
  expect(eem->view(), "early_exporter_master_secret");
}

TEST_F(Sha384Schedule, PskOnlyHandshakeSecret) {
  auto es = early_secret::from_psk(sha384, view(input("psk")));
  ASSERT_TRUE(es);
  auto hs = std::move(*es).into_handshake_secret_without_ecdhe();
  ASSERT_TRUE(hs);
  expect(hs->view(), "handshake_secret_psk_only");
}

TEST_F(Sha384Schedule, HandshakeAndMasterPhases) {
  auto es = early_secret::from_psk(sha384, view(input("psk")));
  ASSERT_TRUE(es);
  auto hs = std::move(*es).into_handshake_secret(view(input("ecdhe")));
  ASSERT_TRUE(hs);
  expect(hs->view(), "handshake_secret");
  auto chs = hs->client_handshake_traffic(transcript("ClientHello..ServerHello"));
  auto shs = hs->server_handshake_traffic(transcript("ClientHello..ServerHello"));
  ASSERT_TRUE(chs && shs);
  expect(chs->view(), "client_handshake_traffic_secret");
  expect(shs->view(), "server_handshake_traffic_secret");
  expect_keys(*shs, "server_handshake_keys");
  auto sfk = shs->finished_key();
  ASSERT_TRUE(sfk);
  expect(sfk->view(), "server_finished_key");
  auto svd = finished_verify_data(*shs, transcript("ClientHello..server CertificateVerify"));
  auto cvd = finished_verify_data(*chs, transcript("ClientHello..client CertificateVerify"));
  ASSERT_TRUE(svd && cvd);
  EXPECT_EQ(svd->size, 48u);
  expect(svd->view(), "server_verify_data");
  expect(cvd->view(), "client_verify_data");

  auto ms = std::move(*hs).into_master_secret();
  ASSERT_TRUE(ms);
  expect(ms->view(), "master_secret");
  const crypto::digest sf = transcript("ClientHello..server Finished");
  auto cap = ms->client_application_traffic(sf);
  auto sap = ms->server_application_traffic(sf);
  auto exp = ms->exporter(sf);
  auto res = ms->resumption(transcript("ClientHello..client Finished"));
  ASSERT_TRUE(cap && sap && exp && res);
  expect(cap->view(), "client_application_traffic_secret_0");
  expect(sap->view(), "server_application_traffic_secret_0");
  expect_keys(*cap, "client_application_keys");
  expect(exp->view(), "exporter_master_secret");
  expect(res->view(), "resumption_master_secret");
  auto psk = res->resumption_psk(view(input("ticket_nonce")));
  ASSERT_TRUE(psk);
  expect(psk->view(), "resumption_psk");
}

}  // namespace
}  // namespace tls13::keyschedule

namespace tls13::keyschedule {
namespace {
// derive_secret_empty uses Hash("") as a constant: it must equal Derive-Secret over libcrypto's own
// hash of the empty string, for both hashes.
TEST(KeySchedule, EmptyHashConstants) {
  for (auto h : {crypto::hash_alg::sha256, crypto::hash_alg::sha384}) {
    const std::vector<std::byte> prk(crypto::hash_size(h), std::byte{0x5a});
    auto empty = crypto::hash(h, {});
    ASSERT_TRUE(empty);
    auto want = derive_secret(h, prk, "derived", *empty);
    auto got = derive_secret_empty(h, prk, "derived");
    ASSERT_TRUE(want && got);
    EXPECT_TRUE(std::equal(want->view().begin(), want->view().end(), got->view().begin(), got->view().end()));
  }
}
}  // namespace
}  // namespace tls13::keyschedule
