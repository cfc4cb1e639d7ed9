// ML-KEM polynomial arithmetic (FIPS 203 §4.2-4.3): reductions, NTT, sampling, encodings.
//
// Coefficients are int16 representatives, not always reduced: each function states the range it takes
// and gives. Products use Montgomery reduction (R = 2^16), sums Barrett reduction; neither branches.
// Everything is constant time in the coefficient values except sample_ntt(_x4), whose rejection sampling
// depends on its (public) seed only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tls13::crypto::mlkem::detail {

constexpr int n = 256;
constexpr std::int16_t q = 3329;
constexpr int max_k = 4;

struct poly {
  std::int16_t c[n];
};

// a * 2^-16 mod q, in (-q, q), for |a| < q * 2^15.
inline std::int16_t montgomery_reduce(std::int32_t a) noexcept {
  constexpr std::int16_t qinv = -3327;  // q^-1 mod 2^16 (checked in mlkem_poly.cpp)
  const auto t = static_cast<std::int16_t>(static_cast<std::int16_t>(a) * qinv);
  return static_cast<std::int16_t>((a - static_cast<std::int32_t>(t) * q) >> 16);
}

// The low and the high 16 bits of a 16 x 16-bit product (what SIMD units call mullo / mulhi).
inline std::int16_t mullo(std::int16_t a, std::int16_t b) noexcept {
  return static_cast<std::int16_t>(static_cast<std::int32_t>(a) * b);
}
inline std::int16_t mulhi(std::int16_t a, std::int16_t b) noexcept {
  return static_cast<std::int16_t>((static_cast<std::int32_t>(a) * b) >> 16);
}

// a * b * 2^-16 mod q, in (-q, q), for |a * b| < q * 2^15: montgomery_reduce(a * b) in 16-bit lanes
// (a*b and t*q agree in their low halves, so their difference is the difference of the high halves).
// Written so that compilers vectorize the loops that use it (SSE2 pmullw / pmulhw at -O2).
inline std::int16_t fqmul(std::int16_t a, std::int16_t b) noexcept {
  constexpr std::int16_t qinv = -3327;
  const std::int16_t t = mullo(mullo(a, b), qinv);
  return static_cast<std::int16_t>(mulhi(a, b) - mulhi(t, q));
}

// The representative of a mod q in [-(q-1)/2, (q-1)/2], for any int16 a. t = round(a v / 2^26) =
// floor((floor(a v / 2^16) + 2^9) / 2^10), so 16-bit operations suffice (pmulhw where it vectorizes).
inline std::int16_t barrett_reduce(std::int16_t a) noexcept {
  constexpr std::int16_t v = ((1 << 26) + q / 2) / q;
  const auto t = static_cast<std::int16_t>((mulhi(a, v) + (1 << 9)) >> 10);
  return static_cast<std::int16_t>(a - mullo(t, q));
}

// a mod q in [0, q), for any int16 a.
inline std::uint16_t to_canonical(std::int16_t a) noexcept {
  std::int16_t r = barrett_reduce(a);
  r = static_cast<std::int16_t>(r + ((r >> 15) & q));
  return static_cast<std::uint16_t>(r);
}

// FIPS 203 (4.7) Compress_d(x) = round(2^d x / q) mod 2^d for x in [0, q), 1 <= d <= 11. The division
// by q is a multiplication and a shift, exact for every input (tested exhaustively): no div instruction,
// whose time may depend on its operands.
// For d <= 4 the numerator fits 16 bits and a 16 x 16 -> 32-bit product does (pmulhuw: floor(N / q) =
// N ceil(2^27 / q) / 2^27 for N < 2^16); otherwise 32 x 32 -> 64 bits (pmuludq). Both vectorize.
inline std::uint16_t compress(std::uint16_t x, int d) noexcept {
  if (d <= 4) {
    constexpr std::uint32_t magic16 = ((1u << 27) + q - 1) / q;     // 40318
    const auto num = static_cast<std::uint16_t>((x << d) + q / 2);  // < 2^16
    return static_cast<std::uint16_t>((static_cast<std::uint32_t>(num) * magic16 >> 27) & ((1u << d) - 1));
  }
  constexpr std::uint32_t magic = ((std::uint64_t{1} << 35) + q - 1) / q;  // ceil(2^35 / q) < 2^24
  const std::uint32_t num = (static_cast<std::uint32_t>(x) << d) + q / 2;  // < 2^23
  return static_cast<std::uint16_t>((static_cast<std::uint64_t>(num) * magic >> 35) & ((1u << d) - 1));
}

