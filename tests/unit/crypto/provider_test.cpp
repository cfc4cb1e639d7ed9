// The crypto_provider interface: the default (libcrypto) provider's key exchanges, lists, CSPRNG and
// clock, and a deterministic provider built by subclassing it (the shape tests and RFC 8448
// replays use to inject randomness, key shares and time).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "rfc8448.hpp"
#include "test_support.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/errors.hpp"

namespace tls13 {
namespace {

using test::byte_vec;
using test::hex;
using test::view;

constexpr std::array<named_group, 3> k_groups{named_group::x25519, named_group::secp256r1,
                                              named_group::secp384r1};
// The default preference: hybrids first (hybrid_kx_test covers their exchanges).
constexpr std::array<named_group, 6> k_default_groups{
    named_group::x25519_mlkem768, named_group::secp256r1_mlkem768, named_group::secp384r1_mlkem1024,
    named_group::x25519,          named_group::secp256r1,          named_group::secp384r1};

std::string hex_of(bytes b) { return hex(b); }

TEST(DefaultProvider, ExchangesForEveryGroup) {
  auto p = default_crypto_provider();
  ASSERT_TRUE(p);
  EXPECT_EQ(p, default_crypto_provider());  // one per process
  for (auto g : k_groups) {
    SCOPED_TRACE(static_cast<int>(g));
    ASSERT_TRUE(p->supports(g));
    auto client = p->start_key_exchange(g);
    ASSERT_TRUE(client);
    EXPECT_EQ((*client)->group(), g);
    const std::size_t share = g == named_group::x25519 ? 32 : g == named_group::secp256r1 ? 65 : 97;
    EXPECT_EQ((*client)->public_key().size(), share);
    if (g != named_group::x25519) {
      EXPECT_EQ((*client)->public_key()[0], std::byte{0x04});
    }
    auto server = p->respond_key_exchange(g, (*client)->public_key());
    ASSERT_TRUE(server) << server.error().message();
    EXPECT_EQ((*server)->key_share().size(), share);
    auto secret = (*client)->complete((*server)->key_share());
    ASSERT_TRUE(secret);
    EXPECT_EQ(secret->size(), g == named_group::secp384r1 ? 48u : 32u);
    auto server_secret = (*server)->finish();
    ASSERT_TRUE(server_secret) << server_secret.error().message();
    EXPECT_EQ(hex(secret->view()), hex(server_secret->view()));
    // One derive per answer.
    auto again = (*server)->finish();
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), make_error_code(internal_errc::invalid_state));
    // Two fresh key pairs differ.
    auto other = p->start_key_exchange(g);
    ASSERT_TRUE(other);
    EXPECT_NE(hex((*other)->public_key()), hex((*client)->public_key()));
  }
}

TEST(DefaultProvider, RespondRejectsBadClientShares) {
  auto p = default_crypto_provider();
  for (auto g : k_groups) {
    SCOPED_TRACE(static_cast<int>(g));
    auto client = p->start_key_exchange(g);
    ASSERT_TRUE(client);
    byte_vec short_share((*client)->public_key().begin(), (*client)->public_key().end() - 1);
    byte_vec zeros((*client)->public_key().size(), std::byte{0});
    for (const auto* bad : {&short_share, &zeros}) {
      auto r = p->respond_key_exchange(g, view(*bad));
      // For X25519, 32 zero octets are a well-formed u-coordinate of small order (its secret would be
      // all zero, RFC 8446 §7.4.2): refused at once too, before any ServerHello.
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error(), make_error_code(protocol_errc::illegal_parameter));
    }
  }
}

// A subclass that adds a group of its own (here a made-up code point served by X25519) still
// answers it: its key_exchange checks the client's share, at finish().
struct extra_group_provider final : default_provider {
  static constexpr named_group extra{0xfe01};
  bool supports(named_group g) const noexcept override { return g == extra || default_provider::supports(g); }
  result<std::unique_ptr<key_exchange>> start_key_exchange(named_group g) override {
    return default_provider::start_key_exchange(g == extra ? named_group::x25519 : g);
  }
};

TEST(DefaultProvider, SubclassGroupsAreAnswered) {
  extra_group_provider p;
  auto client = p.start_key_exchange(extra_group_provider::extra);
  ASSERT_TRUE(client);
  auto server = p.respond_key_exchange(extra_group_provider::extra, (*client)->public_key());
  ASSERT_TRUE(server) << server.error().message();
  auto ours = (*client)->complete((*server)->key_share());
  auto theirs = (*server)->finish();
  ASSERT_TRUE(ours && theirs);
  EXPECT_EQ(hex(ours->view()), hex(theirs->view()));
  auto bad = p.respond_key_exchange(extra_group_provider::extra, view(byte_vec(31, std::byte{9})));
  ASSERT_TRUE(bad);  // not one of ours: checked at finish()
  EXPECT_EQ((*bad)->finish().error(), make_error_code(protocol_errc::illegal_parameter));
}

