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
// constant trip count and vectorize.
template <int len>
void ntt_layer(poly& f, int& i) noexcept {
  for (int start = 0; start < n; start += 2 * len) {
    const std::int16_t zeta = k_zetas[i++];
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
    for (int j = start; j < start + len; ++j) {
      const std::int16_t t = f.c[j];
      f.c[j] = barrett_reduce(static_cast<std::int16_t>(t + f.c[j + len]));
      f.c[j + len] = fqmul(zeta, static_cast<std::int16_t>(f.c[j + len] - t));
    }
  }
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
  ntt_layer<4>(f, i);
  ntt_layer<2>(f, i);
  for (auto& c : f.c) c = barrett_reduce(c);
}

void invntt(poly& f) noexcept {
  // f[j] is Barrett-reduced in every layer and f[j + len] leaves fqmul with |c| < q: no growth.
  int i = 127;
  invntt_layer<2>(f, i);
  invntt_layer<4>(f, i);
  invntt_layer<8>(f, i);
  invntt_layer<16>(f, i);
  invntt_layer<32>(f, i);
  invntt_layer<64>(f, i);
  invntt_layer<128>(f, i);
  for (auto& c : f.c) c = fqmul(c, k_invntt_scale);
}

void basemul_acc(poly& r, const poly* a, const poly* b, int k) noexcept {
  // Alg. 12 on pair i: (a0 + a1 X)(b0 + b1 X) mod (X^2 - gamma_i), summed over l in 32 bits and reduced
  // once: |sum| < k * 2 q^2 <= 8 q^2 < q * 2^15, the range montgomery_reduce takes. The loops over i
  // vectorize.
  std::int32_t even[n / 2] = {}, odd[n / 2] = {};
  for (int l = 0; l < k; ++l) {
    const std::int16_t* x = a[l].c;
    const std::int16_t* y = b[l].c;
    for (int i = 0; i < n / 2; ++i) {
      const std::int32_t y1_gamma = fqmul(y[2 * i + 1], k_gammas[i]);
      even[i] +=
          static_cast<std::int32_t>(x[2 * i]) * y[2 * i] + static_cast<std::int32_t>(x[2 * i + 1]) * y1_gamma;
      odd[i] += static_cast<std::int32_t>(x[2 * i]) * y[2 * i + 1] +
                static_cast<std::int32_t>(x[2 * i + 1]) * y[2 * i];
    }
  }
  for (int i = 0; i < n / 2; ++i) {
    r.c[2 * i] = montgomery_reduce(even[i]);
    r.c[2 * i + 1] = montgomery_reduce(odd[i]);
  }
  OPENSSL_cleanse(even, sizeof even);
  OPENSSL_cleanse(odd, sizeof odd);
}

void tomont(poly& f) noexcept {
  for (auto& c : f.c) c = fqmul(c, k_mont_squared);
}

void add(poly& r, const poly& a) noexcept {
  for (int i = 0; i < n; ++i) r.c[i] = static_cast<std::int16_t>(r.c[i] + a.c[i]);
}

void sub(poly& r, const poly& a) noexcept {
  for (int i = 0; i < n; ++i) r.c[i] = static_cast<std::int16_t>(r.c[i] - a.c[i]);
}

void sample_ntt(poly& a, const std::uint8_t rho[32], std::uint8_t b33, std::uint8_t b34) noexcept {
  std::uint8_t seed[34];
  for (int i = 0; i < 32; ++i) seed[i] = rho[i];
  seed[32] = b33;
  seed[33] = b34;
  keccak_sponge xof(shake128_rate, 0x1f);
  xof.absorb(seed);
  // Three blocks give the 256 coefficients ~99% of the time (~472 octets on average); then one more
  // block at a time, as long as it takes (App. B: no bound needed). Both lengths are multiples of 3.
  std::uint8_t buf[3 * shake128_rate];
  xof.squeeze_blocks(buf, 3);
  std::size_t len = sizeof buf, pos = 0;
  // Every candidate is stored and kept only by advancing j (fewer mispredicted branches); out[n] takes
  // the stores past the end.
  std::int16_t out[n + 1];
  unsigned j = 0;
  while (j < n) {
    if (pos == len) {
      xof.squeeze_blocks(buf, 1);
      len = shake128_rate;
      pos = 0;
    }
    const auto d1 = static_cast<std::uint16_t>(buf[pos] | (buf[pos + 1] & 0x0f) << 8);
    const auto d2 = static_cast<std::uint16_t>(buf[pos + 1] >> 4 | buf[pos + 2] << 4);
    pos += 3;
    out[j] = static_cast<std::int16_t>(d1);
    j += d1 < q;
    out[j] = static_cast<std::int16_t>(d2);
    j += (d2 < q) & (j < n);
  }
  std::memcpy(a.c, out, sizeof a.c);
}

void sample_cbd2(poly& f, const std::uint8_t sigma[32], std::uint8_t nonce) noexcept {
  std::uint8_t buf[64 * 2];  // PRF_2(sigma, N) = SHAKE256(sigma || N, 8 * 64 * 2)
  shake256(buf, sizeof buf, u8_view(sigma, 32), u8_view(&nonce, 1));
  // Coefficient i is (b[4i] + b[4i+1]) - (b[4i+2] + b[4i+3]): per 32-bit word, add the bit pairs
  // in parallel, then read 8 coefficients.
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
  OPENSSL_cleanse(buf, sizeof buf);
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

void compress_encode(std::uint8_t* out, const poly& f, int d) noexcept {
  pack_d(out, d, [&](int i) { return compress(to_canonical(f.c[i]), d); });
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

void to_msg(std::uint8_t m[32], const poly& f) noexcept {
  pack<1>(m, [&](int i) { return compress(to_canonical(f.c[i]), 1); });
}

}  // namespace tls13::crypto::mlkem::detail
