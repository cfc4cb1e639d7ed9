// Key exchange through tls13::key_exchange: Wycheproof X25519 and ECDH (TLS point encoding),
// RFC 8448 §3 X25519, share validation and the single-use rule.
#include "crypto/kx.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "crypto/spare_keys.hpp"
#include "rfc8448.hpp"
#include "test_support.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/errors.hpp"

namespace tls13::crypto {
namespace {

using test::byte_vec;
using test::hex;
using test::unhex;
using test::view;

constexpr named_group k_groups[] = {named_group::x25519, named_group::secp256r1, named_group::secp384r1};

std::unique_ptr<key_exchange> from_private(named_group g, const byte_vec& priv) {
  auto kx = tls13::key_exchange_from_private(g, view(priv));
  if (!kx) return nullptr;
  return std::move(*kx);
}

TEST(KeyExchange, WycheproofX25519) {
  auto j = test::load_json("wycheproof/x25519_test.json");
  int ran = 0, zero = 0, acceptable_taken = 0;
  for (auto& g : j["testGroups"]) {
    for (auto& t : g["tests"]) {
      const auto id = t["tcId"].get<int>();
      auto kx = from_private(named_group::x25519, unhex(t["private"].get<std::string>()));
      ASSERT_TRUE(kx) << "tc " << id;
      const auto shared = t["shared"].get<std::string>();
      auto pub = unhex(t["public"].get<std::string>());
      auto s = kx->complete(view(pub));
      // check_peer_share refuses (before any ServerHello) exactly the shares whose secret is zero,
      // with bit 255 as it is and flipped (RFC 7748 §5 masks it).
      for (int flip = 0; flip < 2; ++flip) {
        auto early = check_peer_share(named_group::x25519, view(pub));
        EXPECT_EQ(!early, shared == std::string(64, '0')) << "tc " << id << " bit 255 flipped: " << flip;
        if (!early) {
          EXPECT_EQ(early.error(), protocol_errc::illegal_parameter) << "tc " << id;
        }
        pub[31] ^= std::byte{0x80};
      }
      if (shared == std::string(64, '0')) {
        // RFC 8446 §7.4.2: an all-zero result must be refused whatever Wycheproof calls it.
        ASSERT_FALSE(s) << "tc " << id << " all-zero shared secret accepted";
        EXPECT_EQ(s.error(), protocol_errc::illegal_parameter) << "tc " << id;
        ++zero;
      } else if (t["result"] == "valid") {
        ASSERT_TRUE(s) << "tc " << id << " (" << t["comment"] << "): " << s.error().message();
        EXPECT_EQ(hex(s->view()), shared) << "tc " << id;
      } else if (s) {  // acceptable: either outcome, but a result must be the right one
        EXPECT_EQ(hex(s->view()), shared) << "tc " << id;
        ++acceptable_taken;
      }
      ++ran;
    }
  }
  EXPECT_GT(ran, 500);
  EXPECT_GT(zero, 10);
  RecordProperty("acceptable_accepted", acceptable_taken);
}

// Wycheproof "ecpoint" files: `public` is the bare point (the TLS encoding), `private` a big-endian
// scalar that may carry a leading 00. Compressed points are legal elsewhere but not in TLS 1.3.
void run_wycheproof_ecdh(const char* file, named_group g, int min_cases) {
  auto j = test::load_json(file);
  int ran = 0, rejected = 0;
  for (auto& grp : j["testGroups"]) {
    for (auto& t : grp["tests"]) {
      const auto id = t["tcId"].get<int>();
      auto kx = from_private(g, unhex(t["private"].get<std::string>()));
      ASSERT_TRUE(kx) << "tc " << id << ": private key refused";
      EXPECT_EQ(kx->public_key().size(), kx_share_size(g));
      const byte_vec pub = unhex(t["public"].get<std::string>());
      auto s = kx->complete(view(pub));
      // The server's path: the share is imported and checked once (check_peer_share), and the
      // answer derives with that checked key.
      auto checked = check_peer_share(g, view(pub));
      const bool passes_check = checked.has_value();
      auto answered = [&]() -> result<secret> {
        if (!checked) return checked.error();
        return answer_later(from_private(g, unhex(t["private"].get<std::string>())), std::move(*checked))
            ->finish();
      }();
      if (t["result"] == "valid") {
        ASSERT_TRUE(s) << "tc " << id << " (" << t["comment"] << "): " << s.error().message();
        EXPECT_EQ(hex(s->view()), t["shared"].get<std::string>()) << "tc " << id;
        ASSERT_TRUE(answered) << "tc " << id << ": " << answered.error().message();
        EXPECT_EQ(hex(answered->view()), t["shared"].get<std::string>()) << "tc " << id;
      } else {
        // invalid, and "acceptable" compressed points: RFC 8446 §4.2.8.2 allows only 0x04||X||Y.
        ASSERT_FALSE(s) << "tc " << id << " (" << t["comment"] << ") accepted";
        EXPECT_EQ(s.error(), protocol_errc::illegal_parameter) << "tc " << id;
        // Refused before anything is sent, not only at the derive.
        EXPECT_FALSE(passes_check) << "tc " << id << " passed check_peer_share";
        ASSERT_FALSE(answered) << "tc " << id;
        EXPECT_EQ(answered.error(), protocol_errc::illegal_parameter) << "tc " << id;
        ++rejected;
      }
      ++ran;
    }
  }
  EXPECT_GT(ran, min_cases);
  EXPECT_GT(rejected, 15);
}

TEST(KeyExchange, WycheproofEcdhP256) {
  run_wycheproof_ecdh("wycheproof/ecdh_secp256r1_ecpoint_test.json", named_group::secp256r1, 300);
}
TEST(KeyExchange, WycheproofEcdhP384) {
  run_wycheproof_ecdh("wycheproof/ecdh_secp384r1_ecpoint_test.json", named_group::secp384r1, 700);
}

TEST(KeyExchange, Rfc8448Section3X25519) {
  const std::string step = "create an ephemeral x25519 key pair";
  auto client = from_private(named_group::x25519, test::rfc8448_value(3, "client", step, "private key"));
  auto server = from_private(named_group::x25519, test::rfc8448_value(3, "server", step, "private key"));
  ASSERT_TRUE(client && server);
  const auto client_pub = test::rfc8448_value(3, "client", step, "public key");
  const auto server_pub = test::rfc8448_value(3, "server", step, "public key");
  EXPECT_EQ(hex(client->public_key()), hex(view(client_pub)));
  EXPECT_EQ(hex(server->public_key()), hex(view(server_pub)));
  auto c = client->complete(view(server_pub));
  auto s = server->complete(view(client_pub));
  ASSERT_TRUE(c && s);
  EXPECT_EQ(hex(c->view()), hex(s->view()));
  // The (EC)DHE secret is the IKM of the handshake-secret extraction (RFC 8446 §7.1).
  EXPECT_EQ(hex(s->view()),
            hex(view(test::rfc8448_value(3, "server", "extract secret \"handshake\"", "IKM"))));
}

TEST(KeyExchange, FreshPairsAgreeAndUseTlsEncoding) {
  for (auto g : k_groups) {
    auto a = generate_key_exchange(g);
    auto b = generate_key_exchange(g);
    ASSERT_TRUE(a && b);
    EXPECT_EQ((*a)->group(), g);
    ASSERT_EQ((*a)->public_key().size(), kx_share_size(g));
    if (g != named_group::x25519) {
      EXPECT_EQ((*a)->public_key()[0], std::byte{0x04});
    }
    EXPECT_NE(hex((*a)->public_key()), hex((*b)->public_key()));
    auto sa = (*a)->complete((*b)->public_key());
    auto sb = (*b)->complete((*a)->public_key());
    ASSERT_TRUE(sa && sb);
    EXPECT_EQ(sa->size(), g == named_group::secp384r1 ? 48u : 32u);
    EXPECT_EQ(hex(sa->view()), hex(sb->view()));
  }
}

TEST(KeyExchange, CompleteIsSingleUse) {
  auto a = generate_key_exchange(named_group::x25519);
  auto b = generate_key_exchange(named_group::x25519);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE((*a)->complete((*b)->public_key()));
  auto again = (*a)->complete((*b)->public_key());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), internal_errc::invalid_state);
  // A failed completion also spends the key: no retry with another share.
  auto c = generate_key_exchange(named_group::secp256r1);
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)->complete(view(byte_vec(3))).error(), protocol_errc::illegal_parameter);
  EXPECT_EQ((*c)->complete((*c)->public_key()).error(), internal_errc::invalid_state);
}

