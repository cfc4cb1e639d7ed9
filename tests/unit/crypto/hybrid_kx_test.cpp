// The hybrid ML-KEM + ECDH groups (draft-ietf-tls-ecdhe-mlkem): the composed X25519MLKEM768 vectors,
// and for every group the share layout and the order of the concatenated secret, checked against
// the two halves computed separately through the ML-KEM and ECDH primitives.
#include "crypto/hybrid_kx.hpp"

#include <gtest/gtest.h>

#include "crypto/kx.hpp"
#include "crypto/mlkem.hpp"
#include "crypto/spare_keys.hpp"
#include "test_support.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/errors.hpp"

namespace tls13::crypto {
namespace {

using test::byte_vec;
using test::hex;
using test::unhex;
using test::view;

std::string field(const nlohmann::json& v, const char* name) { return v[name].get<std::string>(); }

std::unique_ptr<key_exchange> ecdh_from(named_group g, const byte_vec& priv) {
  auto kx = tls13::key_exchange_from_private(g, view(priv));
  EXPECT_TRUE(kx);
  return kx ? std::move(*kx) : nullptr;
}

TEST(HybridKeyExchange, X25519MlKem768ClientVector) {
  const auto j = test::load_json("x25519mlkem768/x25519mlkem768-keyshare-vectors.json");
  int client_side = 0;
  for (const auto& v : j["vectors"]) {
    if (!v.contains("mlkem_d")) continue;
    ++client_side;
    auto kx = hybrid_key_exchange_from_seeds(
        named_group::x25519_mlkem768, view(unhex(field(v, "mlkem_d"))), view(unhex(field(v, "mlkem_z"))),
        ecdh_from(named_group::x25519, unhex(field(v, "client_x25519_private"))));
    ASSERT_TRUE(kx) << kx.error().message();
    EXPECT_EQ(hex((*kx)->public_key()), field(v, "client_key_share"));
    auto ss = (*kx)->complete(view(unhex(field(v, "server_key_share"))));
    ASSERT_TRUE(ss) << ss.error().message();
    EXPECT_EQ(hex(ss->view()), field(v, "shared_secret"));
  }
  EXPECT_EQ(client_side, 1);
}

TEST(HybridKeyExchange, X25519MlKem768ServerVectors) {
  const auto j = test::load_json("x25519mlkem768/x25519mlkem768-keyshare-vectors.json");
  int server_side = 0;
  for (const auto& v : j["vectors"]) {
    if (!v.contains("mlkem_m")) continue;
    ++server_side;
    auto answer = respond_hybrid_key_exchange_with(
        named_group::x25519_mlkem768, view(unhex(field(v, "client_key_share"))),
        view(unhex(field(v, "mlkem_m"))),
        ecdh_from(named_group::x25519, unhex(field(v, "server_x25519_private"))));
    ASSERT_TRUE(answer) << answer.error().message();
    EXPECT_EQ(hex(answer->key_share), field(v, "server_key_share"));
    EXPECT_EQ(hex(answer->shared_secret.view()), field(v, "shared_secret"));
  }
  EXPECT_EQ(server_side, 3);
}

struct group_case {
  named_group group, ecdh;
  mlkem::parameter_set kem;
  bool kem_first;
  std::size_t client_share, server_share, secret;
  const char* client_ecdh_private;  // any valid scalar
  const char* server_ecdh_private;
};

const group_case k_cases[] = {
    {named_group::x25519_mlkem768, named_group::x25519, mlkem::parameter_set::ml_kem_768, true, 1216, 1120,
     64, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
     "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"},
    {named_group::secp256r1_mlkem768, named_group::secp256r1, mlkem::parameter_set::ml_kem_768, false, 1249,
     1153, 64, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
     "00fedcba9876543210fedcba9876543210fedcba9876543210fedcba98765432"},
    {named_group::secp384r1_mlkem1024, named_group::secp384r1, mlkem::parameter_set::ml_kem_1024, false, 1665,
     1665, 80, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567",
     "00fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210fedcba"},
};

byte_vec concat(const group_case& c, bytes kem, bytes ecdh) {
  byte_vec out;
  const bytes first = c.kem_first ? kem : ecdh, second = c.kem_first ? ecdh : kem;
  out.insert(out.end(), first.begin(), first.end());
  out.insert(out.end(), second.begin(), second.end());
  return out;
}

class HybridGroups : public ::testing::TestWithParam<group_case> {};

// Deterministic keys on both sides; the expected shares and secret are assembled from ML-KEM and
// ECDH results computed on their own, so a swapped order or a wrong split shows up.
TEST_P(HybridGroups, LayoutAndSecretOrderMatchTheDraft) {
  const group_case& c = GetParam();
  const auto sizes = hybrid_sizes(c.group);
  EXPECT_EQ(sizes.client, c.client_share);
  EXPECT_EQ(sizes.server, c.server_share);
  EXPECT_EQ(sizes.secret, c.secret);

  const byte_vec d(32, std::byte{0x11}), z(32, std::byte{0x22}), m(32, std::byte{0x33});
  const auto client_priv = unhex(c.client_ecdh_private), server_priv = unhex(c.server_ecdh_private);
  auto client = hybrid_key_exchange_from_seeds(c.group, view(d), view(z), ecdh_from(c.ecdh, client_priv));
  ASSERT_TRUE(client) << client.error().message();
  ASSERT_EQ((*client)->public_key().size(), c.client_share);
  EXPECT_EQ((*client)->group(), c.group);

  // The halves, independently: ML-KEM from the same seeds, ECDH from the same scalars.
  const auto kem_sizes = mlkem::size_of(c.kem);
  byte_vec ek(kem_sizes.encapsulation_key), dk(kem_sizes.decapsulation_key), ct(kem_sizes.ciphertext),
      kem_ss(mlkem::shared_secret_size);
  ASSERT_TRUE(mlkem::keygen_internal(c.kem, view(d), view(z), ek, dk));
  ASSERT_TRUE(mlkem::encaps_internal(c.kem, view(ek), view(m), ct, kem_ss));
  auto client_ecdh = ecdh_from(c.ecdh, client_priv);
  auto server_ecdh = ecdh_from(c.ecdh, server_priv);
  const byte_vec client_ecdh_pub(client_ecdh->public_key().begin(), client_ecdh->public_key().end());
  const byte_vec server_ecdh_pub(server_ecdh->public_key().begin(), server_ecdh->public_key().end());
  auto ecdh_ss = client_ecdh->complete(view(server_ecdh_pub));
  ASSERT_TRUE(ecdh_ss);
  EXPECT_EQ(hex((*client)->public_key()), hex(view(concat(c, view(ek), view(client_ecdh_pub)))));

  auto answer =
      respond_hybrid_key_exchange_with(c.group, (*client)->public_key(), view(m), std::move(server_ecdh));
  ASSERT_TRUE(answer) << answer.error().message();
  const std::string expected_secret = hex(view(concat(c, view(kem_ss), ecdh_ss->view())));
  EXPECT_EQ(hex(answer->key_share), hex(view(concat(c, view(ct), view(server_ecdh_pub)))));
  EXPECT_EQ(hex(answer->shared_secret.view()), expected_secret);

  auto agreed = (*client)->complete(answer->key_share);
  ASSERT_TRUE(agreed) << agreed.error().message();
  EXPECT_EQ(hex(agreed->view()), expected_secret);
  // complete() consumed the private keys.
  EXPECT_EQ((*client)->complete(answer->key_share).error(), make_error_code(internal_errc::invalid_state));
}

TEST_P(HybridGroups, RandomKeysAgreeThroughTheProvider) {
  const group_case& c = GetParam();
  auto provider = default_crypto_provider();
  ASSERT_TRUE(provider->supports(c.group));
  auto client = provider->start_key_exchange(c.group);
  ASSERT_TRUE(client);
  auto answer = provider->respond_key_exchange(c.group, (*client)->public_key());
  ASSERT_TRUE(answer) << answer.error().message();
  EXPECT_EQ((*answer)->key_share().size(), c.server_share);
  auto agreed = (*client)->complete((*answer)->key_share());
  ASSERT_TRUE(agreed);
  EXPECT_EQ(agreed->size(), c.secret);
  auto ours = (*answer)->finish();
  ASSERT_TRUE(ours);
  EXPECT_EQ(hex(agreed->view()), hex(ours->view()));
}

// Spares made ahead through the provider: the client's whole share, the server's ECDH half; each
// handed out once and as good as a fresh one.
TEST_P(HybridGroups, PreparedSharesAreHandedOutOnceAndAgree) {
  const group_case& c = GetParam();
  auto provider = default_crypto_provider();
  provider->prepare_key_exchange(c.group, kx_side::client);
  ASSERT_TRUE(spare_ready(c.group));
  auto first = provider->start_key_exchange(c.group);  // the spare
  EXPECT_FALSE(spare_ready(c.group));
  auto second = provider->start_key_exchange(c.group);  // made now
  ASSERT_TRUE(first && second);
  EXPECT_NE(hex((*first)->public_key()), hex((*second)->public_key()));
  provider->prepare_key_exchange(c.group, kx_side::server);
  EXPECT_FALSE(spare_ready(c.group));  // a server does not make client shares
  EXPECT_TRUE(spare_ready(c.ecdh));    // only the ECDH half
  for (auto* client : {&first, &second}) {
    auto answer = provider->respond_key_exchange(c.group, (**client)->public_key());
    ASSERT_TRUE(answer) << answer.error().message();
    auto agreed = (**client)->complete((*answer)->key_share());
    ASSERT_TRUE(agreed);
    auto ours = (*answer)->finish();
    ASSERT_TRUE(ours);
    EXPECT_EQ(hex(agreed->view()), hex(ours->view()));
  }
  EXPECT_FALSE(spare_ready(c.ecdh));  // the first answer took it
}

TEST_P(HybridGroups, MalformedSharesAreIllegalParameter) {
  const group_case& c = GetParam();
  const auto illegal = make_error_code(protocol_errc::illegal_parameter);
  auto client = generate_hybrid_key_exchange(c.group);
  ASSERT_TRUE(client);
  const byte_vec good((*client)->public_key().begin(), (*client)->public_key().end());
  const std::size_t ek_size = mlkem::size_of(c.kem).encapsulation_key;
  const std::size_t ek_at = c.kem_first ? 0 : good.size() - ek_size;
  const std::size_t ecdh_at = c.kem_first ? ek_size : 0;

  // Server side: wrong lengths.
  EXPECT_EQ(respond_hybrid_key_exchange(c.group, view(byte_vec(good.begin(), good.end() - 1))).error(),
            illegal);
  byte_vec longer = good;
  longer.push_back(std::byte{0});
  EXPECT_EQ(respond_hybrid_key_exchange(c.group, view(longer)).error(), illegal);
  // An encapsulation key whose first coefficient is q or more (0xFFF) fails FIPS 203 §7.2.
  byte_vec bad_ek = good;
  bad_ek[ek_at] = std::byte{0xff};
  bad_ek[ek_at + 1] |= std::byte{0x0f};
  EXPECT_EQ(respond_hybrid_key_exchange(c.group, view(bad_ek)).error(), illegal);
  // A bad ECDH part: an X25519 low-order point (all zero: the shared secret would be zero), or a
  // NIST point that is not in uncompressed form.
  byte_vec bad_ecdh = good;
  if (c.ecdh == named_group::x25519)
    std::fill_n(bad_ecdh.begin() + static_cast<std::ptrdiff_t>(ecdh_at), 32, std::byte{0});
  else
    bad_ecdh[ecdh_at] = std::byte{0x05};
  EXPECT_EQ(respond_hybrid_key_exchange(c.group, view(bad_ecdh)).error(), illegal);
  // Through the provider (the server's path) both are refused at once, before any ServerHello,
  // though the ECDH derive itself waits for finish().
  auto deferred = default_crypto_provider()->respond_key_exchange(c.group, view(bad_ecdh));
  ASSERT_FALSE(deferred);
  EXPECT_EQ(deferred.error(), illegal);

  // Client side: a server share of the wrong length.
  auto answer = respond_hybrid_key_exchange(c.group, view(good));
  ASSERT_TRUE(answer);
  byte_vec short_answer(answer->key_share.begin(), answer->key_share.end() - 1);
  EXPECT_EQ((*client)->complete(view(short_answer)).error(), illegal);
}

INSTANTIATE_TEST_SUITE_P(AllHybrids, HybridGroups, ::testing::ValuesIn(k_cases), [](const auto& param_info) {
  switch (param_info.param.group) {
    case named_group::x25519_mlkem768:
      return std::string("X25519MLKEM768");
    case named_group::secp256r1_mlkem768:
      return std::string("SecP256r1MLKEM768");
    default:
      return std::string("SecP384r1MLKEM1024");
  }
});

TEST(HybridKeyExchange, DefaultProviderPrefersHybrids) {
  auto provider = default_crypto_provider();
  const auto groups = provider->groups();
  ASSERT_GE(groups.size(), 4u);
  EXPECT_EQ(groups[0], named_group::x25519_mlkem768);
  EXPECT_TRUE(is_hybrid_group(groups[0]));
  EXPECT_FALSE(is_hybrid_group(named_group::x25519));
}

}  // namespace
}  // namespace tls13::crypto
