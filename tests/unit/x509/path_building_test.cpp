// Path building: cross-signed roots, several candidate issuers, loops, over-long chains and the bounds
// on the work a peer can make us do.
#include <gtest/gtest.h>

#include "x509_fixture.hpp"

namespace tls13 {
namespace {

using namespace test;
using pki::issue;
using pki::issued;
using errc = certificate_errc;

TEST(PathBuilding, CrossSignedRoots) {
  issued old_root = issue(pki::root_spec("Old Root"));
  issued new_root = issue(pki::root_spec("New Root"));
  auto cross = pki::ca_spec("New Root");
  cross.use_key = new_root.key;
  issued new_by_old = issue(cross, &old_root);  // the new root, cross-signed by the old one
  issued inter = issue(pki::ca_spec("Int"), &new_root);
  issued leaf = issue(pki::server_spec(), &inter);
  // A client that trusts the new root stops there, even though the peer sent the cross-certificate.
  auto r = validate({&new_root}, {&leaf, &inter, &new_by_old});
  ASSERT_TRUE(accepted(r));
  EXPECT_EQ(r.subjects.back(), "CN=New Root");
  EXPECT_EQ(r.chain.back(), new_root.der());
  // A client that only knows the old root goes through the cross-certificate.
  r = validate({&old_root}, {&leaf, &inter, &new_by_old});
  ASSERT_TRUE(accepted(r));
  ASSERT_EQ(r.subjects.size(), 4u);
  EXPECT_EQ(r.subjects.back(), "CN=Old Root");
  EXPECT_TRUE(rejected(validate({&old_root}, {&leaf, &inter}), errc::unknown_issuer));
}

TEST(PathBuilding, SeveralCandidateIssuers) {
  issued root = issue(pki::root_spec("Root"));
  auto key = pki::make_key(pki::key_type::p256);
  auto spec = pki::ca_spec("Int");
  spec.use_key = key;
  auto sha1_spec = spec;
  sha1_spec.sig_hash = pki::hash::sha1;
  auto expired_spec = spec;
  expired_spec.not_after = pki::t_2030 - 100;
  issued good = issue(spec, &root);
  issued sha1 = issue(sha1_spec, &root);
  issued expired = issue(expired_spec, &root);
  issued leaf = issue(pki::server_spec(), &good);  // same name and key: any candidate issued it
  EXPECT_TRUE(accepted(validate({&root}, {&leaf, &good, &sha1})));
  // The weak candidate comes first: the path through it fails policy and the next candidate is tried.
  auto r = validate({&root}, {&leaf, &sha1, &good});
  ASSERT_TRUE(accepted(r));
  EXPECT_EQ(r.chain[1], good.der());
  run_options one_try;
  one_try.opts.policy.max_path_attempts = 1;
  EXPECT_TRUE(rejected(validate({&root}, {&leaf, &sha1, &good}, one_try), errc::bad_certificate));  // SHA-1
  // An expired candidate is passed over by libcrypto itself.
  EXPECT_TRUE(accepted(validate({&root}, {&leaf, &expired, &good}, one_try)));
  EXPECT_TRUE(rejected(validate({&root}, {&leaf, &expired}), errc::expired));
}

TEST(PathBuilding, WorkIsBounded) {
  issued root = issue(pki::root_spec("Root"));
  auto key = pki::make_key(pki::key_type::p256);
  auto weak = pki::ca_spec("Int");
  weak.use_key = key;
  weak.sig_hash = pki::hash::sha1;
  auto strong = weak;
  strong.sig_hash = pki::hash::sha256;
  std::vector<issued> bad;
  for (int i = 0; i < 6; ++i) bad.push_back(issue(weak, &root));
  issued good = issue(strong, &root);
  issued leaf = issue(pki::server_spec(), &good);
  std::vector<const issued*> presented{&leaf};
  for (const auto& b : bad) presented.push_back(&b);
  presented.push_back(&good);
  // Four path builds by default: six bad candidates in front of the good one exhaust the budget,
  // and the first failure is reported.
  auto r = validate({&root}, presented);
  EXPECT_TRUE(rejected(r, errc::bad_certificate));  // SHA-1: RFC 8446 §4.4.2.4
  EXPECT_NE(r.reason.find("SHA1"), std::string::npos) << r.reason;
  run_options more;
  more.opts.policy.max_path_attempts = 8;
  EXPECT_TRUE(accepted(validate({&root}, presented, more)));
  // More certificates than the peer may send: refused before any path building.
  presented.insert(presented.end(), {&good, &good, &good});
  EXPECT_EQ(presented.size(), 11u);
  EXPECT_TRUE(rejected(validate({&root}, presented, more), errc::chain_too_long));
}

TEST(PathBuilding, LoopsTerminate) {
  issued unrelated = issue(pki::root_spec("Unrelated Root"));
  issued b_self = issue(pki::ca_spec("Loop B"));
  issued a = issue(pki::ca_spec("Loop A"), &b_self);
  auto b_spec = pki::ca_spec("Loop B");
  b_spec.use_key = b_self.key;
  issued b = issue(b_spec, &a);  // A issued by B, B issued by A
  issued leaf = issue(pki::server_spec(), &a);
  EXPECT_TRUE(rejected(validate({&unrelated}, {&leaf, &a, &b}), errc::unknown_issuer));
  EXPECT_TRUE(rejected(validate({&unrelated}, {&leaf, &a, &b, &b_self}), errc::unknown_issuer));
  // Trusting B (either certificate of it) ends the loop at B.
  EXPECT_TRUE(accepted(validate({&b_self}, {&leaf, &a, &b})));
}

TEST(PathBuilding, OverLongChains) {
  issued root = issue(pki::root_spec("Root"));
  std::vector<issued> ints;
  for (int i = 0; i < 9; ++i)
    ints.push_back(issue(pki::ca_spec("Int " + std::to_string(i)), i == 0 ? &root : &ints.back()));
  issued leaf = issue(pki::server_spec(), &ints.back());
  std::vector<const issued*> presented{&leaf};
  for (auto it = ints.rbegin(); it != ints.rend(); ++it) presented.push_back(&*it);
  // Nine intermediates, eight allowed by default.
  EXPECT_TRUE(rejected(validate({&root}, presented), errc::chain_too_long));
  run_options deeper;
  deeper.opts.max_depth = 9;
  auto r = validate({&root}, presented, deeper);
  ASSERT_TRUE(accepted(r));
  EXPECT_EQ(r.chain.size(), 11u);
  run_options shallow;
  shallow.opts.max_depth = 0;
  issued direct = issue(pki::server_spec(), &root);
  EXPECT_TRUE(accepted(validate({&root}, {&direct}, shallow)));
  issued leaf0 = issue(pki::server_spec(), &ints[0]);
  EXPECT_TRUE(rejected(validate({&root}, {&leaf0, &ints[0]}, shallow), errc::chain_too_long));
}

}  // namespace
}  // namespace tls13