// prepare_key_exchange: a spare per group and thread, handed out once, as good as a fresh key.
TEST(KeyExchange, PreparedKeyIsHandedOutOnce) {
  for (auto g : k_groups) {
    EXPECT_FALSE(spare_ready(g));
    prepare_key_exchange(g);
    ASSERT_TRUE(spare_ready(g));
    prepare_key_exchange(g);  // one spare at most: the second call keeps the first
    auto a = generate_key_exchange(g);
    EXPECT_FALSE(spare_ready(g));
    auto b = generate_key_exchange(g);
    ASSERT_TRUE(a && b);
    EXPECT_EQ((*a)->group(), g);
    ASSERT_EQ((*a)->public_key().size(), kx_share_size(g));
    EXPECT_NE(hex((*a)->public_key()), hex((*b)->public_key()));
    auto sa = (*a)->complete((*b)->public_key());
    auto sb = (*b)->complete((*a)->public_key());
    ASSERT_TRUE(sa && sb);
    EXPECT_EQ(hex(sa->view()), hex(sb->view()));
  }
  prepare_key_exchange(static_cast<named_group>(0x1234));  // unsupported: nothing happens
  EXPECT_FALSE(spare_ready(static_cast<named_group>(0x1234)));
}

// A spare made before fork() must not serve both processes: that would be one "ephemeral" key
// in two handshakes. The child makes its own.
TEST(KeyExchange, ForkedChildDoesNotUseTheParentsSpare) {
  prepare_key_exchange(named_group::x25519);
  ASSERT_TRUE(spare_ready(named_group::x25519));
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::array<std::byte, 33> msg{};
    msg[0] = spare_ready(named_group::x25519) ? std::byte{1} : std::byte{0};
    auto kx = generate_key_exchange(named_group::x25519);
    if (kx) std::copy_n((*kx)->public_key().begin(), 32, msg.begin() + 1);
    const bool ok = kx && write(fds[1], msg.data(), msg.size()) == static_cast<ssize_t>(msg.size());
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  auto parent = generate_key_exchange(named_group::x25519);  // the spare
  std::array<std::byte, 33> msg{};
  const ssize_t got = read(fds[0], msg.data(), msg.size());
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(got, 33);
  ASSERT_TRUE(parent);
  EXPECT_EQ(msg[0], std::byte{0}) << "the child saw the parent's spare as usable";
  EXPECT_NE(hex(bytes(msg.data() + 1, 32)), hex((*parent)->public_key()));
}

