// Keccak-f[1600] and the FIPS 202 sponges ML-KEM needs (see mlkem_keccak.hpp for why not EVP).
#include "crypto/mlkem_keccak.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace tls13::crypto::mlkem::detail {
namespace {

constexpr std::uint64_t k_round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};

inline std::uint64_t rol(std::uint64_t x, int n) noexcept { return std::rotl(x, n); }

inline std::uint64_t load64_le(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, 8);
  } else {
    for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  }
  return v;
}

inline void store64_le(std::uint8_t* p, std::uint64_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, 8);
  } else {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
  }
}

inline void xor_byte(std::uint64_t* s, std::size_t i, std::uint8_t b) noexcept {
  s[i / 8] ^= static_cast<std::uint64_t>(b) << (8 * (i % 8));
}

inline std::uint8_t get_byte(const std::uint64_t* s, std::size_t i) noexcept {
  return static_cast<std::uint8_t>(s[i / 8] >> (8 * (i % 8)));
}

}  // namespace

// FIPS 202 §3.3: 24 rounds of theta, rho, pi, chi, iota on lanes A[x + 5y]; rho and pi are unrolled
// into one step (B[y + 5((2x + 3y) mod 5)] = rot(A[x + 5y], r[x][y])).
void keccak_f1600(std::uint64_t s[25]) noexcept {
  for (const std::uint64_t rc : k_round_constants) {
    const std::uint64_t c0 = s[0] ^ s[5] ^ s[10] ^ s[15] ^ s[20];
    const std::uint64_t c1 = s[1] ^ s[6] ^ s[11] ^ s[16] ^ s[21];
    const std::uint64_t c2 = s[2] ^ s[7] ^ s[12] ^ s[17] ^ s[22];
    const std::uint64_t c3 = s[3] ^ s[8] ^ s[13] ^ s[18] ^ s[23];
    const std::uint64_t c4 = s[4] ^ s[9] ^ s[14] ^ s[19] ^ s[24];
    const std::uint64_t d0 = c4 ^ rol(c1, 1), d1 = c0 ^ rol(c2, 1), d2 = c1 ^ rol(c3, 1);
    const std::uint64_t d3 = c2 ^ rol(c4, 1), d4 = c3 ^ rol(c0, 1);
    const std::uint64_t b0 = s[0] ^ d0, b10 = rol(s[1] ^ d1, 1), b20 = rol(s[2] ^ d2, 62);
    const std::uint64_t b5 = rol(s[3] ^ d3, 28), b15 = rol(s[4] ^ d4, 27);
    const std::uint64_t b16 = rol(s[5] ^ d0, 36), b1 = rol(s[6] ^ d1, 44), b11 = rol(s[7] ^ d2, 6);
    const std::uint64_t b21 = rol(s[8] ^ d3, 55), b6 = rol(s[9] ^ d4, 20);
    const std::uint64_t b7 = rol(s[10] ^ d0, 3), b17 = rol(s[11] ^ d1, 10), b2 = rol(s[12] ^ d2, 43);
    const std::uint64_t b12 = rol(s[13] ^ d3, 25), b22 = rol(s[14] ^ d4, 39);
    const std::uint64_t b23 = rol(s[15] ^ d0, 41), b8 = rol(s[16] ^ d1, 45), b18 = rol(s[17] ^ d2, 15);
    const std::uint64_t b3 = rol(s[18] ^ d3, 21), b13 = rol(s[19] ^ d4, 8);
    const std::uint64_t b14 = rol(s[20] ^ d0, 18), b24 = rol(s[21] ^ d1, 2), b9 = rol(s[22] ^ d2, 61);
    const std::uint64_t b19 = rol(s[23] ^ d3, 56), b4 = rol(s[24] ^ d4, 14);
    s[0] = b0 ^ (~b1 & b2) ^ rc;
    s[1] = b1 ^ (~b2 & b3);
    s[2] = b2 ^ (~b3 & b4);
    s[3] = b3 ^ (~b4 & b0);
    s[4] = b4 ^ (~b0 & b1);
    s[5] = b5 ^ (~b6 & b7);
    s[6] = b6 ^ (~b7 & b8);
    s[7] = b7 ^ (~b8 & b9);
    s[8] = b8 ^ (~b9 & b5);
    s[9] = b9 ^ (~b5 & b6);
    s[10] = b10 ^ (~b11 & b12);
    s[11] = b11 ^ (~b12 & b13);
    s[12] = b12 ^ (~b13 & b14);
    s[13] = b13 ^ (~b14 & b10);
    s[14] = b14 ^ (~b10 & b11);
    s[15] = b15 ^ (~b16 & b17);
    s[16] = b16 ^ (~b17 & b18);
    s[17] = b17 ^ (~b18 & b19);
    s[18] = b18 ^ (~b19 & b15);
    s[19] = b19 ^ (~b15 & b16);
    s[20] = b20 ^ (~b21 & b22);
    s[21] = b21 ^ (~b22 & b23);
    s[22] = b22 ^ (~b23 & b24);
    s[23] = b23 ^ (~b24 & b20);
    s[24] = b24 ^ (~b20 & b21);
  }
}

