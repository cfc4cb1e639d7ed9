// ML-KEM-768 known answers: the arithmetic exhaustively, SHA-3/SHAKE against libcrypto, every step of
// C2SP CCTV's intermediate values, NIST ACVP keyGen / encapDecap, and CCTV's modulus, strcmp and
// unlucky-sample sets (tests/vectors/mlkem/, see README.md there).
#include "crypto/mlkem.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <utility>

#include "crypto/mlkem_keccak.hpp"
#include "crypto/mlkem_poly.hpp"
#include "mlkem_test_util.hpp"
#include "test_support.hpp"
#include "tls13/errors.hpp"

namespace tls13::crypto::mlkem {
namespace {

using namespace detail;
using test::evp_digest;
using test::kv_file;
using tls13::test::byte_vec;
using tls13::test::unhex;
using tls13::test::view;

constexpr auto p768 = parameter_set::ml_kem_768;

const std::uint8_t* u8p(const byte_vec& v) { return reinterpret_cast<const std::uint8_t*>(v.data()); }

// ---- arithmetic ----

int mod_q(long long a) { return static_cast<int>(((a % q) + q) % q); }

std::vector<int> canonical(const poly& f) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = to_canonical(f.c[i]);
  return v;
}

TEST(MlKemArith, BarrettReduceAllInt16) {
  for (int a = -32768; a <= 32767; ++a) {
    const int r = barrett_reduce(static_cast<std::int16_t>(a));
    ASSERT_EQ(mod_q(r), mod_q(a)) << a;
    ASSERT_LE(std::abs(r), (q - 1) / 2) << a;
    ASSERT_EQ(static_cast<int>(to_canonical(static_cast<std::int16_t>(a))), mod_q(a)) << a;
  }
}

TEST(MlKemArith, MontgomeryReduce) {
  // a * 2^16 * montgomery_reduce(a) == a (mod q), |result| < q, over the whole range |a| < q * 2^15.
  const long long bound = static_cast<long long>(q) << 15;
  auto check = [](long long a) {
    const int r = montgomery_reduce(static_cast<std::int32_t>(a));
    ASSERT_EQ(mod_q(static_cast<long long>(r) * 65536), mod_q(a)) << a;
    ASSERT_LT(std::abs(r), q) << a;
  };
  for (long long a = -bound + 1; a < bound; a += 997) check(a);
  for (long long a : {-bound + 1, bound - 1, 0LL, 1LL, -1LL}) check(a);
}

TEST(MlKemArith, CompressDecompressExact) {
  for (int d : {1, 4, 5, 10, 11}) {
    for (int x = 0; x < q; ++x) {  // round(2^d x / q), ties up, as exact integer arithmetic
      const long long want = ((2LL * (x << d) + q) / (2LL * q)) % (1LL << d);
      ASSERT_EQ(compress(static_cast<std::uint16_t>(x), d), want) << "d=" << d << " x=" << x;
    }
    for (int y = 0; y < (1 << d); ++y) {
      const long long want = (2LL * q * y + (1LL << d)) / (2LL << d);  // round(q y / 2^d), ties up
      ASSERT_EQ(decompress(static_cast<std::uint16_t>(y), d), want) << "d=" << d << " y=" << y;
      ASSERT_EQ(compress(decompress(static_cast<std::uint16_t>(y), d), d), y) << "d=" << d;
    }
  }
}

TEST(MlKemArith, NttRoundTripAndProduct) {
  // NTT^-1(NTT(f) x NTT(g)) is f * g in Z_q[X]/(X^256 + 1), computed here by schoolbook.
  std::mt19937 rng(42);
  poly f, g, fh, gh, h;
  for (int i = 0; i < n; ++i) {
    f.c[i] = static_cast<std::int16_t>(rng() % q);
    g.c[i] = static_cast<std::int16_t>(static_cast<int>(rng() % 5) - 2);
  }
  fh = f, gh = g;
  ntt(fh);
  ntt(gh);
  basemul_acc(h, &fh, &gh, 1);
  invntt(h);
  std::vector<long long> want(n, 0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const long long prod = static_cast<long long>(f.c[i]) * g.c[j];
      if (i + j < n)
        want[i + j] += prod;
      else
        want[i + j - n] -= prod;  // X^256 = -1
    }
  for (int i = 0; i < n; ++i) ASSERT_EQ(to_canonical(h.c[i]), mod_q(want[i])) << i;
  // tomont(basemul) also cancels the 2^-16 without the inverse NTT.
  poly one{};
  poly one_hat;
  one.c[0] = 1;
  one_hat = one;
  ntt(one_hat);
  basemul_acc(h, &fh, &one_hat, 1);
  tomont(h);
  for (int i = 0; i < n; ++i) ASSERT_EQ(to_canonical(h.c[i]), to_canonical(fh.c[i])) << i;
}

// ---- SHA-3 against libcrypto ----

TEST(MlKemKeccak, MatchesLibcrypto) {
  std::mt19937 rng(7);
  for (std::size_t len : {0, 1, 31, 32, 33, 71, 72, 73, 135, 136, 137, 167, 168, 169, 335, 336, 1184, 1600}) {
    byte_vec in(len);
    for (auto& b : in) b = static_cast<std::byte>(rng());
    const std::size_t cut = len / 3;  // the two-part input paths
    const u8_view a(u8p(in), cut), b(u8p(in) + cut, len - cut);
    std::uint8_t out[64];
    sha3_256(out, a, b);
    EXPECT_EQ(byte_vec(reinterpret_cast<std::byte*>(out), reinterpret_cast<std::byte*>(out) + 32),
              evp_digest("SHA3-256", in, 32))
        << len;
    sha3_512(out, a, b);
    EXPECT_EQ(byte_vec(reinterpret_cast<std::byte*>(out), reinterpret_cast<std::byte*>(out) + 64),
              evp_digest("SHA3-512", in, 64))
        << len;
    byte_vec s256(500);
    shake256(reinterpret_cast<std::uint8_t*>(s256.data()), s256.size(), a, b);
    EXPECT_EQ(s256, evp_digest("SHAKE256", in, 500)) << len;
    // SHAKE128 squeezed in uneven pieces and whole blocks equals one long libcrypto output.
    keccak_sponge x(shake128_rate, 0x1f);
    x.absorb(a);
    x.absorb(b);
    byte_vec s128(3 * shake128_rate + 2 * shake128_rate + 100);
    auto* o = reinterpret_cast<std::uint8_t*>(s128.data());
    x.squeeze_blocks(o, 3);
    x.squeeze_blocks(o + 3 * shake128_rate, 2);
    x.squeeze(o + 5 * shake128_rate, 1);
    x.squeeze(o + 5 * shake128_rate + 1, 99);
    EXPECT_EQ(s128, evp_digest("SHAKE128", in, s128.size())) << len;
  }
}

// Every Keccak-f[1600] this build and CPU can run (portable, BMI2; four-way: portable, AVX2, AVX-512VL)
// gives the portable one-state result, lane by lane for the four-way ones, and so do the dispatched
// keccak_f1600 / keccak_f1600_x4. (The known answers above go through the dispatched ones.)
TEST(MlKemKeccak, ImplementationsAgree) {
  std::mt19937_64 rng(11);
  std::map<std::string, int> ran;
  for (int round = 0; round < 16; ++round) {
    std::uint64_t in[4][25], want[4][25];
    for (auto& state : in)
      for (auto& lane : state) lane = rng();
    std::memcpy(want, in, sizeof in);
    for (auto& state : want) ASSERT_TRUE(keccak_f1600_with(keccak_impl::portable, state));
    for (const auto impl : {keccak_impl::bmi2}) {
      std::uint64_t got[25];
      std::memcpy(got, in[0], sizeof got);
      if (!keccak_f1600_with(impl, got)) continue;
      EXPECT_EQ(0, std::memcmp(got, want[0], sizeof got)) << static_cast<int>(impl);
      ++ran["scalar " + std::to_string(static_cast<int>(impl))];
    }
    std::uint64_t got[25];
    std::memcpy(got, in[1], sizeof got);
    keccak_f1600(got);
    EXPECT_EQ(0, std::memcmp(got, want[1], sizeof got));
    auto run_x4 = [&](auto permute) {
      keccak_x4_state x4;
      for (int j = 0; j < 4; ++j)
        for (int i = 0; i < 25; ++i) x4.s[i][j] = in[j][i];
      if (!permute(x4)) return false;
      for (int j = 0; j < 4; ++j)
        for (int i = 0; i < 25; ++i) EXPECT_EQ(x4.s[i][j], want[j][i]) << "state " << j << " lane " << i;
      return true;
    };
    for (const auto impl : {keccak_x4_impl::portable, keccak_x4_impl::avx2, keccak_x4_impl::avx512vl})
      if (run_x4([&](keccak_x4_state& x4) { return keccak_f1600_x4_with(impl, x4); }))
        ++ran["x4 " + std::to_string(static_cast<int>(impl))];
    run_x4([](keccak_x4_state& x4) {
      keccak_f1600_x4(x4);
      return true;
    });
  }
  EXPECT_EQ(ran["x4 0"], 16);  // the portable one always runs
  std::string which;
  for (const auto& [name, count] : ran) which += " [" + name + "]";
  std::printf("Keccak implementations run:%s; keccak_f1600_x4 uses %d\n", which.c_str(),
              static_cast<int>(keccak_x4_selected()));
}

// The four-way SHAKE sponge against libcrypto: four different inputs of the same length, several blocks.
TEST(MlKemKeccak, FourWaySpongeMatchesLibcrypto) {
  std::mt19937 rng(5);
  for (const auto& [rate, name] :
       {std::pair{shake128_rate, "SHAKE128"}, std::pair{shake256_rate, "SHAKE256"}}) {
    for (std::size_t len :
         {std::size_t{0}, std::size_t{1}, std::size_t{8}, std::size_t{33}, std::size_t{34}, rate - 1}) {
      byte_vec in[4];
      const std::uint8_t* ptr[4];
      for (int j = 0; j < 4; ++j) {
        in[j].resize(len);
        for (auto& b : in[j]) b = static_cast<std::byte>(rng());
        ptr[j] = u8p(in[j]);
      }
      keccak_sponge_x4 x(rate, 0x1f, ptr, len);
      byte_vec out[4];
      std::uint8_t* outp[4];
      for (int j = 0; j < 4; ++j) {
        out[j].resize(3 * rate);
        outp[j] = reinterpret_cast<std::uint8_t*>(out[j].data());
      }
      x.squeeze_blocks(outp, 2);
      for (auto& o : outp) o += 2 * rate;
      x.squeeze_blocks(outp, 1);
      for (int j = 0; j < 4; ++j) EXPECT_EQ(out[j], evp_digest(name, in[j], 3 * rate)) << name << " " << len;
    }
  }
}

// The batched samplers give what the one-at-a-time ones give, for every batch size.
TEST(MlKemSampling, FourWayEqualsOneByOne) {
  std::mt19937 rng(9);
  std::uint8_t rho[32], sigma[32];
  for (int round = 0; round < 8; ++round) {
    for (auto& b : rho) b = static_cast<std::uint8_t>(rng());
    for (auto& b : sigma) b = static_cast<std::uint8_t>(rng());
    for (int count = 1; count <= 4; ++count) {
      poly got[4], want;
      poly* ptr[4] = {&got[0], &got[1], &got[2], &got[3]};
      std::uint8_t idx[4][2];
      for (int l = 0; l < count; ++l)
        idx[l][0] = static_cast<std::uint8_t>(rng() % 4), idx[l][1] = static_cast<std::uint8_t>(l);
      sample_ntt_x4(ptr, rho, idx, count);
      for (int l = 0; l < count; ++l) {
        sample_ntt(want, rho, idx[l][0], idx[l][1]);
        EXPECT_EQ(canonical(got[l]), canonical(want)) << count << " " << l;
      }
      const auto nonce = static_cast<std::uint8_t>(rng() % 250);
      sample_cbd2_x4(ptr, sigma, nonce, count);
      for (int l = 0; l < count; ++l) {
        sample_cbd2(want, sigma, static_cast<std::uint8_t>(nonce + l));
        EXPECT_EQ(0, std::memcmp(got[l].c, want.c, sizeof want.c)) << count << " " << l;
      }
    }
  }
}

// ---- CCTV intermediate values (one key, one message), step by step ----

byte_vec enc12(const poly* f, int k) {
  byte_vec out(384 * k);
  for (int i = 0; i < k; ++i) encode12(reinterpret_cast<std::uint8_t*>(out.data()) + 384 * i, f[i]);
  return out;
}

// CCTV's vectors were made for the FIPS 203 initial public draft (with the A-hat index fix): its
// K-PKE.KeyGen takes (rho, sigma) = G(d), the final standard G(d || k) (Alg. 13 line 1, footnote 1).
// So their KeyGen outputs are not final FIPS 203 (NIST ACVP's keyGen vectors cover that); every value
// after G, and Encaps / Decaps on their keys, are unchanged and tested here.
std::vector<poly> dec12(const byte_vec& b) {
  std::vector<poly> f(b.size() / 384);
  for (std::size_t i = 0; i < f.size(); ++i) decode12_reduced(f[i], u8p(b) + 384 * i);
  return f;
}

TEST(MlKemCctv, IntermediateKeyGen) {
  const kv_file v("mlkem/cctv-intermediate-ML-KEM-768.txt");
  const auto d = v.hex("d"), rho = v.hex("ρ"), sigma = v.hex("σ");
  std::uint8_t g[64];
  sha3_512(g, u8_view(u8p(d), 32));  // the draft's G(d), to show where rho and sigma come from
  ASSERT_EQ(byte_vec(reinterpret_cast<std::byte*>(g), reinterpret_cast<std::byte*>(g) + 32), rho);
  ASSERT_EQ(byte_vec(reinterpret_cast<std::byte*>(g) + 32, reinterpret_cast<std::byte*>(g) + 64), sigma);

  poly a[9], s[3], e[3], t[3];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      sample_ntt(a[3 * i + j], u8p(rho), static_cast<std::uint8_t>(j), static_cast<std::uint8_t>(i));
  EXPECT_EQ(canonical(a[0]), v.decimals("A[0, 0]"));
  EXPECT_EQ(enc12(a, 9), v.hex("A"));
  for (int i = 0; i < 3; ++i) {
    sample_cbd2(s[i], u8p(sigma), static_cast<std::uint8_t>(i));
    sample_cbd2(e[i], u8p(sigma), static_cast<std::uint8_t>(3 + i));
  }
  EXPECT_EQ(canonical(s[0]), v.decimals("s[0]"));
  EXPECT_EQ(enc12(s, 3), v.hex("s"));
  EXPECT_EQ(enc12(e, 3), v.hex("e"));
  for (int i = 0; i < 3; ++i) ntt(s[i]), ntt(e[i]);
  EXPECT_EQ(canonical(s[0]), v.decimals("NTT(s[0])"));
  EXPECT_EQ(enc12(s, 3), v.hex("dkPKE"));
  EXPECT_EQ(enc12(e, 3), v.hex("NTT(e)"));
  for (int i = 0; i < 3; ++i) {
    basemul_acc(t[i], a + 3 * i, s, 3);
    tomont(t[i]);
    add(t[i], e[i]);
  }
  EXPECT_EQ(enc12(t, 3), v.hex("t"));
}

// K-PKE.Encrypt: r (the 32 octets, then the vector sampled from them), e1, e2, mu, u, v, c1, c2.
TEST(MlKemCctv, IntermediateEncrypt) {
  const kv_file v("mlkem/cctv-intermediate-ML-KEM-768.txt");
  const auto a = dec12(v.hex("A")), t = dec12(v.hex("t"));
  const auto m = v.hex("m"), r = v.hex("r", 0);
  poly y[3], e1[3], e2, mu, u[3], at[3], vv;
  for (int i = 0; i < 3; ++i) {
    sample_cbd2(y[i], u8p(r), static_cast<std::uint8_t>(i));
    sample_cbd2(e1[i], u8p(r), static_cast<std::uint8_t>(3 + i));
  }
  sample_cbd2(e2, u8p(r), 6);
  EXPECT_EQ(enc12(y, 3), v.hex("r", 1));
  EXPECT_EQ(enc12(e1, 3), v.hex("e1"));
  EXPECT_EQ(enc12(&e2, 1), v.hex("e2"));
  for (auto& p : y) ntt(p);
  EXPECT_EQ(enc12(y, 3), v.hex("NTT(r)"));
  from_msg(mu, u8p(m));
  EXPECT_EQ(enc12(&mu, 1), v.hex("μ"));
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) at[j] = a[3 * j + i];
    basemul_acc(u[i], at, y, 3);
    invntt(u[i]);
    add(u[i], e1[i]);
  }
  EXPECT_EQ(enc12(u, 3), v.hex("u"));
  EXPECT_EQ(canonical(u[0]), v.decimals("u[0]"));
  std::vector<int> cu(n), cv(n);
  for (int i = 0; i < n; ++i) cu[i] = compress(to_canonical(u[0].c[i]), 10);
  EXPECT_EQ(cu, v.decimals("compress(u[0])"));
  byte_vec c1(320 * 3);
  for (int i = 0; i < 3; ++i) compress_encode(reinterpret_cast<std::uint8_t*>(c1.data()) + 320 * i, u[i], 10);
  EXPECT_EQ(c1, v.hex("c1"));
  basemul_acc(vv, t.data(), y, 3);
  invntt(vv);
  add(vv, e2);
  add(vv, mu);
  EXPECT_EQ(canonical(vv), v.decimals("v"));
  for (int i = 0; i < n; ++i) cv[i] = compress(to_canonical(vv.c[i]), 4);
  EXPECT_EQ(cv, v.decimals("compress(v)"));
  byte_vec c2(128);
  compress_encode(reinterpret_cast<std::uint8_t*>(c2.data()), vv, 4);
  EXPECT_EQ(c2, v.hex("c2"));
}

