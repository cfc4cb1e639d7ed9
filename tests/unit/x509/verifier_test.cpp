// The default chain verifier over the committed test PKI (tests/vectors/pki/make.sh).
#include <gtest/gtest.h>

#include <chrono>

#include "test_support.hpp"
#include "tls13/x509.hpp"

namespace tls13 {
namespace {

using namespace std::chrono;

std::string pki(const char* name) { return test::vector_path(std::string("pki/") + name); }

// 2030-01-01: inside every test certificate's validity window.
const system_clock::time_point in_window = sys_days{year{2030} / 1 / 1};

class Verifier : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = trust_store::create();
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->load_file(pki("ca.pem")));
    verifier_ = make_default_verifier(*s);
  }

  result<void> check(const char* chain_file, std::string_view host, peer_role role = peer_role::server,
                     system_clock::time_point now = in_window, bool drop_intermediate = false) {
    auto chain = load_certificate_chain_file(pki(chain_file));
    EXPECT_TRUE(chain);
    std::vector<bytes> views;
    for (const auto& c : *chain) views.emplace_back(c);
    if (drop_intermediate) views.resize(1);
    verify_request req;
    req.chain = &views;
    req.server_name = host;
    req.role = role;
    req.now = now;
    return verifier_->verify(req);
  }

  std::shared_ptr<const certificate_verifier> verifier_;
};

TEST_F(Verifier, AcceptsGoodChainsAndHostNames) {
  EXPECT_TRUE(check("server-ecdsa-chain.pem", "localhost"));
  EXPECT_TRUE(check("server-ecdsa-chain.pem", "LOCALHOST"));
  EXPECT_TRUE(check("server-ecdsa-chain.pem", "www.example.test"));  // *.example.test
  EXPECT_TRUE(check("server-ecdsa-chain.pem", "127.0.0.1"));
  EXPECT_TRUE(check("server-ecdsa-chain.pem", "::1"));
  EXPECT_TRUE(check("server-rsa.pem", "localhost"));
  EXPECT_TRUE(check("server-ed25519.pem", "localhost"));
  EXPECT_TRUE(check("server-p384.pem", "localhost"));
  EXPECT_TRUE(check("client.pem", "", peer_role::client));
}

TEST_F(Verifier, RejectsNameMismatches) {
  EXPECT_EQ(check("server-ecdsa-chain.pem", "example.com").error(),
            make_error_code(certificate_errc::name_mismatch));
  // A wildcard covers exactly one label.
  EXPECT_EQ(check("server-ecdsa-chain.pem", "a.b.example.test").error(),
            make_error_code(certificate_errc::name_mismatch));
  EXPECT_EQ(check("server-ecdsa-chain.pem", "example.test").error(),
            make_error_code(certificate_errc::name_mismatch));
  EXPECT_EQ(check("server-ecdsa-chain.pem", "127.0.0.2").error(),
            make_error_code(certificate_errc::name_mismatch));
  // No CN fallback: the leaf's CN is "server-ecdsa", which is not among its SANs.
  EXPECT_EQ(check("server-ecdsa-chain.pem", "server-ecdsa").error(),
            make_error_code(certificate_errc::name_mismatch));
}

TEST_F(Verifier, RejectsTimeIssuerAndPurposeFailures) {
  const auto expired_time = sys_days{year{2060} / 1 / 1};
  const auto early_time = sys_days{year{2020} / 1 / 1};
  EXPECT_EQ(check("server-ecdsa-chain.pem", "localhost", peer_role::server, expired_time).error(),
            make_error_code(certificate_errc::expired));
  EXPECT_EQ(check("server-ecdsa-chain.pem", "localhost", peer_role::server, early_time).error(),
            make_error_code(certificate_errc::expired));
  EXPECT_EQ(check("server-ecdsa-chain.pem", "localhost", peer_role::server, in_window, true).error(),
            make_error_code(certificate_errc::unknown_issuer));
  // A clientAuth-only certificate presented by a server, and the reverse.
  EXPECT_EQ(check("client.pem", "", peer_role::server).error(),
            make_error_code(certificate_errc::bad_key_usage));
  EXPECT_EQ(check("server-rsa.pem", "", peer_role::client).error(),
            make_error_code(certificate_errc::bad_key_usage));
  EXPECT_EQ(to_alert(certificate_errc::unknown_issuer), alert_description::unknown_ca);
}

TEST_F(Verifier, UnknownRootAndMalformedInput) {
  auto other = trust_store::create();
  ASSERT_TRUE(other);
  ASSERT_TRUE((*other)->load_file(pki("other-ca.pem")));
  auto v = make_default_verifier(*other);
  auto chain = load_certificate_chain_file(pki("server-rsa.pem"));
  ASSERT_TRUE(chain);
  std::vector<bytes> views{bytes((*chain)[0])};
  verify_request req{&views, "localhost", peer_role::server, in_window};
  EXPECT_EQ(v->verify(req).error(), make_error_code(certificate_errc::unknown_issuer));

  std::vector<std::byte> garbage{std::byte{0x30}, std::byte{0x03}, std::byte{1}, std::byte{2}, std::byte{3}};
  std::vector<bytes> bad{bytes(garbage)};
  req.chain = &bad;
  EXPECT_EQ(verifier_->verify(req).error(), make_error_code(certificate_errc::bad_certificate));
  // A valid certificate followed by trailing bytes is a different encoding: rejected.
  auto padded = (*chain)[0];
  padded.push_back(std::byte{0});
  std::vector<bytes> trailing{bytes(padded)};
  req.chain = &trailing;
  EXPECT_EQ(verifier_->verify(req).error(), make_error_code(certificate_errc::bad_certificate));
  std::vector<bytes> empty;
  req.chain = &empty;
  EXPECT_EQ(verifier_->verify(req).error(), make_error_code(certificate_errc::certificate_required));
  EXPECT_FALSE(load_certificate_chain_pem("not a pem"));
}

}  // namespace
}  // namespace tls13
