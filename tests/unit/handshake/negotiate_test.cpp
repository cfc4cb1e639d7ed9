// Server-side negotiation choices and the handshake transition table.
#include "handshake/server/negotiate.hpp"

#include <gtest/gtest.h>

#include "handshake/transitions.hpp"
#include "test_support.hpp"

namespace tls13::handshake {
namespace {

using test::unhex;
using test::view;

TEST(Negotiate, CipherSuiteFollowsServerPreference) {
  const auto client = unhex("130313011302");
  const cipher_suite ours[] = {cipher_suite::aes_256_gcm_sha384, cipher_suite::aes_128_gcm_sha256};
  EXPECT_EQ(select_cipher_suite(ours, u16_list(view(client))), cipher_suite::aes_256_gcm_sha384);
  const auto none = unhex("c02f");
  EXPECT_FALSE(select_cipher_suite(ours, u16_list(view(none))));
}

TEST(Negotiate, GroupPrefersASentShareThenFallsBackToRetry) {
  const named_group ours[] = {named_group::x25519, named_group::secp256r1, named_group::secp384r1};
  const auto groups = unhex("00170018001d");
  std::vector<std::byte> key{std::byte{1}};
  // The client sent only a P-384 share: take it rather than asking for X25519 with an HRR.
  std::vector<key_share_entry> shares{{0x0018, view(key)}};
  auto g = select_group(ours, u16_list(view(groups)), shares);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->group, named_group::secp384r1);
  EXPECT_EQ(g->share, &shares[0]);
  // No shares: our favourite among the client's groups, with a retry.
  auto hrr = select_group(ours, u16_list(view(groups)), {});
  ASSERT_TRUE(hrr);
  EXPECT_EQ(hrr->group, named_group::x25519);
  EXPECT_EQ(hrr->share, nullptr);
  // A share for a group not in supported_groups.
  std::vector<key_share_entry> stray{{0x001e, view(key)}};
  EXPECT_EQ(to_alert(select_group(ours, u16_list(view(groups)), stray).error()),
            alert_description::illegal_parameter);
  // Unknown shares (e.g. GREASE 0x0a0a) are skipped when listed in supported_groups too.
  const auto grease_groups = unhex("0a0a0017");
  std::vector<key_share_entry> grease{{0x0a0a, view(key)}};
  auto gg = select_group(ours, u16_list(view(grease_groups)), grease);
  ASSERT_TRUE(gg);
  EXPECT_EQ(gg->group, named_group::secp256r1);
  EXPECT_EQ(gg->share, nullptr);
  const auto other = unhex("0019");
  EXPECT_EQ(to_alert(select_group(ours, u16_list(view(other)), {}).error()),
            alert_description::handshake_failure);
}

TEST(Negotiate, Alpn) {
  const std::string ours[] = {"h2", "http/1.1"};
  const std::string h11 = "http/1.1", spdy = "spdy/3";
  std::vector<bytes> theirs{view(spdy), view(h11)};
  auto a = select_alpn(ours, theirs);
  ASSERT_TRUE(a);
  EXPECT_EQ(**a, "http/1.1");
  std::vector<bytes> none{view(spdy)};
  EXPECT_EQ(to_alert(select_alpn(ours, none).error()), alert_description::no_application_protocol);
  auto absent = select_alpn(ours, {});
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->has_value());
}

TEST(Negotiate, SignatureSchemeAndServerNames) {
  const signature_scheme key[] = {signature_scheme::rsa_pss_rsae_sha256,
                                  signature_scheme::rsa_pss_rsae_sha384};
  const auto client = unhex("04030805");
  EXPECT_EQ(select_signature_scheme(key, u16_list(view(client))), signature_scheme::rsa_pss_rsae_sha384);
  const auto ecdsa_only = unhex("0403");
  EXPECT_FALSE(select_signature_scheme(key, u16_list(view(ecdsa_only))));
  EXPECT_TRUE(server_name_matches("example.com", "EXAMPLE.com"));
  EXPECT_TRUE(server_name_matches("example.com", "example.com."));
  EXPECT_TRUE(server_name_matches("*.example.com", "www.example.com"));
  EXPECT_FALSE(server_name_matches("*.example.com", "example.com"));
  EXPECT_FALSE(server_name_matches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(server_name_matches("example.com", "www.example.com"));
}

TEST(Transitions, EveryStateMessagePairIsDecidedByTheTable) {
  int allowed = 0, unexpected = 0;
  for (int s = 0; s < static_cast<int>(state::count_); ++s) {
    for (int m = 0; m <= static_cast<int>(incoming::key_update); ++m) {
      const auto* t = find_transition(static_cast<state>(s), static_cast<incoming>(m));
      if (t == nullptr) {
        ++unexpected;
        continue;
      }
      ++allowed;
      EXPECT_GE(t->target_count, 1);
    }
  }
  EXPECT_EQ(allowed, static_cast<int>(std::size(transitions)));
  EXPECT_GT(unexpected, 100);
  // Spot checks against RFC 8446 Appendix A.
  EXPECT_EQ(find_transition(state::client_wait_sh_retry, incoming::hello_retry_request),
            nullptr);  // one HRR only
  EXPECT_EQ(find_transition(state::client_wait_ee, incoming::certificate), nullptr);
  EXPECT_EQ(find_transition(state::server_wait_finished, incoming::certificate), nullptr);
  EXPECT_EQ(find_transition(state::connected, incoming::client_hello), nullptr);  // no renegotiation
  const auto* ee = find_transition(state::client_wait_ee, incoming::encrypted_extensions);
  ASSERT_NE(ee, nullptr);
  EXPECT_TRUE(allows(*ee, state::client_wait_finished));  // PSK: no certificate
  EXPECT_FALSE(allows(*ee, state::connected));
}

}  // namespace
}  // namespace tls13::handshake

#include "handshake/server/cookie.hpp"

namespace tls13::handshake {
namespace {

TEST(Cookie, RoundTripsAndRejectsTampering) {
  const auto key = test::unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  auto h = crypto::hash(crypto::hash_alg::sha384, test::view("client hello 1"));
  ASSERT_TRUE(h);
  cookie_contents c{cipher_suite::aes_256_gcm_sha384, named_group::secp256r1, *h};
  auto sealed = seal_cookie(test::view(key), c);
  ASSERT_TRUE(sealed);
  auto opened = open_cookie(test::view(key), *sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->suite, c.suite);
  EXPECT_EQ(opened->group, c.group);
  EXPECT_EQ(test::hex(opened->client_hello1_hash.view()), test::hex(h->view()));
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    auto bad = *sealed;
    bad[i] ^= std::byte{0x01};
    auto r = open_cookie(test::view(key), bad);
    ASSERT_FALSE(r) << "flipped byte " << i;
    EXPECT_EQ(to_alert(r.error()), alert_description::illegal_parameter);
  }
  auto other_key = key;
  other_key[0] = std::byte{0xff};
  EXPECT_FALSE(open_cookie(test::view(other_key), *sealed));
  EXPECT_FALSE(open_cookie(test::view(key), bytes(*sealed).first(10)));
}

}  // namespace
}  // namespace tls13::handshake