// A subclass that serves P-256 with a key_exchange of its own (here a wrapper around ours): the
// server's checked P-256 key fits only our own key pairs, so this one is completed from the octets.
struct wrapped_key_exchange final : key_exchange {
  explicit wrapped_key_exchange(std::unique_ptr<key_exchange> inner) : inner_(std::move(inner)) {}
  named_group group() const noexcept override { return inner_->group(); }
  bytes public_key() const noexcept override { return inner_->public_key(); }
  result<secret> complete(bytes peer_share) override {
    ++completions;
    return inner_->complete(peer_share);
  }
  static inline int completions = 0;

 private:
  std::unique_ptr<key_exchange> inner_;
};
struct wrapping_provider final : default_provider {
  result<std::unique_ptr<key_exchange>> start_key_exchange(named_group g) override {
    TLS13_TRY_ASSIGN(auto kx, default_provider::start_key_exchange(g));
    return std::unique_ptr<key_exchange>(std::make_unique<wrapped_key_exchange>(std::move(kx)));
  }
};

TEST(DefaultProvider, SubclassKeyExchangeOnOurCurveIsCompletedFromTheShare) {
  wrapping_provider p;
  auto client = default_provider{}.start_key_exchange(named_group::secp256r1);
  ASSERT_TRUE(client);
  auto server = p.respond_key_exchange(named_group::secp256r1, (*client)->public_key());
  ASSERT_TRUE(server) << server.error().message();
  const int before = wrapped_key_exchange::completions;
  auto ours = (*client)->complete((*server)->key_share());
  auto theirs = (*server)->finish();
  ASSERT_TRUE(ours && theirs);
  EXPECT_EQ(hex(ours->view()), hex(theirs->view()));
  EXPECT_EQ(wrapped_key_exchange::completions, before + 1);
}

// ready_answer wraps a computed answer: the share as given, the secret once.
TEST(DefaultProvider, ReadyAnswerHandsOutItsSecretOnce) {
  const byte_vec share(32, std::byte{7});
  auto a = ready_answer(server_share{share, secret::from(view(byte_vec(32, std::byte{9})))});
  EXPECT_EQ(hex(a->key_share()), hex(view(share)));
  auto first = a->finish();
  ASSERT_TRUE(first);
  EXPECT_EQ(hex(first->view()), hex(view(byte_vec(32, std::byte{9}))));
  auto second = a->finish();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), make_error_code(internal_errc::invalid_state));
}

// A NIST-curve share off the curve is refused before any answer exists (before a ServerHello).
TEST(DefaultProvider, RespondRefusesAPointOffTheCurveAtOnce) {
  auto p = default_crypto_provider();
  for (auto g : {named_group::secp256r1, named_group::secp384r1}) {
    SCOPED_TRACE(static_cast<int>(g));
    auto client = p->start_key_exchange(g);
    ASSERT_TRUE(client);
    byte_vec off((*client)->public_key().begin(), (*client)->public_key().end());
    off.back() ^= std::byte{1};  // y changed: (x, y') is not on the curve
    auto r = p->respond_key_exchange(g, view(off));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(protocol_errc::illegal_parameter));
  }
}

TEST(DefaultProvider, ListsAndUnsupportedGroups) {
  default_provider p;
  const std::array<cipher_suite, 3> suites{cipher_suite::aes_128_gcm_sha256, cipher_suite::aes_256_gcm_sha384,
                                           cipher_suite::chacha20_poly1305_sha256};
  EXPECT_TRUE(std::equal(p.cipher_suites().begin(), p.cipher_suites().end(), suites.begin(), suites.end()));
  EXPECT_TRUE(
      std::equal(p.groups().begin(), p.groups().end(), k_default_groups.begin(), k_default_groups.end()));
  for (auto g : k_default_groups) EXPECT_TRUE(p.supports(g));
  const auto schemes = p.signature_schemes();
  for (auto s : {signature_scheme::ecdsa_secp256r1_sha256, signature_scheme::ecdsa_secp384r1_sha384,
                 signature_scheme::ed25519, signature_scheme::rsa_pss_rsae_sha256,
                 signature_scheme::rsa_pss_pss_sha512, signature_scheme::rsa_pkcs1_sha256})
    EXPECT_NE(std::find(schemes.begin(), schemes.end(), s), schemes.end()) << static_cast<int>(s);
  // Certificate-only schemes come last.
  EXPECT_EQ(schemes.back(), signature_scheme::rsa_pkcs1_sha512);
  EXPECT_EQ(std::find(schemes.begin(), schemes.end(), signature_scheme::ed448), schemes.end());
  for (auto g : {named_group{0x0019} /* secp521r1 */, named_group{0x0200} /* pure ML-KEM-512 */,
                 named_group{0x1234}}) {
    EXPECT_FALSE(p.supports(g));
    auto kx = p.start_key_exchange(g);
    ASSERT_FALSE(kx);
    EXPECT_EQ(kx.error(), make_error_code(internal_errc::invalid_argument));
    auto r = p.respond_key_exchange(g, view(byte_vec(32, std::byte{9})));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(internal_errc::invalid_argument));
  }
}