keccak_sponge::~keccak_sponge() { OPENSSL_cleanse(s_, sizeof s_); }

void keccak_sponge::absorb(u8_view in) noexcept {
  const std::uint8_t* p = in.data();
  std::size_t n = in.size();
  while (n > 0) {
    if (pos_ == 0 && n >= rate_) {  // a whole block, lane by lane
      for (std::size_t i = 0; i < rate_ / 8; ++i) s_[i] ^= load64_le(p + 8 * i);
      keccak_f1600(s_);
      p += rate_;
      n -= rate_;
      continue;
    }
    const std::size_t take = std::min(n, rate_ - pos_);
    for (std::size_t i = 0; i < take; ++i) xor_byte(s_, pos_ + i, p[i]);
    pos_ += take;
    p += take;
    n -= take;
    if (pos_ == rate_) {
      keccak_f1600(s_);
      pos_ = 0;
    }
  }
}

// FIPS 202 §5.1 pad10*1 after the domain suffix (SHA3: 01, SHAKE: 1111, both with the first pad bit).
void keccak_sponge::finish() noexcept {
  xor_byte(s_, pos_, suffix_);
  xor_byte(s_, rate_ - 1, 0x80);
  keccak_f1600(s_);
  pos_ = 0;
  squeezing_ = true;
}

void keccak_sponge::squeeze(std::uint8_t* out, std::size_t n) noexcept {
  if (!squeezing_) finish();
  while (n > 0) {
    if (pos_ == rate_) {
      keccak_f1600(s_);
      pos_ = 0;
    }
    const std::size_t take = std::min(n, rate_ - pos_);
    for (std::size_t i = 0; i < take; ++i) out[i] = get_byte(s_, pos_ + i);
    pos_ += take;
    out += take;
    n -= take;
  }
}

void keccak_sponge::squeeze_blocks(std::uint8_t* out, std::size_t n_blocks) noexcept {
  if (!squeezing_) finish();
  for (std::size_t b = 0; b < n_blocks; ++b, out += rate_) {
    if (pos_ == rate_) keccak_f1600(s_);
    for (std::size_t i = 0; i < rate_ / 8; ++i) store64_le(out + 8 * i, s_[i]);
    pos_ = rate_;
  }
}

// FIPS 202 §6.1 / §6.2.
void sha3_256(std::uint8_t out[32], u8_view a, u8_view b) noexcept {
  keccak_sponge k(136, 0x06);
  k.absorb(a);
  k.absorb(b);
  k.squeeze(out, 32);
}

void sha3_512(std::uint8_t out[64], u8_view a, u8_view b) noexcept {
  keccak_sponge k(72, 0x06);
  k.absorb(a);
  k.absorb(b);
  k.squeeze(out, 64);
}

void shake256(std::uint8_t* out, std::size_t n, u8_view a, u8_view b) noexcept {
  keccak_sponge k(136, 0x1f);
  k.absorb(a);
  k.absorb(b);
  k.squeeze(out, n);
}

}  // namespace tls13::crypto::mlkem::detail