// K-PKE.Decrypt: u', NTT(u'), v', w, m.
TEST(MlKemCctv, IntermediateDecrypt) {
  const kv_file v("mlkem/cctv-intermediate-ML-KEM-768.txt");
  const auto s = dec12(v.hex("dkPKE"));
  const auto c1 = v.hex("c1"), c2 = v.hex("c2");
  poly ud[3], vd, w;
  for (int i = 0; i < 3; ++i) decode_decompress(ud[i], u8p(c1) + 320 * i, 10);
  EXPECT_EQ(enc12(ud, 3), v.hex("uᵈ"));
  for (auto& p : ud) ntt(p);
  EXPECT_EQ(enc12(ud, 3), v.hex("NTT(uᵈ)"));
  decode_decompress(vd, u8p(c2), 4);
  EXPECT_EQ(enc12(&vd, 1), v.hex("vᵈ"));
  basemul_acc(w, s.data(), ud, 3);
  invntt(w);
  sub(vd, w);
  EXPECT_EQ(enc12(&vd, 1), v.hex("w"));
  std::uint8_t m2[32];
  to_msg(m2, vd);
  EXPECT_EQ(byte_vec(reinterpret_cast<std::byte*>(m2), reinterpret_cast<std::byte*>(m2) + 32), v.hex("m"));
}