void expect_rejected(named_group g, const byte_vec& share, const char* what) {
  auto kx = generate_key_exchange(g);
  ASSERT_TRUE(kx);
  auto s = (*kx)->complete(view(share));
  ASSERT_FALSE(s) << what;
  EXPECT_EQ(s.error(), protocol_errc::illegal_parameter) << what;
}

TEST(KeyExchange, MalformedSharesAreIllegalParameter) {
  for (auto g : k_groups) {
    auto peer = generate_key_exchange(g);
    ASSERT_TRUE(peer);
    const auto pub = (*peer)->public_key();
    byte_vec good(pub.begin(), pub.end());
    expect_rejected(g, {}, "empty");
    expect_rejected(g, byte_vec(good.begin(), good.end() - 1), "one octet short");
    auto longer = good;
    longer.push_back(std::byte{0});
    expect_rejected(g, longer, "one octet long");
    if (g == named_group::x25519) continue;
    auto off_curve = good;
    off_curve.back() ^= std::byte{1};  // changes Y only: not on the curve
    expect_rejected(g, off_curve, "off-curve point");
    auto compressed = byte_vec(good.begin(), good.begin() + 1 + (good.size() - 1) / 2);
    compressed[0] = std::byte{0x02} | (good.back() & std::byte{1});
    expect_rejected(g, compressed, "compressed point");
    auto hybrid_form = good;
    hybrid_form[0] = std::byte{0x06} | (good.back() & std::byte{1});
    expect_rejected(g, hybrid_form, "hybrid point form");
    auto zeros = byte_vec(good.size());
    zeros[0] = std::byte{0x04};
    expect_rejected(g, zeros, "(0, 0)");
    expect_rejected(g, byte_vec{std::byte{0}}, "point at infinity");
  }
  // Low-order X25519 points give an all-zero secret (RFC 8446 §7.4.2).
  expect_rejected(named_group::x25519, byte_vec(32), "u = 0");
  auto one = byte_vec(32);
  one[0] = std::byte{1};
  expect_rejected(named_group::x25519, one, "u = 1");
}

