// ML-KEM-768 and ML-KEM-1024 properties (there are no ML-KEM-1024 vectors in the repository): sizes,
// argument errors, round trips, the §7.2 modulus check, the §7.3 hash check, implicit rejection (the
// expected key J(z || c') computed by libcrypto's SHAKE256), the expanded decapsulation_key against the
// octet dk, and an exchange in both directions with an independent implementation, Node >= 24 on
// OpenSSL >= 3.5, when one is installed.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "crypto/mlkem.hpp"
#include "mlkem_test_util.hpp"
#include "test_support.hpp"
#include "tls13/errors.hpp"

namespace tls13::crypto::mlkem {
namespace {

using test::keypair;
using test::make_keypair;
using test::rejection_key;
using tls13::test::byte_vec;
using tls13::test::hex;
using tls13::test::unhex;

// Sets 12-bit coefficient i of the encoded t-hat in ek to v.
void set_coefficient(byte_vec& ek, std::size_t i, unsigned v) {
  auto* b = reinterpret_cast<unsigned char*>(ek.data()) + 3 * (i / 2);
  if (i % 2 == 0) {
    b[0] = static_cast<unsigned char>(v);
    b[1] = static_cast<unsigned char>((b[1] & 0xf0) | (v >> 8));
  } else {
    b[1] = static_cast<unsigned char>((b[1] & 0x0f) | ((v & 0x0f) << 4));
    b[2] = static_cast<unsigned char>(v >> 4);
  }
}

class MlKem : public ::testing::TestWithParam<parameter_set> {
 protected:
  parameter_set p() const { return GetParam(); }
  sizes sz() const { return size_of(GetParam()); }
};

TEST(MlKemSizes, Table3) {
  constexpr auto s768 = size_of(parameter_set::ml_kem_768);
  constexpr auto s1024 = size_of(parameter_set::ml_kem_1024);
  static_assert(s768.encapsulation_key == 1184 && s768.decapsulation_key == 2400 && s768.ciphertext == 1088);
  static_assert(s1024.encapsulation_key == 1568 && s1024.decapsulation_key == 3168 &&
                s1024.ciphertext == 1568);
  static_assert(shared_secret_size == 32);
  const auto bad = static_cast<parameter_set>(7);
  EXPECT_EQ(size_of(bad).ciphertext, 0u);
  byte_vec b(32), ek(1184), dk(2400);
  EXPECT_EQ(keygen(bad, ek, dk).error(), internal_errc::invalid_argument);
  EXPECT_EQ(keygen_internal(bad, b, b, ek, dk).error(), internal_errc::invalid_argument);
  EXPECT_EQ(encaps(bad, ek, b, b).error(), internal_errc::invalid_argument);
  EXPECT_EQ(decaps(bad, dk, b, b).error(), internal_errc::invalid_argument);
}

TEST_P(MlKem, RoundTrips) {
  std::map<std::string, int> seen;
  for (int i = 0; i < 16; ++i) {
    const keypair kp = make_keypair(p());
    byte_vec ct(sz().ciphertext), ss(32), ss2(32);
    ASSERT_TRUE(encaps(p(), kp.ek, ct, ss));
    ASSERT_TRUE(decaps(p(), kp.dk, ct, ss2));
    EXPECT_EQ(ss, ss2);
    EXPECT_EQ(++seen[hex(ss)], 1);
    // dk = dk_pke || ek || H(ek) || z (Alg. 16), H = SHA3-256 from libcrypto.
    const std::size_t pke = sz().encapsulation_key - 32;
    EXPECT_EQ(byte_vec(kp.dk.begin() + pke, kp.dk.begin() + pke + kp.ek.size()), kp.ek);
    const auto h = byte_vec(kp.dk.begin() + pke + kp.ek.size(), kp.dk.end() - 32);
    EXPECT_EQ(h, test::evp_digest("SHA3-256", kp.ek, 32));
  }
}

TEST_P(MlKem, DeterministicInternals) {
  const byte_vec d(32, std::byte{1}), z(32, std::byte{2}), m(32, std::byte{3});
  byte_vec ek1(sz().encapsulation_key), dk1(sz().decapsulation_key), ek2 = ek1, dk2 = dk1;
  ASSERT_TRUE(keygen_internal(p(), d, z, ek1, dk1));
  ASSERT_TRUE(keygen_internal(p(), d, z, ek2, dk2));
  EXPECT_EQ(ek1, ek2);
  EXPECT_EQ(dk1, dk2);
  EXPECT_EQ(byte_vec(dk1.end() - 32, dk1.end()), z);
  byte_vec ct1(sz().ciphertext), ct2 = ct1, ss1(32), ss2(32), ss3(32);
  ASSERT_TRUE(encaps_internal(p(), ek1, m, ct1, ss1));
  ASSERT_TRUE(encaps_internal(p(), ek1, m, ct2, ss2));
  EXPECT_EQ(ct1, ct2);
  EXPECT_EQ(ss1, ss2);
  ASSERT_TRUE(decaps(p(), dk1, ct1, ss3));
  EXPECT_EQ(ss3, ss1);
}

TEST_P(MlKem, ArgumentErrors) {
  const keypair kp = make_keypair(p());
  const auto s = sz();
  byte_vec b32(32), ct(s.ciphertext), ss(32), ek(s.encapsulation_key), dk(s.decapsulation_key);
  auto err = [](const result<void>& r) { return r.error(); };
  const std::error_code bad_arg = internal_errc::invalid_argument, illegal = protocol_errc::illegal_parameter;
  // Caller buffers and seeds: invalid_argument.
  byte_vec ek_long(s.encapsulation_key + 1), dk_short(s.decapsulation_key - 1), ct_long(s.ciphertext + 1);
  byte_vec b31(31), b33(33);
  EXPECT_EQ(err(keygen(p(), ek_long, dk)), bad_arg);
  EXPECT_EQ(err(keygen(p(), ek, dk_short)), bad_arg);
  EXPECT_EQ(err(keygen_internal(p(), byte_vec(31), b32, ek, dk)), bad_arg);
  EXPECT_EQ(err(keygen_internal(p(), b32, byte_vec(33), ek, dk)), bad_arg);
  EXPECT_EQ(err(encaps(p(), kp.ek, ct_long, ss)), bad_arg);
  EXPECT_EQ(err(encaps(p(), kp.ek, ct, b31)), bad_arg);
  EXPECT_EQ(err(encaps_internal(p(), kp.ek, byte_vec(31), ct, ss)), bad_arg);
  EXPECT_EQ(err(decaps(p(), byte_vec(s.decapsulation_key + 1), ct, ss)), bad_arg);
  EXPECT_EQ(err(decaps(p(), kp.dk, ct, b33)), bad_arg);
  // Peer input of the wrong length: illegal_parameter.
  for (std::size_t len : {std::size_t{0}, s.encapsulation_key - 1, s.encapsulation_key + 1,
                          std::size_t{1184 + 1568 - s.encapsulation_key}})
    EXPECT_EQ(err(encaps(p(), byte_vec(len), ct, ss)), illegal) << len;
  for (std::size_t len :
       {std::size_t{0}, s.ciphertext - 1, s.ciphertext + 1, std::size_t{1088 + 1568 - s.ciphertext}})
    EXPECT_EQ(err(decaps(p(), kp.dk, byte_vec(len), ss)), illegal) << len;
  // Nothing is written on failure.
  byte_vec untouched(32, std::byte{0xee});
  ASSERT_FALSE(encaps(p(), byte_vec(5), ct, untouched));
  EXPECT_EQ(untouched, byte_vec(32, std::byte{0xee}));
}

TEST_P(MlKem, ModulusCheck) {
  const keypair kp = make_keypair(p());
  const std::size_t coefficients = (sz().encapsulation_key - 32) * 2 / 3;
  byte_vec ct(sz().ciphertext), ss(32);
  for (std::size_t i : {std::size_t{0}, std::size_t{1}, std::size_t{255}, std::size_t{256}, std::size_t{511},
                        coefficients / 2 + 1, coefficients - 2, coefficients - 1}) {
    for (unsigned v : {3329u, 3330u, 4000u, 4095u}) {
      byte_vec ek = kp.ek;
      set_coefficient(ek, i, v);
      const auto r = encaps(p(), ek, ct, ss);
      ASSERT_FALSE(r) << "coefficient " << i << " = " << v;
      EXPECT_EQ(r.error(), protocol_errc::illegal_parameter);
    }
    byte_vec ek = kp.ek;  // q - 1 and 0 are in range
    set_coefficient(ek, i, 3328);
    EXPECT_TRUE(encaps(p(), ek, ct, ss)) << i;
    set_coefficient(ek, i, 0);
    EXPECT_TRUE(encaps(p(), ek, ct, ss)) << i;
  }
  byte_vec all_max(sz().encapsulation_key, std::byte{0xff});
  EXPECT_EQ(encaps(p(), all_max, ct, ss).error(), protocol_errc::illegal_parameter);
}

TEST_P(MlKem, ImplicitRejection) {
  const keypair kp = make_keypair(p());
  byte_vec ct(sz().ciphertext), ss(32), got(32);
  ASSERT_TRUE(encaps(p(), kp.ek, ct, ss));
  for (std::size_t pos : {std::size_t{0}, ct.size() / 2, ct.size() - 1}) {
    for (unsigned flip : {0x01u, 0x80u}) {
      byte_vec bad = ct;
      bad[pos] ^= static_cast<std::byte>(flip);
      ASSERT_TRUE(decaps(p(), kp.dk, bad, got)) << pos;  // implicit rejection is a success
      EXPECT_NE(got, ss) << pos;
      EXPECT_EQ(got, rejection_key(kp.dk, bad)) << pos;
    }
  }
  const byte_vec zeros(sz().ciphertext);
  ASSERT_TRUE(decaps(p(), kp.dk, zeros, got));
  EXPECT_EQ(got, rejection_key(kp.dk, zeros));
  ASSERT_TRUE(decaps(p(), kp.dk, ct, got));  // and the genuine one still decapsulates
  EXPECT_EQ(got, ss);
}

TEST_P(MlKem, DecapsulationKeyHashCheck) {
  const keypair kp = make_keypair(p());
  const std::size_t pke = sz().encapsulation_key - 32;
  byte_vec ct(sz().ciphertext), ss(32), got(32);
  ASSERT_TRUE(encaps(p(), kp.ek, ct, ss));
  for (std::size_t pos : {pke, pke + kp.ek.size() - 1, pke + kp.ek.size(), pke + kp.ek.size() + 31}) {
    byte_vec dk = kp.dk;  // a flipped bit in ek or in H(ek): §7.3 hash check
    dk[pos] ^= std::byte{1};
    const auto r = decaps(p(), dk, ct, got);
    ASSERT_FALSE(r) << pos;
    EXPECT_EQ(r.error(), internal_errc::invalid_argument);
  }
  byte_vec dk = kp.dk;  // z is not covered by the hash: a changed z only shows on rejection
  dk.back() ^= std::byte{1};
  ASSERT_TRUE(decaps(p(), dk, ct, got));
  EXPECT_EQ(got, ss);
}

// ---- decapsulation_key: the expanded key a TLS client keeps between keygen and decaps ----

// The same seeds through both forms: the same ek, and decaps gives the same key for the genuine
// ciphertext, for corrupted ones (implicit rejection: J(z || c), checked against libcrypto's SHAKE256) and
// for the all-zero one.
TEST_P(MlKem, ExpandedKeyMatchesOctets) {
  for (int round = 0; round < 8; ++round) {
    const byte_vec d(32, static_cast<std::byte>(round)), z(32, static_cast<std::byte>(0x80 + round));
    const byte_vec m(32, static_cast<std::byte>(0x40 + round));
    byte_vec ek(sz().encapsulation_key), dk(sz().decapsulation_key), ek2 = ek;
    ASSERT_TRUE(keygen_internal(p(), d, z, ek, dk));
    auto expanded = std::make_unique<decapsulation_key>();
    EXPECT_TRUE(expanded->empty());
    ASSERT_TRUE(keygen_internal(p(), d, z, ek2, *expanded));
    EXPECT_FALSE(expanded->empty());
    EXPECT_EQ(ek2, ek);
    byte_vec ct(sz().ciphertext), ss(32), from_octets(32), from_expanded(32);
    ASSERT_TRUE(encaps_internal(p(), ek, m, ct, ss));
    ASSERT_TRUE(decaps(p(), dk, ct, from_octets));
    ASSERT_TRUE(decaps(*expanded, ct, from_expanded));
    EXPECT_EQ(from_octets, ss);
    EXPECT_EQ(from_expanded, ss);
    for (std::size_t pos : {std::size_t{0}, ct.size() / 3, ct.size() - 1}) {
      byte_vec bad = ct;
      bad[pos] ^= std::byte{0x10};
      ASSERT_TRUE(decaps(p(), dk, bad, from_octets));
      ASSERT_TRUE(decaps(*expanded, bad, from_expanded));
      EXPECT_EQ(from_expanded, from_octets) << pos;
      EXPECT_EQ(from_expanded, rejection_key(dk, bad)) << pos;
    }
    const byte_vec zeros(sz().ciphertext);
    ASSERT_TRUE(decaps(*expanded, zeros, from_expanded));
    EXPECT_EQ(from_expanded, rejection_key(dk, zeros));
    // Decaps leaves the key as it was: the genuine ciphertext still gives K.
    ASSERT_TRUE(decaps(*expanded, ct, from_expanded));
    EXPECT_EQ(from_expanded, ss);
  }
}

TEST_P(MlKem, ExpandedKeyRandomRoundTrips) {
  decapsulation_key dk;  // reused: each keygen replaces the key
  std::map<std::string, int> seen;
  for (int i = 0; i < 8; ++i) {
    byte_vec ek(sz().encapsulation_key), ct(sz().ciphertext), ss(32), got(32);
    ASSERT_TRUE(keygen(p(), ek, dk));
    EXPECT_EQ(++seen[hex(ek)], 1);
    ASSERT_TRUE(encaps(p(), ek, ct, ss));
    ASSERT_TRUE(decaps(dk, ct, got));
    EXPECT_EQ(got, ss);
  }
}

TEST_P(MlKem, ExpandedKeyErrors) {
  const auto s = sz();
  const std::error_code bad_arg = internal_errc::invalid_argument, illegal = protocol_errc::illegal_parameter;
  byte_vec ek(s.encapsulation_key), ct(s.ciphertext), ss(32), b32(32);
  decapsulation_key dk;
  // An empty key: invalid_argument.
  EXPECT_EQ(decaps(dk, ct, ss).error(), bad_arg);
  ASSERT_TRUE(keygen_internal(p(), b32, b32, ek, dk));
  ASSERT_TRUE(encaps(p(), ek, ct, ss));
  // Caller buffers: invalid_argument; a ciphertext of the wrong length (peer input): illegal_parameter.
  byte_vec ss_short(31), untouched(32, std::byte{0xee});
  EXPECT_EQ(decaps(dk, ct, ss_short).error(), bad_arg);
  for (std::size_t len :
       {std::size_t{0}, s.ciphertext - 1, s.ciphertext + 1, std::size_t{1088 + 1568 - s.ciphertext}})
    EXPECT_EQ(decaps(dk, byte_vec(len), untouched).error(), illegal) << len;
  EXPECT_EQ(untouched, byte_vec(32, std::byte{0xee}));  // nothing written on failure
  // A failed keygen leaves the key empty, whatever it held.
  byte_vec ek_long(s.encapsulation_key + 1);
  EXPECT_EQ(keygen(p(), ek_long, dk).error(), bad_arg);
  EXPECT_TRUE(dk.empty());
  ASSERT_TRUE(keygen(p(), ek, dk));
  EXPECT_EQ(keygen_internal(p(), byte_vec(31), b32, ek, dk).error(), bad_arg);
  EXPECT_TRUE(dk.empty());
  EXPECT_EQ(keygen(static_cast<parameter_set>(7), ek, dk).error(), bad_arg);
  // clear() empties it.
  ASSERT_TRUE(keygen(p(), ek, dk));
  dk.clear();
  EXPECT_TRUE(dk.empty());
  EXPECT_EQ(decaps(dk, ct, ss).error(), bad_arg);
}

// ---- Node >= 24 (OpenSSL >= 3.5) as the independent implementation ----

std::string run(const std::string& cmd) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(popen(cmd.c_str(), "r"), pclose);
  if (!f) return {};
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f.get())) > 0;) out.append(buf, n);
  return out;
}