TEST(MlKemCctv, IntermediateMlKem) {
  const kv_file v("mlkem/cctv-intermediate-ML-KEM-768.txt");
  const auto ek = v.hex("ek"), dk = v.hex("dk"), z = v.hex("z");
  // dk = dk_pke || ek || H(ek) || z (Alg. 16 line 3).
  EXPECT_EQ(byte_vec(dk.begin() + 1152, dk.begin() + 2336), ek);
  EXPECT_EQ(byte_vec(dk.begin() + 2336, dk.begin() + 2368), v.hex("H(ek)"));
  EXPECT_EQ(byte_vec(dk.begin() + 2368, dk.end()), z);
  byte_vec ct(1088), ss(32), ss2(32);
  ASSERT_TRUE(encaps_internal(p768, ek, view(v.hex("m")), ct, ss));
  EXPECT_EQ(ct, v.hex("c"));
  EXPECT_EQ(ss, v.hex("K"));
  ASSERT_TRUE(decaps(p768, dk, ct, ss2));
  EXPECT_EQ(ss2, v.hex("K"));
  // K-bar = J(z || c), the key implicit rejection would give for this c.
  std::uint8_t kbar[32];
  shake256(kbar, 32, u8_view(u8p(z), 32), u8_view(u8p(ct), ct.size()));
  EXPECT_EQ(byte_vec(reinterpret_cast<std::byte*>(kbar), reinterpret_cast<std::byte*>(kbar) + 32),
            v.hex("KBar"));
}

