// verifier_options::verify_callback: the application's OpenSSL-style callback, called with a real
// X509_STORE_CTX for the certificates of the built path; what it can and cannot override.
#include <openssl/x509_vfy.h>

#include "verify_calls.hpp"
#include "x509_fixture.hpp"

namespace tls13::test {
namespace {

using call = verify_call;

// Records every call; answers with `answer(preverified, ctx)`.
struct recorder {
  std::vector<call> calls;
  std::function<bool(bool, X509_STORE_CTX*)> answer = [](bool, X509_STORE_CTX*) { return true; };
  x509_verify_callback hook() {
    return [this](bool pre, X509_STORE_CTX* ctx) {
      calls.push_back(record_call(pre, ctx));
      return answer(pre, ctx);
    };
  }
};

run_options with(recorder& r, std::string host = "localhost") {
  run_options o;
  o.host = std::move(host);
  o.opts.verify_callback = r.hook();
  return o;
}

TEST(VerifyCallback, CalledFromTheAnchorDownToTheLeafWithARealContext) {
  basic_pki p;
  recorder r;
  std::size_t chain_len = 0;
  r.answer = [&](bool pre, X509_STORE_CTX* ctx) {
    chain_len = static_cast<std::size_t>(sk_X509_num(X509_STORE_CTX_get0_chain(ctx)));
    return pre;
  };
  const auto rep = validate({&p.root}, {&p.leaf, &p.inter}, with(r));
  EXPECT_TRUE(accepted(rep));
  const std::vector<call> want{{2, true, X509_V_OK, "Test Root"},
                               {1, true, X509_V_OK, "Test Intermediate"},
                               {0, true, X509_V_OK, "server"}};
  EXPECT_EQ(r.calls, want);
  EXPECT_EQ(chain_len, 3u);
  EXPECT_EQ(rep.subjects.size(), 3u);
}

TEST(VerifyCallback, ReturningFalseRejectsAValidChain) {
  basic_pki p;
  recorder r;
  r.answer = [](bool, X509_STORE_CTX* ctx) { return X509_STORE_CTX_get_error_depth(ctx) != 0; };
  const auto rep = validate({&p.root}, {&p.leaf, &p.inter}, with(r));
  EXPECT_TRUE(rejected(rep, certificate_errc::unknown));
  EXPECT_EQ(rep.depth, 0);
  EXPECT_EQ(r.calls.size(), 3u);
}

TEST(VerifyCallback, OverridesAnUnknownIssuer) {
  basic_pki p;
  pki::issued other = pki::issue(pki::root_spec("Other Root"));
  // No callback: strict.
  EXPECT_TRUE(rejected(validate({&other}, {&p.leaf, &p.inter}), certificate_errc::unknown_issuer));
  // A callback that keeps libcrypto's verdict: still rejected, after seeing the error.
  recorder keep;
  keep.answer = [](bool pre, X509_STORE_CTX*) { return pre; };
  EXPECT_TRUE(
      rejected(validate({&other}, {&p.leaf, &p.inter}, with(keep)), certificate_errc::unknown_issuer));
  ASSERT_EQ(keep.calls.size(), 1u);
  EXPECT_EQ(keep.calls[0],
            (call{1, false, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "Test Intermediate"}));
  // One that accepts: the chain passes, and the preverified calls still show the overridden error.
  recorder all;
  const auto rep = validate({&other}, {&p.leaf, &p.inter}, with(all));
  EXPECT_TRUE(accepted(rep));
  // libssl's order: no preverified call for the untrusted, not self-issued top (the intermediate).
  const std::vector<call> want{{1, false, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "Test Intermediate"},
                               {0, true, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "server"}};
  EXPECT_EQ(all.calls, want);
  // A callback that clears the error (X509_STORE_CTX_set_error(ctx, X509_V_OK)) clears it for the
  // calls after it, as with X509_verify_cert.
  recorder clear;
  clear.answer = [](bool, X509_STORE_CTX* ctx) {
    X509_STORE_CTX_set_error(ctx, X509_V_OK);
    return true;
  };
  EXPECT_TRUE(accepted(validate({&other}, {&p.leaf, &p.inter}, with(clear))));
  EXPECT_EQ(clear.calls.back(), (call{0, true, X509_V_OK, "server"}));
}

TEST(VerifyCallback, OurRulesArePresentedAtTheirCertificate) {
  basic_pki p;
  // Host name: X509_V_ERR_HOSTNAME_MISMATCH at depth 0, before the leaf's preverified call.
  recorder name;
  EXPECT_TRUE(accepted(validate({&p.root}, {&p.leaf, &p.inter}, with(name, "other.example"))));
  const std::vector<call> want{{2, true, X509_V_OK, "Test Root"},
                               {1, true, X509_V_OK, "Test Intermediate"},
                               {0, false, X509_V_ERR_HOSTNAME_MISMATCH, "server"},
                               {0, true, X509_V_ERR_HOSTNAME_MISMATCH, "server"}};
  EXPECT_EQ(name.calls, want);
  recorder keep;
  keep.answer = [](bool pre, X509_STORE_CTX*) { return pre; };
  EXPECT_TRUE(rejected(validate({&p.root}, {&p.leaf, &p.inter}, with(keep, "other.example")),
                       certificate_errc::name_mismatch));
  // An IP address: X509_V_ERR_IP_ADDRESS_MISMATCH.
  recorder ip;
  EXPECT_TRUE(accepted(validate({&p.root}, {&p.leaf, &p.inter}, with(ip, "10.1.2.3"))));
  EXPECT_EQ(ip.calls.at(2), (call{0, false, X509_V_ERR_IP_ADDRESS_MISMATCH, "server"}));

  // extendedKeyUsage without serverAuth: X509_V_ERR_INVALID_PURPOSE on the leaf.
  auto spec = pki::server_spec("client-only");
  spec.ext_key_usage = "clientAuth";
  pki::issued wrong_eku = pki::issue(spec, &p.inter);
  recorder eku;
  EXPECT_TRUE(accepted(validate({&p.root}, {&wrong_eku, &p.inter}, with(eku))));
  EXPECT_EQ(eku.calls.at(2), (call{0, false, X509_V_ERR_INVALID_PURPOSE, "client-only"}));
  recorder eku_keep;
  eku_keep.answer = [](bool pre, X509_STORE_CTX*) { return pre; };
  EXPECT_TRUE(
      rejected(validate({&p.root}, {&wrong_eku, &p.inter}, with(eku_keep)), certificate_errc::bad_key_usage));

  // An intermediate that is not a CA: X509_V_ERR_INVALID_CA at depth 1 (libcrypto's own error).
  auto not_ca_spec = pki::server_spec("not a CA");
  not_ca_spec.key_usage = "critical,digitalSignature,keyCertSign";
  pki::issued not_ca = pki::issue(not_ca_spec, &p.root);
  pki::issued below = pki::issue(pki::server_spec("below"), &not_ca);
  recorder ca;
  ca.answer = [](bool pre, X509_STORE_CTX*) { return pre; };
  EXPECT_TRUE(
      rejected(validate({&p.root}, {&below, &not_ca}, with(ca)), certificate_errc::constraint_violated));
  ASSERT_FALSE(ca.calls.empty());
  EXPECT_FALSE(ca.calls.back().preverified);
  EXPECT_EQ(ca.calls.back().depth, 1);
}

TEST(VerifyCallback, OverridesExpiry) {
  basic_pki p;
  auto spec = pki::server_spec("old");
  spec.not_after = pki::t_2020 + 86400;
  pki::issued old = pki::issue(spec, &p.inter);
  EXPECT_TRUE(rejected(validate({&p.root}, {&old, &p.inter}), certificate_errc::expired));
  recorder r;
  EXPECT_TRUE(accepted(validate({&p.root}, {&old, &p.inter}, with(r))));
  EXPECT_EQ(r.calls.at(2), (call{0, false, X509_V_ERR_CERT_HAS_EXPIRED, "old"}));
}

TEST(VerifyCallback, FormAlgorithmAndKeyRulesCannotBeOverridden) {
  basic_pki p;
  // An intermediate signed with SHA-1: refused whatever the callback says; it is not asked.
  auto spec = pki::ca_spec("SHA-1 Intermediate");
  spec.sig_hash = pki::hash::sha1;
  pki::issued sha1_inter = pki::issue(spec, &p.root);
  pki::issued leaf = pki::issue(pki::server_spec("server"), &sha1_inter);
  recorder r;
  EXPECT_TRUE(rejected(validate({&p.root}, {&leaf, &sha1_inter}, with(r)), certificate_errc::bad_certificate));
  EXPECT_TRUE(r.calls.empty());
  // A leaf with a repeated extension (checked before any path is built): the same.
  auto dup = pki::server_spec("dup");
  dup.extra.push_back({"2.5.29.17", false, {0x30, 0x03, 0x82, 0x01, 0x61}});
  pki::issued dup_leaf = pki::issue(dup, &p.inter);
  recorder d;
  EXPECT_TRUE(
      rejected(validate({&p.root}, {&dup_leaf, &p.inter}, with(d)), certificate_errc::bad_certificate));
  EXPECT_TRUE(d.calls.empty());
}

}  // namespace
}  // namespace tls13::test