std::map<std::string, byte_vec> parse_lines(const std::string& out) {
  std::map<std::string, byte_vec> m;
  std::size_t start = 0;
  for (std::size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = out.substr(start, end - start);
    const auto eq = line.find('=');
    if (eq != std::string::npos) m[line.substr(0, eq)] = unhex(line.substr(eq + 1));
  }
  return m;
}

// The node binary, or "" with the reason in `why`.
std::string find_node(std::string& why) {
  std::string node = std::getenv("TLS13_NODE") ? std::getenv("TLS13_NODE") : TLS13_NODE;
  if (node.empty()) {
    why = "no node found at configure time (set TLS13_NODE to one)";
    return {};
  }
  const std::string probe = run("'" + node +
                                "' -p \"process.versions.node.split('.')[0] + ' ' + typeof "
                                "require('node:crypto').encapsulate\" 2>/dev/null");
  if (std::atoi(probe.c_str()) < 24 || probe.find("function") == std::string::npos) {
    why = node + " answers \"" + probe.substr(0, probe.find('\n')) +
          "\": need node >= 24 with crypto.encapsulate";
    return {};
  }
  return node;
}

TEST_P(MlKem, CrossCheckWithNode) {
  std::string why;
  const std::string node = find_node(why);
  if (node.empty()) GTEST_SKIP() << why;
  const std::string alg = p() == parameter_set::ml_kem_768 ? "ml-kem-768" : "ml-kem-1024";
  const std::string script = "'" + node + "' '" TLS13_MLKEM_NODE_SCRIPT "' ";
  // 1. Node's key pair: our KeyGen_internal on its seed gives its ek and dk; we decapsulate its ct.
  auto gen = parse_lines(run(script + "gen " + alg));
  ASSERT_EQ(gen["seed"].size(), 64u) << "node gen failed";
  byte_vec ek(sz().encapsulation_key), dk(sz().decapsulation_key), ss(32), ct(sz().ciphertext);
  const byte_vec d(gen["seed"].begin(), gen["seed"].begin() + 32),
      z(gen["seed"].begin() + 32, gen["seed"].end());
  ASSERT_TRUE(keygen_internal(p(), d, z, ek, dk));
  EXPECT_EQ(ek, gen["ek"]);
  EXPECT_EQ(dk, gen["dk"]);
  ASSERT_TRUE(decaps(p(), dk, gen["ct"], ss));
  EXPECT_EQ(ss, gen["ss"]);
  // 2. Our key pair and our encapsulation to node's key; node decapsulates ours and encapsulates to us.
  const keypair mine = make_keypair(p());
  byte_vec our_ss(32);
  ASSERT_TRUE(encaps(p(), gen["ek"], ct, our_ss));
  auto peer = parse_lines(run(script + "peer " + alg + " " + hex(gen["seed"]) + " " + hex(gen["ek"]) + " " +
                              hex(mine.ek) + " " + hex(ct)));
  ASSERT_EQ(peer["ss_dec"].size(), 32u) << "node peer failed";
  EXPECT_EQ(peer["ss_dec"], our_ss);
  ASSERT_TRUE(decaps(p(), mine.dk, peer["ct"], ss));
  EXPECT_EQ(ss, peer["ss"]);
}

INSTANTIATE_TEST_SUITE_P(ParameterSets, MlKem,
                         ::testing::Values(parameter_set::ml_kem_768, parameter_set::ml_kem_1024),
                         [](const auto& i) {
                           return i.param == parameter_set::ml_kem_768 ? "ML_KEM_768" : "ML_KEM_1024";
                         });

}  // namespace
}  // namespace tls13::crypto::mlkem
