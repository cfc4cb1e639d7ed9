// OCSP response verification, the server's staple check, must-staple, and stapling in the verifier.
#include <gtest/gtest.h>

#include "x509_fixture.hpp"

namespace tls13 {
namespace {

using namespace test;
using pki::issue;
using pki::issued;
using errc = certificate_errc;
using std::chrono::seconds;

struct ocsp_pki : three_levels {
  issued other_ca = issue(pki::ca_spec("Other CA"), &root);

  issued responder(const char* eku, const issued& by) {
    auto s = pki::server_spec("OCSP Responder", "DNS:ocsp.test");
    if (eku != nullptr)
      s.ext_key_usage = eku;
    else
      s.ext_key_usage.reset();
    return issue(s, &by);
  }

  result<ocsp_response_info> check(const std::vector<std::byte>& resp, std::int64_t now = pki::t_2030,
                                   std::string* why = nullptr) {
    return verify_ocsp_response(resp, leaf.der(), ca.der(), pki::at(now), {}, why);
  }
};

TEST(Ocsp, GoodRevokedUnknown) {
  ocsp_pki p;
  auto good = p.check(pki::make_ocsp(p.leaf, p.ca, p.ca));
  ASSERT_TRUE(good) << good.error().message();
  EXPECT_EQ(good->status, ocsp_cert_status::good);
  EXPECT_EQ(good->this_update, pki::at(pki::t_2030 - 3600));
  EXPECT_EQ(good->next_update, pki::at(pki::t_2030 + 86400));
  EXPECT_EQ(good->valid_until, pki::at(pki::t_2030 + 86400 + 300));

  pki::ocsp_spec revoked;
  revoked.status = V_OCSP_CERTSTATUS_REVOKED;
  revoked.reason = OCSP_REVOKED_STATUS_KEYCOMPROMISE;
  std::string why;
  auto r = p.check(pki::make_ocsp(p.leaf, p.ca, p.ca, revoked), pki::t_2030, &why);
  EXPECT_EQ(r.error(), make_error_code(errc::revoked));
  EXPECT_NE(why.find("revoked"), std::string::npos) << why;
  EXPECT_NE(why.find("keyCompromise"), std::string::npos) << why;
  EXPECT_EQ(to_alert(r.error()), alert_description::certificate_revoked);

  pki::ocsp_spec unknown;
  unknown.status = V_OCSP_CERTSTATUS_UNKNOWN;
  auto u = p.check(pki::make_ocsp(p.leaf, p.ca, p.ca, unknown));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->status, ocsp_cert_status::unknown);
}

TEST(Ocsp, Freshness) {
  ocsp_pki p;
  const auto resp = pki::make_ocsp(p.leaf, p.ca, p.ca);
  EXPECT_TRUE(p.check(resp, pki::t_2030 + 86400 + 299));  // within the skew after nextUpdate
  EXPECT_EQ(p.check(resp, pki::t_2030 + 86400 + 301).error(), make_error_code(errc::bad_status_response));
  EXPECT_TRUE(p.check(resp, pki::t_2030 - 3600 - 299));  // within the skew before thisUpdate
  EXPECT_EQ(p.check(resp, pki::t_2030 - 3600 - 301).error(), make_error_code(errc::bad_status_response));
  // Without nextUpdate: one day from thisUpdate.
  pki::ocsp_spec open;
  open.next_update.reset();
  const auto resp2 = pki::make_ocsp(p.leaf, p.ca, p.ca, open);
  EXPECT_TRUE(p.check(resp2, pki::t_2030));
  std::string why;
  EXPECT_FALSE(p.check(resp2, pki::t_2030 + 2 * 86400, &why));
  EXPECT_NE(why.find("stale"), std::string::npos) << why;
}

TEST(Ocsp, Responders) {
  ocsp_pki p;
  // Signed by an unrelated CA (its certificate included): not the issuer, not delegated by it.
  std::string why;
  EXPECT_FALSE(p.check(pki::make_ocsp(p.leaf, p.ca, p.other_ca), pki::t_2030, &why));
  EXPECT_NE(why.find("not the issuer"), std::string::npos) << why;
  // A delegated responder certified by the issuer with id-kp-OCSPSigning, by name and by key.
  issued delegated = p.responder("OCSPSigning", p.ca);
  EXPECT_TRUE(p.check(pki::make_ocsp(p.leaf, p.ca, delegated)));
  pki::ocsp_spec by_key;
  by_key.by_key = true;
  EXPECT_TRUE(p.check(pki::make_ocsp(p.leaf, p.ca, delegated, by_key)));
  // ... without OCSPSigning, or certified by another CA, or expired.
  EXPECT_FALSE(p.check(pki::make_ocsp(p.leaf, p.ca, p.responder("serverAuth", p.ca)), pki::t_2030, &why));
  EXPECT_NE(why.find("OCSPSigning"), std::string::npos) << why;
  EXPECT_FALSE(p.check(pki::make_ocsp(p.leaf, p.ca, p.responder(nullptr, p.ca))));
  EXPECT_FALSE(p.check(pki::make_ocsp(p.leaf, p.ca, p.responder("OCSPSigning", p.other_ca))));
  auto old = pki::server_spec("Old Responder", "DNS:ocsp.test");
  old.ext_key_usage = "OCSPSigning";
  old.not_after = pki::t_2030 - 7200;
  EXPECT_FALSE(p.check(pki::make_ocsp(p.leaf, p.ca, issue(old, &p.ca))));
  // A delegated responder that left its certificate out cannot be identified.
  pki::ocsp_spec bare;
  bare.include_signer = false;
  EXPECT_FALSE(p.check(pki::make_ocsp(p.leaf, p.ca, delegated, bare)));
  // The issuer need not include itself.
  EXPECT_TRUE(p.check(pki::make_ocsp(p.leaf, p.ca, p.ca, bare)));
  // A SHA-1 signature on the response is refused.
  pki::ocsp_spec sha1;
  sha1.sig_hash = pki::hash::sha1;
  EXPECT_FALSE(p.check(pki::make_ocsp(p.leaf, p.ca, p.ca, sha1)));
}

TEST(Ocsp, CertIdAndMalformed) {
  ocsp_pki p;
  issued sibling = issue(pki::server_spec("sibling"), &p.ca);
  std::string why;
  EXPECT_FALSE(p.check(pki::make_ocsp(sibling, p.ca, p.ca), pki::t_2030, &why));
  EXPECT_NE(why.find("CertID"), std::string::npos) << why;
  // Right serial, wrong issuer in the CertID.
  EXPECT_FALSE(p.check(pki::make_ocsp(p.leaf, p.other_ca, p.ca)));
  pki::ocsp_spec later;
  later.response_status = OCSP_RESPONSE_STATUS_TRYLATER;
  EXPECT_FALSE(p.check(pki::make_ocsp(p.leaf, p.ca, p.ca, later), pki::t_2030, &why));
  EXPECT_NE(why.find("trylater"), std::string::npos) << why;
  pki::ocsp_spec bare;
  bare.include_signer = false;  // so the response ends with its signature
  auto resp = pki::make_ocsp(p.leaf, p.ca, p.ca, bare);
  resp.push_back(std::byte{0});
  EXPECT_EQ(p.check(resp).error(), make_error_code(errc::bad_status_response));
  resp.pop_back();
  ASSERT_TRUE(p.check(resp));
  resp[resp.size() - 5] ^= std::byte{1};  // inside the signature
  EXPECT_FALSE(p.check(resp));
  EXPECT_FALSE(p.check({}));
}

TEST(Ocsp, ServerStapleCheck) {
  ocsp_pki p;
  const auto good = pki::make_ocsp(p.leaf, p.ca, p.ca);
  auto until = ocsp_staple_valid_until(good, p.leaf.der(), p.ca.der(), pki::at(pki::t_2030));
  ASSERT_TRUE(until);
  EXPECT_EQ(*until, pki::at(pki::t_2030 + 86400 + 300));
  EXPECT_FALSE(ocsp_staple_valid_until(good, p.leaf.der(), p.ca.der(), pki::at(pki::t_2030 + 3 * 86400)));
  pki::ocsp_spec revoked;
  revoked.status = V_OCSP_CERTSTATUS_REVOKED;
  EXPECT_FALSE(ocsp_staple_valid_until(pki::make_ocsp(p.leaf, p.ca, p.ca, revoked), p.leaf.der(), p.ca.der(),
                                       pki::at(pki::t_2030)));
  pki::ocsp_spec unknown;
  unknown.status = V_OCSP_CERTSTATUS_UNKNOWN;
  EXPECT_FALSE(ocsp_staple_valid_until(pki::make_ocsp(p.leaf, p.ca, p.ca, unknown), p.leaf.der(), p.ca.der(),
                                       pki::at(pki::t_2030)));
}

TEST(Ocsp, MustStapleDetection) {
  ocsp_pki p;
  auto spec = pki::server_spec();
  spec.must_staple = true;
  issued must = issue(spec, &p.ca);
  auto yes = requires_ocsp_staple(must.der());
  ASSERT_TRUE(yes);
  EXPECT_TRUE(*yes);
  auto no = requires_ocsp_staple(p.leaf.der());
  ASSERT_TRUE(no);
  EXPECT_FALSE(*no);
  std::vector<std::byte> junk{std::byte{1}, std::byte{2}};
  EXPECT_FALSE(requires_ocsp_staple(junk));
}

TEST(Ocsp, StaplingInTheVerifier) {
  ocsp_pki p;
  auto spec = pki::server_spec();
  spec.must_staple = true;
  issued must = issue(spec, &p.ca);
  run_options o;
  o.ocsp = pki::make_ocsp(p.leaf, p.ca, p.ca);
  EXPECT_TRUE(accepted(validate({&p.root}, {&p.leaf, &p.ca}, o)));
  pki::ocsp_spec revoked;
  revoked.status = V_OCSP_CERTSTATUS_REVOKED;
  o.ocsp = pki::make_ocsp(p.leaf, p.ca, p.ca, revoked);
  EXPECT_TRUE(rejected(validate({&p.root}, {&p.leaf, &p.ca}, o), errc::revoked));
  // A staple that was sent must be satisfactory even in soft-fail mode (RFC 6066 §8).
  o.ocsp = pki::make_ocsp(p.leaf, p.ca, p.other_ca);
  EXPECT_TRUE(rejected(validate({&p.root}, {&p.leaf, &p.ca}, o), errc::bad_status_response));
  // No staple: fine in soft-fail mode, not in hard-fail mode.
  o.ocsp.clear();
  EXPECT_TRUE(accepted(validate({&p.root}, {&p.leaf, &p.ca}, o)));
  run_options hard = o;
  hard.opts.ocsp.mode = ocsp_mode::hard_fail;
  EXPECT_TRUE(rejected(validate({&p.root}, {&p.leaf, &p.ca}, hard), errc::bad_certificate));
  pki::ocsp_spec unknown;
  unknown.status = V_OCSP_CERTSTATUS_UNKNOWN;
  hard.ocsp = pki::make_ocsp(p.leaf, p.ca, p.ca, unknown);
  EXPECT_TRUE(rejected(validate({&p.root}, {&p.leaf, &p.ca}, hard), errc::bad_status_response));
  o.ocsp = hard.ocsp;
  EXPECT_TRUE(accepted(validate({&p.root}, {&p.leaf, &p.ca}, o)));
  // Must-staple: enforced once we asked for a staple.
  run_options asked;
  asked.ocsp_requested = true;
  EXPECT_TRUE(rejected(validate({&p.root}, {&must, &p.ca}, asked), errc::bad_certificate));
  EXPECT_TRUE(accepted(validate({&p.root}, {&must, &p.ca})));
  asked.ocsp = pki::make_ocsp(must, p.ca, p.ca);
  EXPECT_TRUE(accepted(validate({&p.root}, {&must, &p.ca}, asked)));
}

}  // namespace
}  // namespace tls13
