// HKDF-Expand-Label / Derive-Secret: every HKDF step printed in RFC 8448 (PRK, info, output), the
// HkdfLabel encoding and its length limits (RFC 8446 §7.1).
#include "keyschedule/hkdf_label.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "crypto/hkdf.hpp"
#include "test_support.hpp"
#include "tls13/errors.hpp"

namespace tls13::keyschedule {
namespace {

using test::byte_vec;
using test::hex;
using test::unhex;
using test::view;

constexpr auto sha256 = crypto::hash_alg::sha256;
const std::error_code invalid_argument = make_error_code(internal_errc::invalid_argument);

// The hex values of one trace step by name ("salt" of HKDF-Extract is text "0": left out).
std::map<std::string, byte_vec> step_values(const nlohmann::json& st) {
  std::map<std::string, byte_vec> out;
  for (const auto& v : st["values"])
    if (v.contains("hex")) out[v["name"].get<std::string>()] = unhex(v["hex"].get<std::string>());
  return out;
}

// The Label of a step titled ... "tls13 <label>" ...; empty when the title names none.
std::string title_label(const std::string& step) {
  const auto p = step.find("\"tls13 ");
  if (p == std::string::npos) return {};
  const auto q = step.find('"', p + 7);
  return step.substr(p + 7, q - p - 7);
}

// Checks HKDF-Expand-Label(prk, label, context, expanded.size()) and its HkdfLabel against the trace.
void check_expand(const byte_vec& prk, const std::string& label, const byte_vec& context,
                  const byte_vec& info, const byte_vec& expanded, const std::string& where) {
  std::array<std::byte, max_hkdf_label_size> buf{};
  auto n = encode_hkdf_label(static_cast<std::uint16_t>(expanded.size()), label, view(context), buf);
  ASSERT_TRUE(n) << where;
  EXPECT_EQ(hex(bytes(buf.data(), *n)), hex(view(info))) << where;
  byte_vec out(expanded.size());
  ASSERT_TRUE(hkdf_expand_label(sha256, view(prk), label, view(context), out)) << where;
  EXPECT_EQ(hex(view(out)), hex(view(expanded))) << where;
}

// Returns the number of HKDF operations checked in the step.
int check_step(int section, const nlohmann::json& st) {
  const std::string title = st["step"].get<std::string>();
  const std::string where =
      "RFC 8448 §" + std::to_string(section) + " " + st["actor"].get<std::string>() + ": " + title;
  auto v = step_values(st);
  if (title.rfind("extract secret", 0) == 0 && v.count("secret")) {
    // HKDF-Extract; a salt shown as "0" is the empty salt (Hash.length zeros).
    auto prk = crypto::hkdf_extract(sha256, view(v["salt"]), view(v["IKM"]));
    EXPECT_TRUE(prk) << where;
    if (prk) {
      EXPECT_EQ(hex(prk->view()), hex(view(v["secret"]))) << where;
    }
    return 1;
  }
  if (title.find("traffic keys") != std::string::npos && v.count("PRK")) {
    check_expand(v["PRK"], "key", {}, v["key info"], v["key expanded"], where + " key");
    check_expand(v["PRK"], "iv", {}, v["iv info"], v["iv expanded"], where + " iv");
    return 2;
  }
  if (!v.count("PRK") || !v.count("info") || !v.count("expanded")) return 0;
  // Steps that print a PRK/info/expanded triple: Derive-Secret, "finished", "resumption" and the
  // binder's finished key. A 0-octet hash is shown as text, so absent here: empty context.
  const std::string label = title == "calculate PSK binder" ? "finished" : title_label(title);
  EXPECT_FALSE(label.empty()) << where;
  check_expand(v["PRK"], label, v.count("hash") ? v["hash"] : byte_vec{}, v["info"], v["expanded"], where);
  return 1;
}

TEST(HkdfExpandLabel, EveryHkdfStepOfRfc8448) {
  const auto doc = test::load_json("rfc/rfc8448-traces.json");
  std::map<int, int> checked;
  for (const auto& s : doc["sections"]) {
    const int section = s["section"].get<int>();
    for (const auto& st : s["steps"]) checked[section] += check_step(section, st);
  }
  // Counted from the trace listing: HKDF-Extract steps + Derive-Secret/"finished"/"resumption" steps +
  // 2 per traffic key step (key and iv).
  //   §3: early, handshake, master; server derived x2, c/s hs, finished, c/s ap, exp master, client
  //       derived, finished, res master, server resumption; server hs write/read, ap write, client ap write.
  //   §4: as §3 without the resumption step, plus the binder, c e traffic, e exp master, and early +
  //       client hs write keys instead of the server's hs read keys.
  //   §5-§7: as §3 without the resumption step.
  EXPECT_EQ(checked[3], 3 + 12 + 2 * 4);
  EXPECT_EQ(checked[4], 3 + 14 + 2 * 5);
  EXPECT_EQ(checked[5], 3 + 11 + 2 * 4);
  EXPECT_EQ(checked[6], 3 + 11 + 2 * 4);
  EXPECT_EQ(checked[7], 3 + 11 + 2 * 4);
}

TEST(HkdfExpandLabel, EncodesHkdfLabel) {
  std::array<std::byte, max_hkdf_label_size> buf{};
  // RFC 8446 §7.3: HKDF-Expand-Label(Secret, "key", "", 16).
  auto n = encode_hkdf_label(16, "key", {}, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(hex(bytes(buf.data(), *n)), "001009" + hex(view("tls13 key")) + "00");
  const byte_vec ctx = unhex("0102");
  n = encode_hkdf_label(0x1234, "x", view(ctx), buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(hex(bytes(buf.data(), *n)), "123407" + hex(view("tls13 x")) + "020102");
}

TEST(HkdfExpandLabel, LabelAndContextLimits) {
  std::array<std::byte, max_hkdf_label_size> buf{};
  const std::string max_label(max_label_size, 'a');  // "tls13 " + 249 octets = 255
  auto n = encode_hkdf_label(32, max_label, {}, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2 + 1 + 255 + 1u);
  EXPECT_EQ(buf[2], std::byte{255});
  EXPECT_EQ(encode_hkdf_label(32, max_label + "a", {}, buf).error(), invalid_argument);
  // An empty Label (an application's exporter label) is "tls13 " alone, 6 octets.
  n = encode_hkdf_label(32, "", {}, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(hex(bytes(buf.data(), *n)), "002006" + hex(view("tls13 ")) + "00");

  const byte_vec ctx255(255, std::byte{7}), ctx256(256, std::byte{7});
  n = encode_hkdf_label(32, max_label, view(ctx255), buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, max_hkdf_label_size);
  EXPECT_EQ(encode_hkdf_label(32, "a", view(ctx256), buf).error(), invalid_argument);
  // An output buffer too small for the encoding.
  std::array<std::byte, 10> small{};
  EXPECT_EQ(encode_hkdf_label(32, "finished", {}, small).error(), invalid_argument);

  const byte_vec prk(32, std::byte{1});
  byte_vec out(32);
  EXPECT_TRUE(hkdf_expand_label(sha256, view(prk), max_label, view(ctx255), out));
  EXPECT_EQ(hkdf_expand_label(sha256, view(prk), max_label + "a", {}, out).error(), invalid_argument);
  EXPECT_EQ(hkdf_expand_label(sha256, view(prk), "a", view(ctx256), out).error(), invalid_argument);
  // HKDF-Expand(PRK, 00 20 06 "tls13 " 00, 32), computed independently (Python hmac/hashlib).
  ASSERT_TRUE(hkdf_expand_label(sha256, view(prk), "", {}, out));
  EXPECT_EQ(hex(view(out)), "2bf0e6634e2679933afa4c23622ca9e18d285bf31a0938859bd2aa87049a75ee");
  // Length: 1 .. 255 * Hash.length (HKDF-Expand), at most secret::capacity for the secret form.
  byte_vec none;
  EXPECT_EQ(hkdf_expand_label(sha256, view(prk), "a", {}, none).error(), invalid_argument);
  byte_vec max_out(255 * 32), too_long(255 * 32 + 1);
  EXPECT_TRUE(hkdf_expand_label(sha256, view(prk), "a", {}, max_out));
  EXPECT_FALSE(hkdf_expand_label(sha256, view(prk), "a", {}, too_long));
  EXPECT_EQ(hkdf_expand_label(sha256, view(prk), "a", {}, secret::capacity + 1).error(), invalid_argument);
  // A PRK shorter than Hash.length.
  EXPECT_FALSE(hkdf_expand_label(sha256, view(prk).first(16), "a", {}, out));
}

TEST(HkdfExpandLabel, DeriveSecretChecksTheTranscriptHashLength) {
  const byte_vec prk(32, std::byte{1});
  auto empty = crypto::hash(sha256, {});
  ASSERT_TRUE(empty);
  auto a = derive_secret(sha256, view(prk), "derived", *empty);
  auto b = derive_secret_empty(sha256, view(prk), "derived");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(hex(a->view()), hex(b->view()));
  EXPECT_EQ(a->size(), 32u);
  auto sha384_hash = crypto::hash(crypto::hash_alg::sha384, {});
  ASSERT_TRUE(sha384_hash);
  EXPECT_EQ(derive_secret(sha256, view(prk), "derived", *sha384_hash).error(), invalid_argument);
  EXPECT_EQ(derive_secret(sha256, view(prk), "derived", crypto::digest{}).error(), invalid_argument);
}

}  // namespace
}  // namespace tls13::keyschedule
