// Wycheproof AES-GCM and ChaCha20-Poly1305 through crypto::aead_ctx. Only the parameter sets
// TLS 1.3 uses apply: 96-bit nonce, 128-bit tag, 128/256-bit keys.
#include <gtest/gtest.h>

#include "crypto/aead.hpp"
#include "test_support.hpp"
#include "tls13/errors.hpp"

namespace tls13::crypto {
namespace {

using test::byte_vec;
using test::hex;
using test::unhex;
using test::view;

struct aead_counts {
  int valid = 0;
  int invalid = 0;
};

// One test case: seal must reproduce ct||tag (valid cases), open must return the message (valid)
// or fail with bad_record_mac (invalid: every invalid case in the applicable groups is a
// ciphertext/tag that was not produced by sealing, so only the open side is meaningful).
void run_case(aead_alg alg, const nlohmann::json& t, aead_counts& n) {
  const auto key = unhex(t["key"].get<std::string>());
  const auto iv = unhex(t["iv"].get<std::string>());
  const auto aad = unhex(t["aad"].get<std::string>());
  const auto msg = unhex(t["msg"].get<std::string>());
  auto sealed = unhex(t["ct"].get<std::string>());
  const auto tag = unhex(t["tag"].get<std::string>());
  sealed.insert(sealed.end(), tag.begin(), tag.end());
  const std::string id = "tc " + std::to_string(t["tcId"].get<int>()) + " " + t["comment"].get<std::string>();
  const bool valid = t["result"] == "valid";
  ASSERT_NE(t["result"], "acceptable") << id;  // none in these files; would need a policy here

  if (valid) {
    auto seal = aead_ctx::create(alg, direction::seal, view(key));
    ASSERT_TRUE(seal) << id;
    byte_vec out(msg.size() + aead_tag_size);
    auto w = seal->seal(view(iv), view(aad), view(msg), out);
    ASSERT_TRUE(w) << id << ": " << w.error().message();
    EXPECT_EQ(*w, out.size()) << id;
    EXPECT_EQ(hex(view(out)), hex(view(sealed))) << id;
  }

  auto open = aead_ctx::create(alg, direction::open, view(key));
  ASSERT_TRUE(open) << id;
  byte_vec buf = sealed;
  auto r = open->open(view(iv), view(aad), buf);
  if (valid) {
    ASSERT_TRUE(r) << id << ": " << r.error().message();
    EXPECT_EQ(*r, msg.size()) << id;
    EXPECT_EQ(hex(bytes(buf.data(), *r)), hex(view(msg))) << id;
    ++n.valid;
  } else {
    ASSERT_FALSE(r) << id << " must be rejected";
    EXPECT_EQ(r.error(), make_error_code(protocol_errc::bad_record_mac)) << id;
    ++n.invalid;
  }
}

aead_counts run_file(const char* file, bool chacha) {
  auto j = test::load_json(file);
  aead_counts n;
  for (auto& g : j["testGroups"]) {
    if (g["ivSize"] != 96 || g["tagSize"] != 128) continue;
    const int key_bits = g["keySize"].get<int>();
    aead_alg alg;
    if (chacha && key_bits == 256)
      alg = aead_alg::chacha20_poly1305;
    else if (!chacha && key_bits == 128)
      alg = aead_alg::aes_128_gcm;
    else if (!chacha && key_bits == 256)
      alg = aead_alg::aes_256_gcm;
    else
      continue;  // AES-192: not a TLS 1.3 suite
    for (auto& t : g["tests"]) {
      run_case(alg, t, n);
      if (::testing::Test::HasFatalFailure()) return n;
    }
  }
  return n;
}

TEST(AeadWycheproof, AesGcm) {
  const auto n = run_file("wycheproof/aes_gcm_test.json", false);
  EXPECT_GT(n.valid, 70);  // the file has 79 valid / 54 invalid cases in the TLS groups
  EXPECT_GT(n.invalid, 50);
}

TEST(AeadWycheproof, ChaCha20Poly1305) {
  const auto n = run_file("wycheproof/chacha20_poly1305_test.json", true);
  EXPECT_GT(n.valid, 250);  // 256 valid / 60 invalid
  EXPECT_GT(n.invalid, 55);
}

// A tag flip on a valid record must fail, and a wrong-size key must be refused up front.
TEST(AeadWycheproof, TamperAndKeySize) {
  const byte_vec key(16, std::byte{7});
  const byte_vec nonce(12, std::byte{1});
  auto seal = aead_ctx::create(aead_alg::aes_128_gcm, direction::seal, view(key));
  ASSERT_TRUE(seal);
  const byte_vec msg = unhex("00112233445566778899");
  byte_vec out(msg.size() + aead_tag_size);
  ASSERT_TRUE(seal->seal(view(nonce), {}, view(msg), out));
  out.back() ^= std::byte{1};
  auto open = aead_ctx::create(aead_alg::aes_128_gcm, direction::open, view(key));
  ASSERT_TRUE(open);
  auto r = open->open(view(nonce), {}, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(protocol_errc::bad_record_mac));
  auto bad = aead_ctx::create(aead_alg::aes_256_gcm, direction::seal, view(key));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), make_error_code(internal_errc::invalid_argument));
}

}  // namespace
}  // namespace tls13::crypto