// Alg. 7 written out plainly over libcrypto's SHAKE128 (a long one-shot output): the reference for
// sample_ntt, and how many XOF octets it consumed.
std::pair<std::vector<int>, std::size_t> reference_sample_ntt(const byte_vec& rho, int b33, int b34) {
  byte_vec seed = rho;
  seed.push_back(static_cast<std::byte>(b33));
  seed.push_back(static_cast<std::byte>(b34));
  const byte_vec stream = evp_digest("SHAKE128", seed, 3 * 1024);
  const auto* c = u8p(stream);
  std::vector<int> a;
  std::size_t pos = 0;
  for (; a.size() < 256; pos += 3) {
    const int d1 = c[pos] + 256 * (c[pos + 1] % 16), d2 = c[pos + 1] / 16 + 16 * c[pos + 2];
    if (d1 < q) a.push_back(d1);
    if (d2 < q && a.size() < 256) a.push_back(d2);
  }
  return {a, pos};
}

// The key's rho makes SampleNTT read more than 575 XOF octets (probability ~2^-38). Since rho is in ek,
// Encaps and Decaps on this key exercise it (the key itself came from the draft's G(d), see above).
TEST(MlKemCctv, UnluckySample) {
  const kv_file v("mlkem/cctv-unluckysample-ML-KEM-768.txt");
  const auto ek = v.hex("ek"), dk = v.hex("dk");
  const byte_vec rho(ek.end() - 32, ek.end());
  std::size_t longest = 0;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      poly a;
      sample_ntt(a, u8p(rho), static_cast<std::uint8_t>(j), static_cast<std::uint8_t>(i));
      const auto [want, used] = reference_sample_ntt(rho, j, i);
      EXPECT_EQ(canonical(a), want) << i << "," << j;
      longest = std::max(longest, used);
    }
  }
  EXPECT_GT(longest, 575u);
  // The four-way sampler (A-hat in groups of four, as KeyGen and Encaps take it) on the same seeds,
  // including its extra-block path.
  poly a[9];
  for (int e = 0; e < 9; e += 4) {
    poly* ptr[4];
    std::uint8_t idx[4][2];
    const int count = std::min(4, 9 - e);
    for (int l = 0; l < count; ++l) {
      ptr[l] = &a[e + l];
      idx[l][0] = static_cast<std::uint8_t>((e + l) % 3);
      idx[l][1] = static_cast<std::uint8_t>((e + l) / 3);
    }
    sample_ntt_x4(ptr, u8p(rho), idx, count);
  }
  for (int e = 0; e < 9; ++e) EXPECT_EQ(canonical(a[e]), reference_sample_ntt(rho, e % 3, e / 3).first) << e;
  byte_vec ct(1088), ss(32), ss2(32);
  ASSERT_TRUE(encaps_internal(p768, ek, view(v.hex("m")), ct, ss));
  EXPECT_EQ(ct, v.hex("c"));
  EXPECT_EQ(ss, v.hex("K"));
  ASSERT_TRUE(decaps(p768, dk, ct, ss2));
  EXPECT_EQ(ss2, v.hex("K"));
}

