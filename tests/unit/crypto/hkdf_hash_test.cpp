// RFC 5869 HKDF vectors (SHA-256 cases), Wycheproof HKDF-SHA256/384, hashes and HMAC through lib/crypto.
#include <gtest/gtest.h>

#include "crypto/hash.hpp"
#include "crypto/hkdf.hpp"
#include "test_support.hpp"
#include "tls13/errors.hpp"

namespace tls13::crypto {
namespace {

using test::hex;
using test::unhex;
using test::view;

TEST(Hkdf, Rfc5869Sha256Cases) {
  auto j = test::load_json("rfc/rfc5869-hkdf.json");
  int ran = 0;
  for (auto& c : j["cases"]) {
    if (c["hash"] != "SHA-256") continue;  // TLS 1.3 uses SHA-256/384 only
    auto ikm = unhex(c["IKM"].get<std::string>());
    auto salt = c["salt"].is_null() ? test::byte_vec{} : unhex(c["salt"].get<std::string>());
    auto info = unhex(c["info"].get<std::string>());
    auto prk = hkdf_extract(hash_alg::sha256, view(salt), view(ikm));
    ASSERT_TRUE(prk) << prk.error().message();
    EXPECT_EQ(hex(prk->view()), c["PRK"].get<std::string>()) << "case " << c["tc"];
    test::byte_vec okm(c["L"].get<std::size_t>());
    ASSERT_TRUE(hkdf_expand(hash_alg::sha256, prk->view(), view(info), okm));
    EXPECT_EQ(hex(view(okm)), c["OKM"].get<std::string>()) << "case " << c["tc"];
    ++ran;
  }
  EXPECT_EQ(ran, 3);
}

void run_wycheproof_hkdf(const char* file, hash_alg h) {
  auto j = test::load_json(file);
  int ran = 0;
  for (auto& g : j["testGroups"]) {
    for (auto& t : g["tests"]) {
      auto ikm = unhex(t["ikm"].get<std::string>());
      auto salt = unhex(t["salt"].get<std::string>());
      auto info = unhex(t["info"].get<std::string>());
      const auto size = t["size"].get<std::size_t>();
      const bool valid = t["result"] == "valid";
      auto prk = hkdf_extract(h, view(salt), view(ikm));
      ASSERT_TRUE(prk);
      test::byte_vec okm(size);
      auto r = hkdf_expand(h, prk->view(), view(info), okm);
      if (valid) {
        ASSERT_TRUE(r) << "tc " << t["tcId"];
        EXPECT_EQ(hex(view(okm)), t["okm"].get<std::string>()) << "tc " << t["tcId"];
      } else {
        EXPECT_FALSE(r) << "tc " << t["tcId"] << " must be rejected (" << t["comment"] << ")";
      }
      ++ran;
    }
  }
  EXPECT_GT(ran, 50);
}

TEST(Hkdf, WycheproofSha256) { run_wycheproof_hkdf("wycheproof/hkdf_sha256_test.json", hash_alg::sha256); }
TEST(Hkdf, WycheproofSha384) { run_wycheproof_hkdf("wycheproof/hkdf_sha384_test.json", hash_alg::sha384); }

TEST(Hash, KnownAnswersAndRunningTranscript) {
  auto d = hash(hash_alg::sha256, view("abc"));
  ASSERT_TRUE(d);
  EXPECT_EQ(hex(d->view()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto d384 = hash(hash_alg::sha384, view(""));
  ASSERT_TRUE(d384);
  EXPECT_EQ(
      hex(d384->view()),
      "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b");

  auto t = transcript_hash::create(hash_alg::sha256);
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->update(view("a")));
  auto copy = t->clone();
  ASSERT_TRUE(copy);
  ASSERT_TRUE(t->update(view("bc")));
  // current() does not end the running hash: reading twice gives the same value.
  EXPECT_EQ(hex(t->current()->view()), hex(d->view()));
  EXPECT_EQ(hex(t->current()->view()), hex(d->view()));
  // The clone kept the state at the time it was made.
  ASSERT_TRUE(copy->update(view("bc")));
  EXPECT_EQ(hex(copy->current()->view()), hex(d->view()));
}

TEST(Hmac, Rfc4231Case2) {
  auto m = hmac(hash_alg::sha256, view("Jefe"), view("what do ya want for nothing?"));
  ASSERT_TRUE(m);
  EXPECT_EQ(hex(m->view()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  auto m384 = hmac(hash_alg::sha384, view("Jefe"), view("what do ya want for nothing?"));
  ASSERT_TRUE(m384);
  EXPECT_EQ(
      hex(m384->view()),
      "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");
}

}  // namespace
}  // namespace tls13::crypto
