// OCSP stapling in the handshake (RFC 8446 §4.4.2.1, RFC 6066 §8, RFC 7633) between our client and
// our server, on a PKI and OCSP responses issued at test time (support/cert_factory.hpp): the client's
// status_request, the server's staple on the leaf's CertificateEntry, and every way a staple can fail.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

// pair.hpp's test::pki(name) (a path in tests/vectors/pki) would clash with cert_factory.hpp's
// test::pki namespace: it is renamed for this file, which does not use it.
#define pki pki_vector_path
#include "pair.hpp"
#undef pki
#include "cert_factory.hpp"
#include "tls13/crypto_provider.hpp"

namespace tls13 {
namespace {

using test::make_pair;
using test::pki::issue;
using test::pki::issued;
namespace pki = test::pki;

// A fixed clock, so the factory's OCSP times (thisUpdate 2030-01-01 - 1 h, nextUpdate + 1 day) apply.
class fixed_clock final : public default_provider {
 public:
  explicit fixed_clock(std::int64_t unix_seconds) : at_(pki::at(unix_seconds)) {}
  std::chrono::system_clock::time_point now() const override { return at_; }

 private:
  std::chrono::system_clock::time_point at_;
};

std::shared_ptr<const signing_key> signer_of(const issued& c) {
  BIO* b = BIO_new(BIO_s_mem());
  if (b == nullptr || PEM_write_bio_PrivateKey(b, c.key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw std::runtime_error("PEM_write_bio_PrivateKey");
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  auto k = private_key::from_pem(std::string_view(data, static_cast<std::size_t>(n)));
  BIO_free(b);
  if (!k) throw std::runtime_error("private_key::from_pem");
  return std::make_shared<private_key>(std::move(*k));
}

struct ocsp_pki {
  issued root = issue(pki::root_spec("Root"));
  issued ca = issue(pki::ca_spec("Issuing CA"), &root);
  issued other_ca = issue(pki::ca_spec("Other CA"), &root);
  issued leaf = issue(pki::server_spec(), &ca);

  static issued must_staple_leaf(const issued& by) {
    auto s = pki::server_spec();
    s.must_staple = true;
    return issue(s, &by);
  }

  std::shared_ptr<client_config> client(std::int64_t now = pki::t_2030, verifier_options opts = {}) const {
    auto c = std::make_shared<client_config>();
    auto store = trust_store::create();
    if (!store || !(*store)->add_der(root.der())) throw std::runtime_error("trust store");
    c->verifier = make_default_verifier(*store, opts);
    c->provider = std::make_shared<fixed_clock>(now);
    return c;
  }

  // A server for `cert` (sent with `chain_rest` after it), stapling `response` if not empty.
  std::shared_ptr<server_config> server(const issued& cert, std::vector<const issued*> chain_rest,
                                        std::vector<std::byte> response,
                                        std::int64_t now = pki::t_2030) const {
    auto k = std::make_shared<certified_key>();
    k->chain.push_back(cert.der());
    for (const auto* c : chain_rest) k->chain.push_back(c->der());
    k->key = signer_of(cert);
    if (!response.empty()) k->ocsp = std::make_shared<ocsp_staple>(std::move(response));
    auto s = std::make_shared<server_config>();
    s->certificates.push_back(std::move(k));
    s->provider = std::make_shared<fixed_clock>(now);
    return s;
  }
  std::shared_ptr<server_config> server(std::vector<std::byte> response,
                                        std::int64_t now = pki::t_2030) const {
    return server(leaf, {&ca}, std::move(response), now);
  }
};

// Staples its response as it is, unchecked (ocsp_staple::usable() overridden), so a client can be
// shown staples our own server would never send.
class unchecked_staple final : public ocsp_staple {
 public:
  explicit unchecked_staple(std::vector<std::byte> der)
      : der_(std::make_shared<const std::vector<std::byte>>(std::move(der))) {}
  std::shared_ptr<const std::vector<std::byte>> usable(const std::vector<std::vector<std::byte>>&,
                                                       std::chrono::system_clock::time_point) const override {
    return der_;
  }

 private:
  std::shared_ptr<const std::vector<std::byte>> der_;
};

std::shared_ptr<server_config> stapling_anyway(std::shared_ptr<server_config> s, std::vector<std::byte> der) {
  auto k = std::make_shared<certified_key>(*s->certificates[0]);
  k->ocsp = std::make_shared<unchecked_staple>(std::move(der));
  s->certificates[0] = std::move(k);
  return s;
}

std::string why(const test::pair& p) { return p.client.error.message() + " / " + p.server.error.message(); }

TEST(OcspStapling, GoodStapleIsSentVerifiedAndReported) {
  ocsp_pki k;
  const auto resp = pki::make_ocsp(k.leaf, k.ca, k.ca);
  auto p = make_pair(k.client(), k.server(resp));
  ASSERT_TRUE(p.handshake()) << why(p);
  const auto& ci = p.client.conn->info();
  EXPECT_TRUE(ci.peer_authenticated);
  EXPECT_TRUE(ci.ocsp_stapled);
  EXPECT_EQ(ci.ocsp_response, resp);
  EXPECT_TRUE(p.server.conn->info().ocsp_stapled);
  // The same staple again (the server's check is cached), and through a HelloRetryRequest.
  auto c = k.client();
  c->groups = {named_group::x25519, named_group::secp256r1};
  c->key_shares = 1;
  auto s = k.server(resp);
  s->groups = {named_group::secp256r1};
  auto q = make_pair(c, s);
  ASSERT_TRUE(q.handshake()) << why(q);
  EXPECT_TRUE(q.client.conn->info().hello_retry);
  EXPECT_TRUE(q.client.conn->info().ocsp_stapled);
}

TEST(OcspStapling, NothingIsStapledUnlessAsked) {
  ocsp_pki k;
  auto c = k.client();
  c->request_ocsp = false;
  auto p = make_pair(c, k.server(pki::make_ocsp(k.leaf, k.ca, k.ca)));
  ASSERT_TRUE(p.handshake()) << why(p);
  EXPECT_FALSE(p.client.conn->info().ocsp_stapled);
  EXPECT_FALSE(p.server.conn->info().ocsp_stapled);
  // Asked, but the server has no response: fine under the default soft-fail policy.
  auto q = make_pair(k.client(), k.server({}));
  ASSERT_TRUE(q.handshake()) << why(q);
  EXPECT_FALSE(q.client.conn->info().ocsp_stapled);
}

TEST(OcspStapling, RevokedIsCertificateRevoked) {
  ocsp_pki k;
  pki::ocsp_spec revoked;
  revoked.status = V_OCSP_CERTSTATUS_REVOKED;
  revoked.reason = OCSP_REVOKED_STATUS_KEYCOMPROMISE;
  const auto resp = pki::make_ocsp(k.leaf, k.ca, k.ca, revoked);
  // Our server never staples a response that is not "good"...
  auto p = make_pair(k.client(), k.server(resp));
  ASSERT_TRUE(p.handshake()) << why(p);
  EXPECT_FALSE(p.server.conn->info().ocsp_stapled);
  // ... one that does makes the client fail with certificate_revoked.
  auto q = make_pair(k.client(), stapling_anyway(k.server({}), resp));
  EXPECT_FALSE(q.handshake());
  EXPECT_TRUE(q.server.conn->info().ocsp_stapled);
  EXPECT_EQ(q.client.error, make_error_code(certificate_errc::revoked));
  EXPECT_EQ(q.server.error, alert_received(alert_description::certificate_revoked));
}

TEST(OcspStapling, UnusableStapleIsBadCertificateStatusResponse) {
  ocsp_pki k;
  const auto expect_bad_status = [](test::pair& p) {
    EXPECT_FALSE(p.handshake());
    EXPECT_TRUE(p.server.conn->info().ocsp_stapled);
    EXPECT_EQ(p.client.error, make_error_code(certificate_errc::bad_status_response));
    EXPECT_EQ(p.server.error, alert_received(alert_description::bad_certificate_status_response));
  };
  // Stale at the client's clock (the server, three days behind, still found it fresh).
  auto p = make_pair(k.client(pki::t_2030 + 3 * 86400), k.server(pki::make_ocsp(k.leaf, k.ca, k.ca)));
  expect_bad_status(p);
  // Stale at both clocks, stapled anyway.
  pki::ocsp_spec old;
  old.this_update = pki::t_2030 - 10 * 86400;
  old.next_update = pki::t_2030 - 9 * 86400;
  auto q = make_pair(k.client(), stapling_anyway(k.server({}), pki::make_ocsp(k.leaf, k.ca, k.ca, old)));
  expect_bad_status(q);
  // About another certificate (wrong CertID), signed by another CA, or not an OCSP response at all.
  const issued sibling = issue(pki::server_spec("sibling"), &k.ca);
  auto r = make_pair(k.client(), stapling_anyway(k.server({}), pki::make_ocsp(sibling, k.ca, k.ca)));
  expect_bad_status(r);
  auto t = make_pair(k.client(), stapling_anyway(k.server({}), pki::make_ocsp(k.leaf, k.ca, k.other_ca)));
  expect_bad_status(t);
  auto u = make_pair(k.client(), stapling_anyway(k.server({}), {std::byte{0x30}, std::byte{0}}));
  expect_bad_status(u);
}

TEST(OcspStapling, ServerStaplesOnlyUsableResponsesAndReloads) {
  ocsp_pki k;
  // Expired at the server's clock: not stapled (the handshake goes on without it).
  auto p = make_pair(k.client(pki::t_2030 + 3 * 86400),
                     k.server(pki::make_ocsp(k.leaf, k.ca, k.ca), pki::t_2030 + 3 * 86400));
  ASSERT_TRUE(p.handshake()) << why(p);
  EXPECT_FALSE(p.server.conn->info().ocsp_stapled);
  // About another certificate, or signed by someone else: not stapled either.
  const issued sibling = issue(pki::server_spec("sibling"), &k.ca);
  auto s = k.server(pki::make_ocsp(sibling, k.ca, k.ca));
  auto q = make_pair(k.client(), s);
  ASSERT_TRUE(q.handshake()) << why(q);
  EXPECT_FALSE(q.server.conn->info().ocsp_stapled);
  // Reloaded with a good one: the next handshake staples it.
  const auto good = pki::make_ocsp(k.leaf, k.ca, k.ca);
  s->certificates[0]->ocsp->set(good);
  EXPECT_EQ(*s->certificates[0]->ocsp->current(), good);
  auto r = make_pair(k.client(), s);
  ASSERT_TRUE(r.handshake()) << why(r);
  EXPECT_TRUE(r.server.conn->info().ocsp_stapled);
  EXPECT_EQ(r.client.conn->info().ocsp_response, good);
  // Without the issuer in the chain there is nothing to check the response against: not stapled.
  auto t = make_pair(k.client(), k.server(k.leaf, {}, good));
  EXPECT_FALSE(t.handshake());  // (and the client cannot build the path either)
  EXPECT_FALSE(t.server.conn->info().ocsp_stapled);
}

TEST(OcspStapling, UnsolicitedStapleIsUnsupportedExtension) {
  ocsp_pki k;
  // The client does not ask (request_ocsp = false), but its hook adds status_request to the
  // ClientHello, so our server staples: the client must refuse what it did not ask for (§4.4.2).
  auto c = k.client();
  c->request_ocsp = false;
  c->extension_hook_for_testing = [](handshake_type m, std::vector<raw_extension>& ext) {
    if (m == handshake_type::client_hello)
      ext.push_back({5, {std::byte{1}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}}});
  };
  auto p = make_pair(c, k.server(pki::make_ocsp(k.leaf, k.ca, k.ca)));
  EXPECT_FALSE(p.handshake());
  EXPECT_EQ(p.client.error, make_error_code(protocol_errc::unsupported_extension));
  EXPECT_EQ(p.server.error, alert_received(alert_description::unsupported_extension));
}

TEST(OcspStapling, MustStapleLeafNeedsAStaple) {
  ocsp_pki k;
  const issued must = ocsp_pki::must_staple_leaf(k.ca);
  auto p = make_pair(k.client(), k.server(must, {&k.ca}, {}));
  EXPECT_FALSE(p.handshake());
  EXPECT_EQ(p.client.error, make_error_code(certificate_errc::bad_certificate));
  EXPECT_EQ(p.server.error, alert_received(alert_description::bad_certificate));
  auto q = make_pair(k.client(), k.server(must, {&k.ca}, pki::make_ocsp(must, k.ca, k.ca)));
  ASSERT_TRUE(q.handshake()) << why(q);
  EXPECT_TRUE(q.client.conn->info().ocsp_stapled);
  // A client that does not ask does not enforce it (it cannot expect a staple).
  auto c = k.client();
  c->request_ocsp = false;
  auto r = make_pair(c, k.server(must, {&k.ca}, {}));
  ASSERT_TRUE(r.handshake()) << why(r);
  // Hard-fail policy: every leaf needs a good staple.
  verifier_options hard;
  hard.ocsp.mode = ocsp_mode::hard_fail;
  auto t = make_pair(k.client(pki::t_2030, hard), k.server({}));
  EXPECT_FALSE(t.handshake());
  EXPECT_EQ(t.client.error, make_error_code(certificate_errc::bad_certificate));
  auto u = make_pair(k.client(pki::t_2030, hard), k.server(pki::make_ocsp(k.leaf, k.ca, k.ca)));
  ASSERT_TRUE(u.handshake()) << why(u);
}

}  // namespace
}  // namespace tls13