TEST(MlKemCctv, Strcmp) {  // c and c' agree up to a zero octet: only a full comparison rejects
  const kv_file v("mlkem/cctv-strcmp-ML-KEM-768.txt");
  byte_vec ss(32);
  ASSERT_TRUE(decaps(p768, view(v.hex("dk")), view(v.hex("c")), ss));
  EXPECT_EQ(ss, v.hex("K"));
}

TEST(MlKemCctv, ModulusCheckRejectsEveryBadKey) {
  const auto lines = test::gunzip_lines("mlkem/cctv-modulus-ML-KEM-768.txt.gz");
  ASSERT_EQ(lines.size(), 780u);
  const byte_vec m(32, std::byte{0x5a});
  byte_vec ct(1088), ss(32);
  for (const auto& line : lines) {
    const auto ek = unhex(line);
    ASSERT_EQ(ek.size(), 1184u);
    const auto r = encaps_internal(p768, ek, m, ct, ss);
    ASSERT_FALSE(r) << line.substr(0, 32);
    EXPECT_EQ(r.error(), protocol_errc::illegal_parameter);
  }
}

// ---- NIST ACVP ----

TEST(MlKemAcvp, KeyGen) {
  const auto j = tls13::test::load_json("mlkem/acvp-ML-KEM-768-keyGen.json");
  int ran = 0;
  for (const auto& g : j["testGroups"]) {
    ASSERT_EQ(g["parameterSet"], "ML-KEM-768");
    for (const auto& t : g["tests"]) {
      byte_vec ek(1184), dk(2400);
      ASSERT_TRUE(
          keygen_internal(p768, unhex(t["d"].get<std::string>()), unhex(t["z"].get<std::string>()), ek, dk));
      EXPECT_EQ(ek, unhex(t["ek"].get<std::string>())) << "tc " << t["tcId"];
      EXPECT_EQ(dk, unhex(t["dk"].get<std::string>())) << "tc " << t["tcId"];
      ++ran;
    }
  }
  EXPECT_EQ(ran, 25);
}