// FIPS 203 (4.8) Decompress_d(y) = round(q y / 2^d), ties up, for y in [0, 2^d).
inline std::uint16_t decompress(std::uint16_t y, int d) noexcept {
  return static_cast<std::uint16_t>((static_cast<std::uint32_t>(y) * q + (1u << (d - 1))) >> d);
}

// Alg. 9 NTT in place. Input |c| < q; output Barrett-reduced (|c| <= (q-1)/2).
void ntt(poly& f) noexcept;
// Alg. 10 NTT^-1 in place, times 2^16: undoes the 2^-16 that basemul_acc leaves. Input |c| < q, output
// |c| < q.
void invntt(poly& f) noexcept;
// sum_{i<k} (a[i] x_Tq b[i]) * 2^-16 (Alg. 11/12 with gamma = zeta^(2 BitRev7(i) + 1)), k <= 4, all input
// coefficients |c| < q; output |c| < q.
void basemul_acc(poly& r, const poly* a, const poly* b, int k) noexcept;
// f * 2^16 (cancels basemul_acc's 2^-16 without an inverse NTT). Output |c| < q.
void tomont(poly& f) noexcept;
void reduce(poly& f) noexcept;              // Barrett: any input, output |c| <= (q-1)/2
void add(poly& r, const poly& a) noexcept;  // r += a, no reduction
void sub(poly& r, const poly& a) noexcept;  // r -= a, no reduction

// Alg. 7 SampleNTT(rho || b33 || b34) from SHAKE128. Output in [0, q).
void sample_ntt(poly& a, const std::uint8_t rho[32], std::uint8_t b33, std::uint8_t b34) noexcept;
// Alg. 8 SamplePolyCBD_2(PRF_2(sigma, nonce)) (eta = 2 for both ML-KEM-768 and ML-KEM-1024). Output in
// [-2, 2].
void sample_cbd2(poly& f, const std::uint8_t sigma[32], std::uint8_t nonce) noexcept;

// Up to four of the above at once (count 1..4) on the four-way Keccak (mlkem_keccak.hpp), the same
// results: *a[l] = SampleNTT(rho || idx[l][0] || idx[l][1]), *f[l] = SamplePolyCBD_2(PRF_2(sigma,
// nonce + l)).
void sample_ntt_x4(poly* const a[], const std::uint8_t rho[32], const std::uint8_t idx[][2],
                   int count) noexcept;
void sample_cbd2_x4(poly* const f[], const std::uint8_t sigma[32], std::uint8_t nonce, int count) noexcept;

// ByteEncode_12 of the canonical representatives: 384 octets.
void encode12(std::uint8_t* out, const poly& f) noexcept;
// ByteDecode_12 without the reduction: false when a 12-bit value is >= q (the §7.2 modulus check; for
// public input only, as it returns early). Output in [0, q) when true.
bool decode12_checked(poly& f, const std::uint8_t* in) noexcept;
// ByteDecode_12 as the standard defines it (each value mod q), constant time. Output in [0, q).
void decode12_reduced(poly& f, const std::uint8_t* in) noexcept;
// ByteEncode_d(Compress_d(f)): 32 d octets. Any int16 input.
void compress_encode(std::uint8_t* out, const poly& f, int d) noexcept;
// Decompress_d(ByteDecode_d(in)), from 32 d octets. Output in [0, q).
void decode_decompress(poly& f, const std::uint8_t* in, int d) noexcept;
// Decompress_1(ByteDecode_1(m)) from 32 octets. Output in {0, (q+1)/2}.
void from_msg(poly& f, const std::uint8_t m[32]) noexcept;
// ByteEncode_1(Compress_1(f)) into 32 octets. Any int16 input.
void to_msg(std::uint8_t m[32], const poly& f) noexcept;

}  // namespace tls13::crypto::mlkem::detail
