// ML-KEM-768 against C2SP Wycheproof (final FIPS 203): KeyGen from a seed and Decaps, including implicit
// rejections and wrong lengths; Encaps, including keys that fail the modulus or length check; Decaps with
// corrupted or mis-sized decapsulation keys. tests/vectors/mlkem/README.md has the provenance.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "crypto/mlkem.hpp"
#include "mlkem_test_util.hpp"
#include "test_support.hpp"
#include "tls13/errors.hpp"

namespace tls13::crypto::mlkem {
namespace {

using tls13::test::byte_vec;
using tls13::test::unhex;

constexpr auto p768 = parameter_set::ml_kem_768;

nlohmann::json load_gz(const std::string& rel) { return nlohmann::json::parse(test::gunzip(rel)); }

byte_vec field(const nlohmann::json& t, const char* key) { return unhex(t[key].get<std::string>()); }

// seed = d || z -> (ek, dk); then dk, c -> K, and the same with dk kept as a decapsulation_key. "invalid"
// tests have a seed or a ciphertext of the wrong length; the ones with a well-formed but wrong ciphertext
// are "valid" with the rejection key as K.
TEST(MlKemWycheproof, KeyGenFromSeedAndDecaps) {
  const auto j = load_gz("mlkem/wycheproof-mlkem_768_test.json.gz");
  std::map<std::string, int> ran;
  for (const auto& g : j["testGroups"]) {
    ASSERT_EQ(g["parameterSet"], "ML-KEM-768");
    for (const auto& t : g["tests"]) {
      const auto id = t["tcId"].get<int>();
      const auto seed = field(t, "seed"), c = field(t, "c");
      const bool valid = t["result"] == "valid";
      byte_vec ek(1184), dk(2400), ss(32);
      if (seed.size() != 64) {
        ASSERT_FALSE(valid) << id;
        const auto r = keygen_internal(p768, bytes(seed).first(seed.size() / 2),
                                       bytes(seed).subspan(seed.size() / 2), ek, dk);
        EXPECT_EQ(r.error(), internal_errc::invalid_argument) << id;
        decapsulation_key expanded;
        const auto r2 = keygen_internal(p768, bytes(seed).first(seed.size() / 2),
                                        bytes(seed).subspan(seed.size() / 2), ek, expanded);
        EXPECT_EQ(r2.error(), internal_errc::invalid_argument) << id;
        EXPECT_TRUE(expanded.empty()) << id;
        ++ran["bad seed"];
        continue;
      }
      ASSERT_TRUE(keygen_internal(p768, bytes(seed).first(32), bytes(seed).subspan(32), ek, dk)) << id;
      if (t.contains("ek")) {
        EXPECT_EQ(ek, field(t, "ek")) << id;
      }
      const auto r = decaps(p768, dk, c, ss);
      EXPECT_EQ(r.has_value(), valid) << id << " " << t.value("comment", "");
      // The same key kept expanded (what a TLS client does) gives the same answer.
      decapsulation_key expanded;
      byte_vec ek2(1184), ss2(32);
      ASSERT_TRUE(keygen_internal(p768, bytes(seed).first(32), bytes(seed).subspan(32), ek2, expanded)) << id;
      EXPECT_EQ(ek2, ek) << id;
      const auto r2 = decaps(expanded, c, ss2);
      EXPECT_EQ(r2.has_value(), valid) << id;
      if (valid) {
        EXPECT_EQ(ss, field(t, "K")) << id;
        EXPECT_EQ(ss2, field(t, "K")) << id;
        ++ran["valid"];
        if (field(t, "K") == test::rejection_key(dk, c)) ++ran["implicit rejection"];
      } else {
        EXPECT_EQ(r.error(), protocol_errc::illegal_parameter) << id;
        EXPECT_EQ(r2.error(), protocol_errc::illegal_parameter) << id;
        ++ran["bad ciphertext length"];
      }
    }
  }
  EXPECT_EQ(ran["valid"], 153);
  EXPECT_EQ(ran["implicit rejection"], 22);
  EXPECT_GT(ran["bad seed"], 0);
  EXPECT_GT(ran["bad ciphertext length"], 0);
}

TEST(MlKemWycheproof, Encaps) {
  const auto j = load_gz("mlkem/wycheproof-mlkem_768_encaps_test.json.gz");
  int valid = 0, invalid = 0;
  for (const auto& g : j["testGroups"]) {
    ASSERT_EQ(g["parameterSet"], "ML-KEM-768");
    for (const auto& t : g["tests"]) {
      const auto id = t["tcId"].get<int>();
      byte_vec ct(1088), ss(32);
      const auto r = encaps_internal(p768, field(t, "ek"), field(t, "m"), ct, ss);
      if (t["result"] == "valid") {
        ASSERT_TRUE(r) << id;
        EXPECT_EQ(ct, field(t, "c")) << id;
        EXPECT_EQ(ss, field(t, "K")) << id;
        ++valid;
      } else {  // not reduced (modulus check) or the wrong length: both malformed peer input
        ASSERT_FALSE(r) << id << " " << t.value("comment", "");
        EXPECT_EQ(r.error(), protocol_errc::illegal_parameter) << id;
        ++invalid;
      }
    }
  }
  EXPECT_EQ(valid, 133);
  EXPECT_EQ(invalid, 132);
}

TEST(MlKemWycheproof, SemiExpandedDecaps) {
  const auto j = tls13::test::load_json("mlkem/wycheproof-mlkem_768_semi_expanded_decaps_test.json");
  int ran = 0;
  for (const auto& g : j["testGroups"]) {
    for (const auto& t : g["tests"]) {
      const auto id = t["tcId"].get<int>();
      byte_vec ss(32);
      const auto r = decaps(p768, field(t, "dk"), field(t, "c"), ss);
      const auto flags = t["flags"].dump();
      if (t["result"] == "valid") {  // includes "malleable" ciphertexts that decrypt to the same m
        ASSERT_TRUE(r) << id;
        EXPECT_EQ(ss, field(t, "K")) << id;
      } else if (flags.find("IncorrectCiphertextLength") != std::string::npos) {
        EXPECT_EQ(r.error(), protocol_errc::illegal_parameter) << id;
      } else {  // IncorrectDecapsulationKeyLength, InvalidDecapsulationKey (§7.3 length and hash checks)
        EXPECT_EQ(r.error(), internal_errc::invalid_argument) << id << " " << flags;
      }
      ++ran;
    }
  }
  EXPECT_EQ(ran, 9);
}

}  // namespace
}  // namespace tls13::crypto::mlkem