TEST(MlKemAcvp, EncapDecap) {
  const auto j = tls13::test::load_json("mlkem/acvp-ML-KEM-768-encapDecap.json");
  std::map<std::string, int> ran;
  for (const auto& g : j["testGroups"]) {
    ASSERT_EQ(g["parameterSet"], "ML-KEM-768");
    const std::string fn = g["function"];
    for (const auto& t : g["tests"]) {
      const auto id = t["tcId"].get<int>();
      auto hex = [&](const char* key) { return unhex(t[key].get<std::string>()); };
      byte_vec ct(1088), ss(32);
      if (fn == "encapsulation") {
        ASSERT_TRUE(encaps_internal(p768, hex("ek"), hex("m"), ct, ss)) << id;
        EXPECT_EQ(ct, hex("c")) << id;
        EXPECT_EQ(ss, hex("k")) << id;
      } else if (fn == "decapsulation") {  // includes ciphertexts that must be implicitly rejected
        const auto dk = hex("dk"), c = hex("c");
        ASSERT_TRUE(decaps(p768, dk, c, ss)) << id;
        EXPECT_EQ(ss, hex("k")) << id;
        if (test::rejection_key(dk, c) == hex("k")) ++ran["implicit rejection"];  // J(z || c), libcrypto
      } else if (fn == "encapsulationKeyCheck") {
        const auto r = encaps_internal(p768, hex("ek"), byte_vec(32), ct, ss);
        EXPECT_EQ(static_cast<bool>(r), t["testPassed"].get<bool>()) << id;
        if (!r) {
          EXPECT_EQ(r.error(), protocol_errc::illegal_parameter) << id;
        }
      } else if (fn == "decapsulationKeyCheck") {
        const auto r = decaps(p768, hex("dk"), byte_vec(1088), ss);
        EXPECT_EQ(static_cast<bool>(r), t["testPassed"].get<bool>()) << id;
        if (!r) {
          EXPECT_EQ(r.error(), internal_errc::invalid_argument) << id;
        }
      } else {
        ADD_FAILURE() << "unknown function " << fn;
      }
      ++ran[fn];
    }
  }
  EXPECT_EQ(ran["encapsulation"], 25);
  EXPECT_EQ(ran["decapsulation"], 10);
  EXPECT_GE(ran["implicit rejection"], 1);
  EXPECT_LT(ran["implicit rejection"], 10);
  EXPECT_EQ(ran["encapsulationKeyCheck"], 10);
  EXPECT_EQ(ran["decapsulationKeyCheck"], 10);
}

}  // namespace
}  // namespace tls13::crypto::mlkem
