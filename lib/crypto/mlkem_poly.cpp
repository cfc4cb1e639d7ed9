// ML-KEM polynomial arithmetic: see mlkem_poly.hpp.
#include "crypto/mlkem_poly.hpp"

#include <openssl/crypto.h>

#include <array>
#include <cstring>

#include "crypto/mlkem_keccak.hpp"

namespace tls13::crypto::mlkem::detail {
namespace {

// ---- constants, computed at compile time and checked against FIPS 203 ----

constexpr int brv7(int i) {
  int r = 0;
  for (int b = 0; b < 7; ++b) r |= ((i >> b) & 1) << (6 - b);
  return r;
}

constexpr int pow_mod(int base, int e) {
  long long r = 1, b = base % q;
  for (; e > 0; e >>= 1, b = b * b % q)
    if (e & 1) r = r * b % q;
  return static_cast<int>(r);
}

// x * 2^16 mod q as a centered int16 (the Montgomery form fqmul expects).
constexpr std::int16_t mont_centered(int x) {
  int v = static_cast<int>((static_cast<long long>(x) << 16) % q);
  if (v > q / 2) v -= q;
  return static_cast<std::int16_t>(v);
}

// FIPS 203 Appendix A: zeta^BitRev7(i) mod q, i = 0..127 (zeta = 17).
constexpr std::array<std::int16_t, 128> k_spec_zetas = {
    1,    1729, 2580, 3289, 2642, 630,  1897, 848,  1062, 1919, 193,  797,  2786, 3260, 569,  1746,
    296,  2447, 1339, 1476, 3046, 56,   2240, 1333, 1426, 2094, 535,  2882, 2393, 2879, 1974, 821,
    289,  331,  3253, 1756, 1197, 2304, 2277, 2055, 650,  1977, 2513, 632,  2865, 33,   1320, 1915,
    2319, 1435, 807,  452,  1438, 2868, 1534, 2402, 2647, 2617, 1481, 648,  2474, 3110, 1227, 910,
    17,   2761, 583,  2649, 1637, 723,  2288, 1100, 1409, 2662, 3281, 233,  756,  2156, 3015, 3050,
    1703, 1651, 2789, 1789, 1847, 952,  1461, 2687, 939,  2308, 2437, 2388, 733,  2337, 268,  641,
    1584, 2298, 2037, 3220, 375,  2549, 2090, 1645, 1063, 319,  2773, 757,  2099, 561,  2466, 2594,
    2804, 1092, 403,  1026, 1143, 2150, 2775, 886,  1722, 1212, 1874, 1029, 2110, 2935, 885,  2154};

constexpr bool spec_zetas_match() {
  for (int i = 0; i < 128; ++i)
    if (k_spec_zetas[i] != pow_mod(17, brv7(i))) return false;
  return true;
}
static_assert(spec_zetas_match(), "FIPS 203 Appendix A table != 17^BitRev7(i) mod q");
static_assert(static_cast<std::int16_t>(q * -3327) == 1, "qinv in montgomery_reduce is not q^-1 mod 2^16");

constexpr std::array<std::int16_t, 128> make_zetas() {
  std::array<std::int16_t, 128> z{};
  for (int i = 0; i < 128; ++i) z[i] = mont_centered(k_spec_zetas[i]);
  return z;
}

// gamma_i = zeta^(2 BitRev7(i) + 1) mod q (FIPS 203 Appendix A, second table: 17, -17, 2761, -2761, ...).
constexpr std::array<std::int16_t, 128> make_gammas() {
  std::array<std::int16_t, 128> g{};
  for (int i = 0; i < 128; ++i) g[i] = mont_centered(pow_mod(17, 2 * brv7(i) + 1));
  return g;
}
static_assert(pow_mod(17, 2 * brv7(0) + 1) == 17 && pow_mod(17, 2 * brv7(1) + 1) == q - 17 &&
                  pow_mod(17, 2 * brv7(2) + 1) == 2761 && pow_mod(17, 2 * brv7(127) + 1) == q - 2154,
              "gamma table differs from FIPS 203 Appendix A");

constexpr auto k_zetas = make_zetas();
constexpr auto k_gammas = make_gammas();
// 128^-1 * 2^32 mod q: NTT^-1's final scaling by 3303 = 128^-1, times 2^16 to cancel basemul's 2^-16,
// times 2^16 for fqmul's own 2^-16.
constexpr std::int16_t k_invntt_scale = mont_centered(pow_mod(128, q - 2) * ((1 << 16) % q) % q);
constexpr std::int16_t k_mont_squared = mont_centered((1 << 16) % q);  // 2^32 mod q: tomont's factor
static_assert(pow_mod(128, q - 2) == 3303, "128^-1 mod q");

// Packs 256 values of D bits (ByteEncode_D: value i's bit j is bit i*D + j, little-endian within octets),
// 8 values (D octets) at a time: with D and the group known at compile time, the shifts are constants.
template <int D, class Value>
void pack(std::uint8_t* out, Value value) noexcept {
  for (int i = 0; i < n; i += 8) {
    std::uint32_t acc = 0;
    int bits = 0;
    for (int m = 0; m < 8; ++m) {
      acc |= static_cast<std::uint32_t>(value(i + m)) << bits;
      for (bits += D; bits >= 8; bits -= 8, acc >>= 8) *out++ = static_cast<std::uint8_t>(acc);
    }
  }
}

// The inverse of pack (ByteDecode_D before any reduction): calls store(i, value).
template <int D, class Store>
void unpack(const std::uint8_t* in, Store store) noexcept {
  constexpr std::uint32_t mask = (1u << D) - 1;
  for (int i = 0; i < n; i += 8) {
    std::uint32_t acc = 0;
    int bits = 0;
    for (int m = 0; m < 8; ++m) {
      for (; bits < D; bits += 8) acc |= static_cast<std::uint32_t>(*in++) << bits;
      store(i + m, static_cast<std::uint16_t>(acc & mask));
      acc >>= D;
      bits -= D;
    }
  }
}

// pack / unpack for the d of a parameter set (du: 10, 11; dv: 4, 5).
template <class Value>
void pack_d(std::uint8_t* out, int d, Value value) noexcept {
  switch (d) {
    case 4:
      return pack<4>(out, value);
    case 5:
      return pack<5>(out, value);
    case 10:
      return pack<10>(out, value);
    default:
      return pack<11>(out, value);
  }
}

template <class Store>
void unpack_d(const std::uint8_t* in, int d, Store store) noexcept {
  switch (d) {
    case 4:
      return unpack<4>(in, store);
    case 5:
      return unpack<5>(in, store);
    case 10:
      return unpack<10>(in, store);
    default:
      return unpack<11>(in, store);
  }
}

// One layer of Alg. 9 / Alg. 10 with its length known at compile time, so that the inner loops have a
// constant trip count and vectorize. "unroll 1": GCC would otherwise peel the 8- and 16-iteration loops
// completely before vectorizing and leave them scalar (~10x slower).
template <int len>
void ntt_layer(poly& f, int& i) noexcept {
  for (int start = 0; start < n; start += 2 * len) {
    const std::int16_t zeta = k_zetas[i++];
#pragma GCC unroll 1
    for (int j = start; j < start + len; ++j) {
      const std::int16_t t = fqmul(zeta, f.c[j + len]);
      f.c[j + len] = static_cast<std::int16_t>(f.c[j] - t);
      f.c[j] = static_cast<std::int16_t>(f.c[j] + t);
    }
  }
}

template <int len>
void invntt_layer(poly& f, int& i) noexcept {
  for (int start = 0; start < n; start += 2 * len) {
    const std::int16_t zeta = k_zetas[i--];
#pragma GCC unroll 1
    for (int j = start; j < start + len; ++j) {
      const std::int16_t t = f.c[j];
      f.c[j] = barrett_reduce(static_cast<std::int16_t>(t + f.c[j + len]));
      f.c[j + len] = fqmul(zeta, static_cast<std::int16_t>(f.c[j + len] - t));
    }
  }
}

// The layers with len = 4 and 2, whose runs are too short for a vector: the first and the second halves
// of every 2len-coefficient chunk are copied apart into x and y (len coefficients = 8 or 4 octets at a
// time), the butterflies run over 128 lanes with a zeta per lane, and the halves go back. The same
// arithmetic, in another order.
template <int len>
constexpr std::array<std::int16_t, 128> zetas_per_lane(int first, int step) {
  std::array<std::int16_t, 128> z{};
  for (int l = 0; l < 128; ++l) z[l] = make_zetas()[first + step * (l / len)];
  return z;
}
constexpr auto k_ntt_zetas_len4 = zetas_per_lane<4>(32, 1);       // zeta_32 .. zeta_63
constexpr auto k_ntt_zetas_len2 = zetas_per_lane<2>(64, 1);       // zeta_64 .. zeta_127
constexpr auto k_invntt_zetas_len2 = zetas_per_lane<2>(127, -1);  // zeta_127 .. zeta_64
constexpr auto k_invntt_zetas_len4 = zetas_per_lane<4>(63, -1);   // zeta_63 .. zeta_32

template <int len>
void split_halves(const poly& f, std::int16_t x[128], std::int16_t y[128]) noexcept {
  for (int g = 0; g < 128 / len; ++g) {
    std::memcpy(&x[len * g], &f.c[2 * len * g], sizeof(std::int16_t) * len);
    std::memcpy(&y[len * g], &f.c[2 * len * g + len], sizeof(std::int16_t) * len);
  }
}

template <int len>
void join_halves(poly& f, const std::int16_t x[128], const std::int16_t y[128]) noexcept {
  for (int g = 0; g < 128 / len; ++g) {
    std::memcpy(&f.c[2 * len * g], &x[len * g], sizeof(std::int16_t) * len);
    std::memcpy(&f.c[2 * len * g + len], &y[len * g], sizeof(std::int16_t) * len);
  }
}

template <int len>
void ntt_layer_short(poly& f, const std::array<std::int16_t, 128>& zeta) noexcept {
  std::int16_t x[128], y[128];
  split_halves<len>(f, x, y);
  for (int l = 0; l < 128; ++l) {
    const std::int16_t t = fqmul(zeta[l], y[l]);
    y[l] = static_cast<std::int16_t>(x[l] - t);
    x[l] = static_cast<std::int16_t>(x[l] + t);
  }
  join_halves<len>(f, x, y);
}

template <int len>
void invntt_layer_short(poly& f, const std::array<std::int16_t, 128>& zeta) noexcept {
  std::int16_t x[128], y[128];
  split_halves<len>(f, x, y);
  for (int l = 0; l < 128; ++l) {
    const std::int16_t t = x[l];
    x[l] = barrett_reduce(static_cast<std::int16_t>(t + y[l]));
    y[l] = fqmul(zeta[l], static_cast<std::int16_t>(y[l] - t));
  }
  join_halves<len>(f, x, y);
}

}  // namespace

void ntt(poly& f) noexcept {
  // Each layer grows |c| by < q: 7 layers from |c| < q stay below 8q < 2^15.
  int i = 1;
  ntt_layer<128>(f, i);
  ntt_layer<64>(f, i);
  ntt_layer<32>(f, i);
  ntt_layer<16>(f, i);
  ntt_layer<8>(f, i);
  ntt_layer_short<4>(f, k_ntt_zetas_len4);
  ntt_layer_short<2>(f, k_ntt_zetas_len2);
  for (auto& c : f.c) c = barrett_reduce(c);
}

void invntt(poly& f) noexcept {
  // f[j] is Barrett-reduced in every layer and f[j + len] leaves fqmul with |c| < q: no growth.
  int i = 31;  // after the two short layers (zeta_127 .. zeta_32)
  invntt_layer_short<2>(f, k_invntt_zetas_len2);
  invntt_layer_short<4>(f, k_invntt_zetas_len4);
  invntt_layer<8>(f, i);
  invntt_layer<16>(f, i);
  invntt_layer<32>(f, i);
  invntt_layer<64>(f, i);
  invntt_layer<128>(f, i);
  for (auto& c : f.c) c = fqmul(c, k_invntt_scale);
}

namespace {
// Alg. 12 on pair i: (a0 + a1 X)(b0 + b1 X) mod (X^2 - gamma_i), summed over l in 32 bits and reduced
// once: |sum| < k * 2 q^2 <= 8 q^2 < q * 2^15, the range montgomery_reduce takes. With k known at compile
// time the sum over l stays in registers (nothing secret left in memory) and the loop over i vectorizes.
template <int K>
void basemul_acc_k(poly& r, const poly* a, const poly* b) noexcept {
  for (int i = 0; i < n / 2; ++i) {
    std::int32_t even = 0, odd = 0;
    for (int l = 0; l < K; ++l) {
      const std::int32_t x0 = a[l].c[2 * i], x1 = a[l].c[2 * i + 1];
      const std::int32_t y0 = b[l].c[2 * i], y1 = b[l].c[2 * i + 1];
      const std::int32_t y1_gamma = fqmul(b[l].c[2 * i + 1], k_gammas[i]);
      even += x0 * y0 + x1 * y1_gamma;
      odd += x0 * y1 + x1 * y0;
    }
    r.c[2 * i] = montgomery_reduce(even);
    r.c[2 * i + 1] = montgomery_reduce(odd);
  }
}
}  // namespace

void basemul_acc(poly& r, const poly* a, const poly* b, int k) noexcept {
  switch (k) {
    case 1:
      return basemul_acc_k<1>(r, a, b);
    case 2:
      return basemul_acc_k<2>(r, a, b);
    case 3:
      return basemul_acc_k<3>(r, a, b);
    default:
      return basemul_acc_k<4>(r, a, b);
  }
}

void tomont(poly& f) noexcept {
  for (auto& c : f.c) c = fqmul(c, k_mont_squared);
}

void reduce(poly& f) noexcept {
  for (auto& c : f.c) c = barrett_reduce(c);
}

void add(poly& r, const poly& a) noexcept {
  for (int i = 0; i < n; ++i) r.c[i] = static_cast<std::int16_t>(r.c[i] + a.c[i]);
}

void sub(poly& r, const poly& a) noexcept {
  for (int i = 0; i < n; ++i) r.c[i] = static_cast<std::int16_t>(r.c[i] - a.c[i]);
}

namespace {

// Alg. 7 lines 5-15 on the next len octets of the XOF (len a multiple of 12): two 12-bit candidates per 3
// octets, kept when < q, until out holds n. 12 octets (8 candidates) are read as two little-endian words;
// every candidate is stored at out[j] and kept only by advancing j, so the one serial step is j's
// addition. out has n + 8 entries for the stores past the end; values accepted beyond n are dropped.
// Returns the new count.
unsigned rej_uniform(std::int16_t out[n + 8], unsigned j, const std::uint8_t* buf, std::size_t len) noexcept {
  for (std::size_t pos = 0; j < n && pos < len; pos += 12) {
    std::uint64_t w0 = 0;
    std::uint32_t w1 = 0;
    for (int b = 7; b >= 0; --b) w0 = w0 << 8 | buf[pos + b];
    for (int b = 3; b >= 0; --b) w1 = w1 << 8 | buf[pos + 8 + b];
    std::uint16_t d[8];  // candidate m: bits 12m .. 12m + 11 of the 96
    for (int m = 0; m < 5; ++m) d[m] = static_cast<std::uint16_t>((w0 >> (12 * m)) & 0xfff);
    d[5] = static_cast<std::uint16_t>((w0 >> 60 | static_cast<std::uint64_t>(w1) << 4) & 0xfff);
    d[6] = static_cast<std::uint16_t>((w1 >> 8) & 0xfff);
    d[7] = static_cast<std::uint16_t>((w1 >> 20) & 0xfff);
    for (int m = 0; m < 8; ++m) {
      out[j] = static_cast<std::int16_t>(d[m]);
      j += d[m] < q;
    }
  }
  return j < n ? j : n;
}

// Three blocks give the 256 coefficients ~99% of the time (~472 octets on average); then one more block
// at a time, as long as it takes (App. B: no bound needed). Both lengths are multiples of 12.
constexpr std::size_t sample_ntt_blocks = 3;
static_assert(shake128_rate % 12 == 0, "rej_uniform reads 12 octets at a time");

// Alg. 8 on the 128 octets of PRF_2(sigma, N): coefficient i is (b[4i] + b[4i+1]) - (b[4i+2] + b[4i+3]).
// Per 32-bit word, the bit pairs are added in parallel, then 8 coefficients read.
void cbd2(poly& f, const std::uint8_t buf[128]) noexcept {
  for (int w = 0; w < 32; ++w) {
    const std::uint32_t v =
        static_cast<std::uint32_t>(buf[4 * w]) | static_cast<std::uint32_t>(buf[4 * w + 1]) << 8 |
        static_cast<std::uint32_t>(buf[4 * w + 2]) << 16 | static_cast<std::uint32_t>(buf[4 * w + 3]) << 24;
    const std::uint32_t t = (v & 0x55555555u) + ((v >> 1) & 0x55555555u);
    for (int m = 0; m < 8; ++m) {
      const auto x = static_cast<std::int16_t>((t >> (4 * m)) & 3);
      const auto y = static_cast<std::int16_t>((t >> (4 * m + 2)) & 3);
      f.c[8 * w + m] = static_cast<std::int16_t>(x - y);
    }
  }
}

}  // namespace

void sample_ntt(poly& a, const std::uint8_t rho[32], std::uint8_t b33, std::uint8_t b34) noexcept {
  std::uint8_t seed[34];
  for (int i = 0; i < 32; ++i) seed[i] = rho[i];
  seed[32] = b33;
  seed[33] = b34;
  keccak_sponge xof(shake128_rate, 0x1f);
  xof.absorb(seed);
  std::uint8_t buf[sample_ntt_blocks * shake128_rate];
  xof.squeeze_blocks(buf, sample_ntt_blocks);
  std::int16_t out[n + 8];
  unsigned j = rej_uniform(out, 0, buf, sizeof buf);
  while (j < n) {
    xof.squeeze_blocks(buf, 1);
    j = rej_uniform(out, j, buf, shake128_rate);
  }
  std::memcpy(a.c, out, sizeof a.c);
}

void sample_ntt_x4(poly* const a[], const std::uint8_t rho[32], const std::uint8_t idx[][2],
                   int count) noexcept {
  if (count == 1 || !keccak_x4_is_parallel()) {  // nothing to gain from the four-way permutation
    for (int l = 0; l < count; ++l) sample_ntt(*a[l], rho, idx[l][0], idx[l][1]);
    return;
  }
  std::uint8_t seeds[4][34];
  const std::uint8_t* in[4];
  for (int l = 0; l < 4; ++l) {  // lanes past count repeat lane 0; their output is dropped
    const int from = l < count ? l : 0;
    std::memcpy(seeds[l], rho, 32);
    seeds[l][32] = idx[from][0];
    seeds[l][33] = idx[from][1];
    in[l] = seeds[l];
  }
  keccak_sponge_x4 xof(shake128_rate, 0x1f, in, 34);
  std::uint8_t buf[4][sample_ntt_blocks * shake128_rate];
  std::uint8_t* const outs[4] = {buf[0], buf[1], buf[2], buf[3]};
  xof.squeeze_blocks(outs, sample_ntt_blocks);
  std::int16_t out[4][n + 8];
  unsigned j[4] = {};
  bool more = false;
  for (int l = 0; l < count; ++l) {
    j[l] = rej_uniform(out[l], 0, buf[l], sizeof buf[l]);
    more = more || j[l] < n;
  }
  while (more) {  // rare: one more block for all four, used by the lanes that need it
    xof.squeeze_blocks(outs, 1);
    more = false;
    for (int l = 0; l < count; ++l) {
      j[l] = rej_uniform(out[l], j[l], buf[l], shake128_rate);
      more = more || j[l] < n;
    }
  }
  for (int l = 0; l < count; ++l) std::memcpy(a[l]->c, out[l], sizeof a[l]->c);
}

void sample_cbd2(poly& f, const std::uint8_t sigma[32], std::uint8_t nonce) noexcept {
  std::uint8_t buf[64 * 2];  // PRF_2(sigma, N) = SHAKE256(sigma || N, 8 * 64 * 2)
  shake256(buf, sizeof buf, u8_view(sigma, 32), u8_view(&nonce, 1));
  cbd2(f, buf);
  OPENSSL_cleanse(buf, sizeof buf);
}

void sample_cbd2_x4(poly* const f[], const std::uint8_t sigma[32], std::uint8_t nonce, int count) noexcept {
  if (count == 1 || !keccak_x4_is_parallel()) {
    for (int l = 0; l < count; ++l) sample_cbd2(*f[l], sigma, static_cast<std::uint8_t>(nonce + l));
    return;
  }
  struct work {
    std::uint8_t in[4][33];
    std::uint8_t buf[4][shake256_rate];  // one block: the 128 octets of PRF_2
  } w;
  const std::uint8_t* in[4];
  std::uint8_t* const outs[4] = {w.buf[0], w.buf[1], w.buf[2], w.buf[3]};
  for (int l = 0; l < 4; ++l) {  // lanes past count repeat lane 0; their output is dropped
    std::memcpy(w.in[l], sigma, 32);
    w.in[l][32] = static_cast<std::uint8_t>(nonce + (l < count ? l : 0));
    in[l] = w.in[l];
  }
  {
    keccak_sponge_x4 prf(shake256_rate, 0x1f, in, 33);
    prf.squeeze_blocks(outs, 1);
  }
  for (int l = 0; l < count; ++l) cbd2(*f[l], w.buf[l]);
  OPENSSL_cleanse(&w, sizeof w);
}

void encode12(std::uint8_t* out, const poly& f) noexcept {
  std::uint16_t v[n];  // reduced in a loop of its own, which vectorizes
  for (int i = 0; i < n; ++i) v[i] = to_canonical(f.c[i]);
  pack<12>(out, [&](int i) { return v[i]; });
  OPENSSL_cleanse(v, sizeof v);
}

bool decode12_checked(poly& f, const std::uint8_t* in) noexcept {
  std::uint16_t max = 0;
  unpack<12>(in, [&](int i, std::uint16_t v) {
    f.c[i] = static_cast<std::int16_t>(v);
    max = v > max ? v : max;
  });
  return max < q;
}

void decode12_reduced(poly& f, const std::uint8_t* in) noexcept {
  unpack<12>(in, [&](int i, std::uint16_t v) { f.c[i] = static_cast<std::int16_t>(v); });
  for (auto& c : f.c) {  // c < 2^12 < 2q: one conditional subtraction, as a mask (a loop that vectorizes)
    const auto r = static_cast<std::int16_t>(c - q);
    c = static_cast<std::int16_t>(r + ((r >> 15) & q));
  }
}

namespace {
// ByteEncode_D(Compress_D(f)): compressed in a loop of its own, which vectorizes, then packed.
template <int D>
void compress_encode_d(std::uint8_t* out, const poly& f) noexcept {
  std::uint16_t v[n];
  for (int i = 0; i < n; ++i) v[i] = compress(to_canonical(f.c[i]), D);
  pack<D>(out, [&](int i) { return v[i]; });
  OPENSSL_cleanse(v, sizeof v);
}
}  // namespace

void compress_encode(std::uint8_t* out, const poly& f, int d) noexcept {
  switch (d) {
    case 4:
      return compress_encode_d<4>(out, f);
    case 5:
      return compress_encode_d<5>(out, f);
    case 10:
      return compress_encode_d<10>(out, f);
    default:
      return compress_encode_d<11>(out, f);
  }
}

void decode_decompress(poly& f, const std::uint8_t* in, int d) noexcept {
  unpack_d(in, d, [&](int i, std::uint16_t v) { f.c[i] = static_cast<std::int16_t>(decompress(v, d)); });
}

void from_msg(poly& f, const std::uint8_t m[32]) noexcept {
  constexpr std::int16_t half = (q + 1) / 2;  // Decompress_1(1)
  for (int i = 0; i < n; ++i) {
    const auto bit = static_cast<std::int16_t>((m[i / 8] >> (i % 8)) & 1);
    f.c[i] = static_cast<std::int16_t>(-bit & half);
  }
}

void to_msg(std::uint8_t m[32], const poly& f) noexcept { compress_encode_d<1>(m, f); }

}  // namespace tls13::crypto::mlkem::detail