TEST(KeyExchange, FromPrivateChecksItsInput) {
  auto invalid = [](named_group g, const byte_vec& k) {
    auto r = tls13::key_exchange_from_private(g, view(k));
    return !r && r.error() == internal_errc::invalid_argument;
  };
  EXPECT_TRUE(invalid(named_group::x25519, byte_vec(31)));
  EXPECT_TRUE(invalid(named_group::x25519, byte_vec(33)));
  EXPECT_TRUE(invalid(named_group::x25519_mlkem768, byte_vec(32)));
  EXPECT_TRUE(invalid(named_group::secp256r1, byte_vec(32)));  // zero scalar
  EXPECT_TRUE(invalid(named_group::secp256r1, {}));
  // The group order n is out of range; n - 1 is the largest valid scalar (SEC 1 §3.2.1).
  const auto n = unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  EXPECT_TRUE(invalid(named_group::secp256r1, n));
  auto n_minus_1 = n;
  n_minus_1.back() = std::byte{0x50};
  EXPECT_TRUE(tls13::key_exchange_from_private(named_group::secp256r1, view(n_minus_1)));
  // Leading zero octets are allowed, a 33rd significant octet is not.
  auto padded = n_minus_1;
  padded.insert(padded.begin(), std::byte{0});
  EXPECT_TRUE(tls13::key_exchange_from_private(named_group::secp256r1, view(padded)));
  auto too_long = n_minus_1;
  too_long.insert(too_long.begin(), std::byte{1});
  EXPECT_TRUE(invalid(named_group::secp256r1, too_long));
}

TEST(KeyExchange, SupportedGroups) {
  for (auto g : k_groups) EXPECT_TRUE(kx_supported(g));
  EXPECT_FALSE(kx_supported(named_group::x25519_mlkem768));
  EXPECT_EQ(kx_share_size(named_group::x25519), 32u);
  EXPECT_EQ(kx_share_size(named_group::secp256r1), 65u);
  EXPECT_EQ(kx_share_size(named_group::secp384r1), 97u);
  EXPECT_EQ(kx_share_size(named_group::secp256r1_mlkem768), 0u);
  auto r = generate_key_exchange(named_group::secp384r1_mlkem1024);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), internal_errc::invalid_argument);
}

}  // namespace
}  // namespace tls13::crypto