TEST(DefaultProvider, RandomAndClock) {
  default_provider p;
  std::array<std::byte, 32> a{}, b{};
  ASSERT_TRUE(p.random(a));
  ASSERT_TRUE(p.random(b));
  EXPECT_NE(hex_of(a), hex_of(b));
  EXPECT_NE(hex_of(a), std::string(64, '0'));
  ASSERT_TRUE(p.random({}));
  byte_vec big(100000);
  ASSERT_TRUE(p.random(big));
  const auto before = std::chrono::system_clock::now();
  const auto t = p.now();
  EXPECT_LE(before - std::chrono::seconds(1), t);
  EXPECT_LE(t, std::chrono::system_clock::now() + std::chrono::seconds(1));
}

// ---- a deterministic provider, as tests and RFC 8448 replays build one ----

class deterministic_provider : public default_provider {
 public:
  deterministic_provider(byte_vec kx_private, std::chrono::system_clock::time_point t)
      : private_(std::move(kx_private)), time_(t) {}

  result<void> random(mut_bytes out) override {
    for (auto& b : out) b = static_cast<std::byte>(counter_++);
    return {};
  }
  std::chrono::system_clock::time_point now() const override { return time_; }
  result<std::unique_ptr<key_exchange>> start_key_exchange(named_group g) override {
    ++key_exchanges_;
    return key_exchange_from_private(g, view(private_));
  }
  int key_exchanges() const { return key_exchanges_; }

 private:
  byte_vec private_;
  std::chrono::system_clock::time_point time_;
  unsigned counter_ = 0;
  int key_exchanges_ = 0;
};

TEST(DeterministicProvider, OverridesReachTheDefaultServerPath) {
  const auto s_priv = test::rfc8448_value(3, "server", "create an ephemeral x25519 key pair", "private key");
  const auto s_pub = test::rfc8448_value(3, "server", "create an ephemeral x25519 key pair", "public key");
  const auto c_pub = test::rfc8448_value(3, "client", "create an ephemeral x25519 key pair", "public key");
  const auto ikm = test::rfc8448_value(3, "server", "extract secret \"handshake\"", "IKM");
  const auto fixed = std::chrono::system_clock::time_point(std::chrono::seconds(1'500'000'000));

  auto owner = std::make_shared<deterministic_provider>(s_priv, fixed);
  std::shared_ptr<crypto_provider> p = owner;  // used through the interface, as the core does

  std::array<std::byte, 4> r{};
  ASSERT_TRUE(p->random(r));
  EXPECT_EQ(hex_of(r), "00010203");
  ASSERT_TRUE(p->random(r));
  EXPECT_EQ(hex_of(r), "04050607");
  EXPECT_EQ(p->now(), fixed);

  // respond_key_exchange is inherited; it must go through the overridden start_key_exchange.
  auto server = p->respond_key_exchange(named_group::x25519, view(c_pub));
  ASSERT_TRUE(server) << server.error().message();
  EXPECT_EQ(owner->key_exchanges(), 1);
  EXPECT_EQ(hex((*server)->key_share()), hex(view(s_pub)));
  auto shared = (*server)->finish();
  ASSERT_TRUE(shared) << shared.error().message();
  EXPECT_EQ(hex(shared->view()), hex(view(ikm)));
  // What is not overridden still comes from the default provider.
  EXPECT_TRUE(p->supports(named_group::secp384r1));
  EXPECT_EQ(p->groups().size(), k_default_groups.size());
}

TEST(DeterministicProvider, ClientSideMatchesRfc8448) {
  const auto c_priv = test::rfc8448_value(3, "client", "create an ephemeral x25519 key pair", "private key");
  const auto c_pub = test::rfc8448_value(3, "client", "create an ephemeral x25519 key pair", "public key");
  const auto s_pub = test::rfc8448_value(3, "server", "create an ephemeral x25519 key pair", "public key");
  // The trace lists the client's handshake secret as "same as server": the IKM is the server's.
  const auto ikm = test::rfc8448_value(3, "server", "extract secret \"handshake\"", "IKM");
  deterministic_provider p(c_priv, {});
  auto kx = p.start_key_exchange(named_group::x25519);
  ASSERT_TRUE(kx);
  EXPECT_EQ(hex((*kx)->public_key()), hex(view(c_pub)));
  auto s = (*kx)->complete(view(s_pub));
  ASSERT_TRUE(s);
  EXPECT_EQ(hex(s->view()), hex(view(ikm)));
}

}  // namespace
}  // namespace tls13
