// The default verifier's accepted-chain cache (verifier_options::cache_entries / cache_ttl,
// lib/x509/verified_paths.hpp): it may only save work, never accept what a full validation rejects.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "x509/verified_paths.hpp"
#include "x509_fixture.hpp"

namespace tls13 {
namespace {

using namespace test;
using pki::issue;
using pki::issued;
using errc = certificate_errc;
using std::chrono::seconds;

struct cache_pki : three_levels {
  std::vector<std::vector<std::byte>> ders{leaf.der(), ca.der()};
  std::vector<bytes> chain{ders.begin(), ders.end()};

  verify_request request(std::int64_t now, std::string_view host = "localhost",
                         peer_role role = peer_role::server) const {
    verify_request r;
    r.chain = &chain;
    r.server_name = host;
    r.role = role;
    r.now = pki::at(now);
    return r;
  }
};

std::error_code outcome(const certificate_verifier& v, const verify_request& r) {
  auto res = v.verify(r);
  return res ? std::error_code{} : res.error();
}

// ---- the cache itself

TEST(VerifiedPaths, RemembersUntilTtlOrNotAfterWhicheverIsFirst) {
  cache_pki p;
  x509::verified_paths c(4, seconds(300));
  const auto t0 = pki::at(pki::t_2030);
  auto r = p.request(pki::t_2030);
  EXPECT_FALSE(c.accepted(r, t0, 1));
  c.remember(r, t0, 1, pki::at(pki::t_2040));
  EXPECT_TRUE(c.accepted(r, t0, 1));
  EXPECT_TRUE(c.accepted(r, t0 + seconds(299), 1));
  EXPECT_FALSE(c.accepted(r, t0 + seconds(300), 1));  // the time to live is over
  EXPECT_FALSE(c.accepted(r, t0 - seconds(1), 1));    // a clock set back: validate again

  x509::verified_paths d(4, seconds(300));
  d.remember(r, t0, 1, t0 + seconds(10));  // the path's earliest notAfter comes first
  EXPECT_TRUE(d.accepted(r, t0 + seconds(9), 1));
  EXPECT_FALSE(d.accepted(r, t0 + seconds(10), 1));
  d.remember(r, t0 + seconds(20), 1, t0 + seconds(10));  // already past: nothing kept
  EXPECT_FALSE(d.accepted(r, t0 + seconds(20), 1));
}

TEST(VerifiedPaths, MatchesEveryInputExactly) {
  cache_pki p;
  x509::verified_paths c(8, seconds(300));
  const auto t0 = pki::at(pki::t_2030);
  c.remember(p.request(pki::t_2030), t0, 1, pki::at(pki::t_2040));
  EXPECT_TRUE(c.accepted(p.request(pki::t_2030), t0, 1));
  EXPECT_FALSE(c.accepted(p.request(pki::t_2030), t0, 2));  // the trust store changed since
  EXPECT_FALSE(c.accepted(p.request(pki::t_2030, "other.test"), t0, 1));
  EXPECT_FALSE(c.accepted(p.request(pki::t_2030, "localhost", peer_role::client), t0, 1));
  auto asked = p.request(pki::t_2030);
  asked.ocsp_requested = true;
  EXPECT_FALSE(c.accepted(asked, t0, 1));
  auto ip = p.request(pki::t_2030, "");
  ip.ip_address = "127.0.0.1";
  EXPECT_FALSE(c.accepted(ip, t0, 1));
  // The leaf alone, a flipped octet, an extra certificate: other chains.
  std::vector<bytes> leaf_only{p.chain[0]};
  auto r = p.request(pki::t_2030);
  r.chain = &leaf_only;
  EXPECT_FALSE(c.accepted(r, t0, 1));
  auto flipped = p.ders;
  flipped[1][flipped[1].size() / 2] ^= std::byte{1};
  std::vector<bytes> flipped_views(flipped.begin(), flipped.end());
  r.chain = &flipped_views;
  EXPECT_FALSE(c.accepted(r, t0, 1));
  std::vector<bytes> longer{p.chain[0], p.chain[1], p.chain[1]};
  r.chain = &longer;
  EXPECT_FALSE(c.accepted(r, t0, 1));
}

TEST(VerifiedPaths, KeepsAtMostItsCapacityOldestOut) {
  cache_pki p;
  x509::verified_paths c(2, seconds(300));
  const auto t0 = pki::at(pki::t_2030);
  const auto until = pki::at(pki::t_2040);
  c.remember(p.request(pki::t_2030, "a.test"), t0, 1, until);
  c.remember(p.request(pki::t_2030, "b.test"), t0, 1, until);
  c.remember(p.request(pki::t_2030, "c.test"), t0, 1, until);  // replaces a.test
  EXPECT_FALSE(c.accepted(p.request(pki::t_2030, "a.test"), t0, 1));
  EXPECT_TRUE(c.accepted(p.request(pki::t_2030, "b.test"), t0, 1));
  EXPECT_TRUE(c.accepted(p.request(pki::t_2030, "c.test"), t0, 1));

  x509::verified_paths off(0, seconds(300));
  verifier_options o;
  EXPECT_FALSE(off.applies_to(p.request(pki::t_2030), o));
}

TEST(VerifiedPaths, NotForCallbacksOrStaples) {
  cache_pki p;
  x509::verified_paths c(4, seconds(300));
  verifier_options plain, with_callback;
  with_callback.verify_callback = [](bool ok, x509_store_ctx_st*) { return ok; };
  auto r = p.request(pki::t_2030);
  EXPECT_TRUE(c.applies_to(r, plain));
  EXPECT_FALSE(c.applies_to(r, with_callback));
  const std::byte staple[1] = {std::byte{0x30}};
  r.ocsp_response = staple;
  EXPECT_FALSE(c.applies_to(r, plain));
  x509::verified_paths no_ttl(4, seconds(0));
  EXPECT_FALSE(no_ttl.applies_to(p.request(pki::t_2030), plain));
}

// ---- through the default verifier: an accepted chain is still rejected wherever a full check would

TEST(AcceptedChainCache, NeverOutlivesTheCertificates) {
  cache_pki p;
  verifier_options o;
  o.cache_ttl = std::chrono::hours(24 * 365 * 20);  // only the certificates' notAfter bounds it
  auto v = make_default_verifier(store_of({&p.root}), o);
  EXPECT_FALSE(outcome(*v, p.request(pki::t_2030)));
  EXPECT_FALSE(outcome(*v, p.request(pki::t_2030 + 1)));
  EXPECT_EQ(outcome(*v, p.request(pki::t_2040 + 1)), make_error_code(errc::expired));
  EXPECT_EQ(outcome(*v, p.request(pki::t_2020 - 1)), make_error_code(errc::expired));  // not yet valid
}

TEST(AcceptedChainCache, ExpiresWithTheShortestLivedCertificate) {
  issued root = issue(pki::root_spec("Root"));
  auto short_ca = pki::ca_spec("Short CA");
  short_ca.not_after = pki::t_2030 + 60;
  issued ca = issue(short_ca, &root);
  issued leaf = issue(pki::server_spec(), &ca);
  std::vector<std::vector<std::byte>> ders{leaf.der(), ca.der()};
  std::vector<bytes> chain(ders.begin(), ders.end());
  verifier_options o;
  o.cache_ttl = seconds(3600);  // longer than the intermediate has left
  auto v = make_default_verifier(store_of({&root}), o);
  verify_request r;
  r.chain = &chain;
  r.server_name = "localhost";
  r.now = pki::at(pki::t_2030);
  EXPECT_FALSE(outcome(*v, r));
  r.now = pki::at(pki::t_2030 + 59);
  EXPECT_FALSE(outcome(*v, r));
  r.now = pki::at(pki::t_2030 + 61);
  EXPECT_EQ(outcome(*v, r), make_error_code(errc::expired));
}

TEST(AcceptedChainCache, NameRoleAndMustStapleAreCheckedPerRequest) {
  issued root = issue(pki::root_spec("Root"));
  issued ca = issue(pki::ca_spec("Issuing CA"), &root);
  auto spec = pki::server_spec();
  spec.must_staple = true;
  issued leaf = issue(spec, &ca);
  std::vector<std::vector<std::byte>> ders{leaf.der(), ca.der()};
  std::vector<bytes> chain(ders.begin(), ders.end());
  auto v = make_default_verifier(store_of({&root}));
  verify_request r;
  r.chain = &chain;
  r.server_name = "localhost";
  r.now = pki::at(pki::t_2030);
  EXPECT_FALSE(outcome(*v, r));  // no staple asked for: must-staple does not apply
  auto other = r;
  other.server_name = "example.com";
  EXPECT_EQ(outcome(*v, other), make_error_code(errc::name_mismatch));
  auto as_client = r;
  as_client.role = peer_role::client;
  as_client.server_name = {};
  EXPECT_EQ(outcome(*v, as_client), make_error_code(errc::bad_key_usage));
  auto asked = r;
  asked.ocsp_requested = true;  // asked, and none came: RFC 7633
  EXPECT_EQ(outcome(*v, asked), make_error_code(errc::bad_certificate));
}

TEST(AcceptedChainCache, AStapleIsAlwaysChecked) {
  cache_pki p;
  auto v = make_default_verifier(store_of({&p.root}));
  EXPECT_FALSE(outcome(*v, p.request(pki::t_2030)));
  pki::ocsp_spec revoked;
  revoked.status = V_OCSP_CERTSTATUS_REVOKED;
  const auto staple = pki::make_ocsp(p.leaf, p.ca, p.ca, revoked);
  auto r = p.request(pki::t_2030);
  r.ocsp_response = staple;
  EXPECT_EQ(outcome(*v, r), make_error_code(errc::revoked));
}

TEST(AcceptedChainCache, TheCallbackSeesEveryValidation) {
  cache_pki p;
  std::atomic<int> calls{0};
  verifier_options o;
  o.verify_callback = [&](bool ok, x509_store_ctx_st*) {
    ++calls;
    return ok;
  };
  auto v = make_default_verifier(store_of({&p.root}), o);
  EXPECT_FALSE(outcome(*v, p.request(pki::t_2030)));
  const int first = calls.load();
  EXPECT_GT(first, 0);
  EXPECT_FALSE(outcome(*v, p.request(pki::t_2030)));
  EXPECT_EQ(calls.load(), 2 * first);
}

TEST(AcceptedChainCache, AnotherTrustStoreDoesNotShareIt) {
  cache_pki p;
  issued stranger = issue(pki::root_spec("Stranger"));
  auto trusting = make_default_verifier(store_of({&p.root}));
  auto other = make_default_verifier(store_of({&stranger}));
  EXPECT_FALSE(outcome(*trusting, p.request(pki::t_2030)));
  EXPECT_EQ(outcome(*other, p.request(pki::t_2030)), make_error_code(errc::unknown_issuer));
}

// An anchor added later can change the path libcrypto builds (trusted first): here a copy of the
// intermediate, same name and key, whose name constraints exclude the host. A fresh validation
// rejects the chain; so must the verifier that accepted it before the store changed.
TEST(AcceptedChainCache, AStoreChangeIsSeenAtOnce) {
  cache_pki p;
  auto store = store_of({&p.root});
  auto v = make_default_verifier(store);
  EXPECT_FALSE(outcome(*v, p.request(pki::t_2030)));
  auto constrained = pki::ca_spec("Issuing CA");
  constrained.use_key = p.ca.key;
  constrained.nc_excluded = {"DNS:localhost"};
  issued anchor = issue(constrained);  // self-signed, same subject and key as the intermediate
  ASSERT_TRUE(store->add_der(anchor.der()));
  EXPECT_EQ(outcome(*make_default_verifier(store), p.request(pki::t_2030)),
            make_error_code(errc::constraint_violated));
  EXPECT_EQ(outcome(*v, p.request(pki::t_2030 + 1)), make_error_code(errc::constraint_violated));
}

// Shared by the connections of many threads (TSan runs this).
TEST(AcceptedChainCache, ConcurrentVerifications) {
  cache_pki p;
  verifier_options o;
  o.cache_entries = 2;  // hosts outnumber entries: lookups, inserts and replacements race
  auto v = make_default_verifier(store_of({&p.root}), o);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const bool good = (i + t) % 3 != 0;
        const auto r = p.request(pki::t_2030 + i, good ? ((i % 2) ? "localhost" : "127.0.0.1") : "bad.test");
        const bool ok = !outcome(*v, r);
        if (ok != good) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace tls13
