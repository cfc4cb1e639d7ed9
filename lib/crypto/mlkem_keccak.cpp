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

// FIPS 202 §3.3, one round (theta, rho, pi, chi, iota) on lanes A[x + 5y], for T = std::uint64_t (one
// state) or a vector of four (four states). rho and pi are merged: B[y + 5((2x + 3y) mod 5)] =
// rot(A'[x + 5y], r[x][y]). Every output is computed before any is stored, so out may be in. Written with
// a macro rather than a function for the rotation so that no SIMD vector is passed by value outside a
// function compiled for it (GCC's -Wpsabi).
#define TLS13_KECCAK_ROL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))
template <class T>
[[gnu::always_inline]] inline void keccak_round(const T* s, T* o, std::uint64_t rc) noexcept {
  const T c0 = s[0] ^ s[5] ^ s[10] ^ s[15] ^ s[20];
  const T c1 = s[1] ^ s[6] ^ s[11] ^ s[16] ^ s[21];
  const T c2 = s[2] ^ s[7] ^ s[12] ^ s[17] ^ s[22];
  const T c3 = s[3] ^ s[8] ^ s[13] ^ s[18] ^ s[23];
  const T c4 = s[4] ^ s[9] ^ s[14] ^ s[19] ^ s[24];
  const T d0 = c4 ^ TLS13_KECCAK_ROL(c1, 1), d1 = c0 ^ TLS13_KECCAK_ROL(c2, 1);
  const T d2 = c1 ^ TLS13_KECCAK_ROL(c3, 1), d3 = c2 ^ TLS13_KECCAK_ROL(c4, 1);
  const T d4 = c3 ^ TLS13_KECCAK_ROL(c0, 1);
  const T x0 = s[0] ^ d0, x1 = s[1] ^ d1, x2 = s[2] ^ d2, x3 = s[3] ^ d3, x4 = s[4] ^ d4;
  const T x5 = s[5] ^ d0, x6 = s[6] ^ d1, x7 = s[7] ^ d2, x8 = s[8] ^ d3, x9 = s[9] ^ d4;
  const T x10 = s[10] ^ d0, x11 = s[11] ^ d1, x12 = s[12] ^ d2, x13 = s[13] ^ d3, x14 = s[14] ^ d4;
  const T x15 = s[15] ^ d0, x16 = s[16] ^ d1, x17 = s[17] ^ d2, x18 = s[18] ^ d3, x19 = s[19] ^ d4;
  const T x20 = s[20] ^ d0, x21 = s[21] ^ d1, x22 = s[22] ^ d2, x23 = s[23] ^ d3, x24 = s[24] ^ d4;
  const T b0 = x0, b1 = TLS13_KECCAK_ROL(x6, 44), b2 = TLS13_KECCAK_ROL(x12, 43);
  const T b3 = TLS13_KECCAK_ROL(x18, 21), b4 = TLS13_KECCAK_ROL(x24, 14);
  const T b5 = TLS13_KECCAK_ROL(x3, 28), b6 = TLS13_KECCAK_ROL(x9, 20), b7 = TLS13_KECCAK_ROL(x10, 3);
  const T b8 = TLS13_KECCAK_ROL(x16, 45), b9 = TLS13_KECCAK_ROL(x22, 61);
  const T b10 = TLS13_KECCAK_ROL(x1, 1), b11 = TLS13_KECCAK_ROL(x7, 6), b12 = TLS13_KECCAK_ROL(x13, 25);
  const T b13 = TLS13_KECCAK_ROL(x19, 8), b14 = TLS13_KECCAK_ROL(x20, 18);
  const T b15 = TLS13_KECCAK_ROL(x4, 27), b16 = TLS13_KECCAK_ROL(x5, 36), b17 = TLS13_KECCAK_ROL(x11, 10);
  const T b18 = TLS13_KECCAK_ROL(x17, 15), b19 = TLS13_KECCAK_ROL(x23, 56);
  const T b20 = TLS13_KECCAK_ROL(x2, 62), b21 = TLS13_KECCAK_ROL(x8, 55), b22 = TLS13_KECCAK_ROL(x14, 39);
  const T b23 = TLS13_KECCAK_ROL(x15, 41), b24 = TLS13_KECCAK_ROL(x21, 2);
  o[0] = b0 ^ (~b1 & b2) ^ rc;
  o[1] = b1 ^ (~b2 & b3);
  o[2] = b2 ^ (~b3 & b4);
  o[3] = b3 ^ (~b4 & b0);
  o[4] = b4 ^ (~b0 & b1);
  o[5] = b5 ^ (~b6 & b7);
  o[6] = b6 ^ (~b7 & b8);
  o[7] = b7 ^ (~b8 & b9);
  o[8] = b8 ^ (~b9 & b5);
  o[9] = b9 ^ (~b5 & b6);
  o[10] = b10 ^ (~b11 & b12);
  o[11] = b11 ^ (~b12 & b13);
  o[12] = b12 ^ (~b13 & b14);
  o[13] = b13 ^ (~b14 & b10);
  o[14] = b14 ^ (~b10 & b11);
  o[15] = b15 ^ (~b16 & b17);
  o[16] = b16 ^ (~b17 & b18);
  o[17] = b17 ^ (~b18 & b19);
  o[18] = b18 ^ (~b19 & b15);
  o[19] = b19 ^ (~b15 & b16);
  o[20] = b20 ^ (~b21 & b22);
  o[21] = b21 ^ (~b22 & b23);
  o[22] = b22 ^ (~b23 & b24);
  o[23] = b23 ^ (~b24 & b20);
  o[24] = b24 ^ (~b20 & b21);
}
#undef TLS13_KECCAK_ROL

template <class T>
[[gnu::always_inline]] inline void keccak_permute(T* s) noexcept {
  for (const std::uint64_t rc : k_round_constants) keccak_round(s, s, rc);
}

void keccak_f1600_portable(std::uint64_t s[25]) noexcept { keccak_permute(s); }

void keccak_f1600_x4_portable(keccak_x4_state& st) noexcept {
  for (int j = 0; j < 4; ++j) {
    std::uint64_t one[25];
    for (int i = 0; i < 25; ++i) one[i] = st.s[i][j];
    keccak_permute(one);
    for (int i = 0; i < 25; ++i) st.s[i][j] = one[i];
    OPENSSL_cleanse(one, sizeof one);
  }
}

// x86-64 with GCC or Clang: the same rounds compiled for BMI1/2 (andn, rorx: ~13% faster scalar), AVX2 and
// AVX-512VL (vprolq, vpternlogq), chosen at run time from CPUID (libgcc / compiler-rt check the OS saves
// the vector registers too). valgrind's CPU has no AVX-512, so the constant-time test runs the AVX2 one.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TLS13_KECCAK_X86 1
// may_alias, as for the intrinsics' __m256i: keccak_x4_state's lanes are read through it.
using v4u64 = std::uint64_t __attribute__((vector_size(32), may_alias));
static_assert(sizeof(keccak_x4_state) == 25 * sizeof(v4u64));

[[gnu::target("bmi,bmi2")]] void keccak_f1600_bmi2(std::uint64_t s[25]) noexcept { keccak_permute(s); }

[[gnu::target("avx2")]] void keccak_f1600_x4_avx2(keccak_x4_state& st) noexcept {
  keccak_permute(reinterpret_cast<v4u64*>(st.s));
}

[[gnu::target("avx512f,avx512vl")]] void keccak_f1600_x4_avx512vl(keccak_x4_state& st) noexcept {
  keccak_permute(reinterpret_cast<v4u64*>(st.s));
}
#endif

struct keccak_dispatch {
  void (*f1600)(std::uint64_t*) noexcept;
  void (*f1600_x4)(keccak_x4_state&) noexcept;
  keccak_x4_impl x4;
};

keccak_dispatch choose() noexcept {
  keccak_dispatch d{keccak_f1600_portable, keccak_f1600_x4_portable, keccak_x4_impl::portable};
#if defined(TLS13_KECCAK_X86)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2")) d.f1600 = keccak_f1600_bmi2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
    d.f1600_x4 = keccak_f1600_x4_avx512vl, d.x4 = keccak_x4_impl::avx512vl;
  else if (__builtin_cpu_supports("avx2"))
    d.f1600_x4 = keccak_f1600_x4_avx2, d.x4 = keccak_x4_impl::avx2;
#endif
  return d;
}

const keccak_dispatch& dispatch() noexcept {
  static const keccak_dispatch d = choose();
  return d;
}

}  // namespace

void keccak_f1600(std::uint64_t s[25]) noexcept { dispatch().f1600(s); }

void keccak_f1600_x4(keccak_x4_state& st) noexcept { dispatch().f1600_x4(st); }

keccak_x4_impl keccak_x4_selected() noexcept { return dispatch().x4; }

bool keccak_f1600_with(keccak_impl impl, std::uint64_t s[25]) noexcept {
  switch (impl) {
    case keccak_impl::portable:
      keccak_f1600_portable(s);
      return true;
#if defined(TLS13_KECCAK_X86)
    case keccak_impl::bmi2:
      if (!__builtin_cpu_supports("bmi") || !__builtin_cpu_supports("bmi2")) return false;
      keccak_f1600_bmi2(s);
      return true;
#endif
    default:
      return false;
  }
}

bool keccak_f1600_x4_with(keccak_x4_impl impl, keccak_x4_state& st) noexcept {
  switch (impl) {
    case keccak_x4_impl::portable:
      keccak_f1600_x4_portable(st);
      return true;
#if defined(TLS13_KECCAK_X86)
    case keccak_x4_impl::avx2:
      if (!__builtin_cpu_supports("avx2")) return false;
      keccak_f1600_x4_avx2(st);
      return true;
    case keccak_x4_impl::avx512vl:
      if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512vl")) return false;
      keccak_f1600_x4_avx512vl(st);
      return true;
#endif
    default:
      return false;
  }
}

keccak_sponge_x4::keccak_sponge_x4(std::size_t rate, std::uint8_t suffix, const std::uint8_t* const in[4],
                                   std::size_t len) noexcept
    : rate_(rate) {
  std::memset(st_.s, 0, sizeof st_.s);
  for (int j = 0; j < 4; ++j) {
    std::size_t i = 0;
    for (; i + 8 <= len; i += 8) st_.s[i / 8][j] = load64_le(in[j] + i);
    for (; i < len; ++i) st_.s[i / 8][j] |= static_cast<std::uint64_t>(in[j][i]) << (8 * (i % 8));
    st_.s[len / 8][j] ^= static_cast<std::uint64_t>(suffix) << (8 * (len % 8));  // FIPS 202 §5.1 pad10*1
    st_.s[(rate - 1) / 8][j] ^= std::uint64_t{0x80} << (8 * ((rate - 1) % 8));
  }
}

keccak_sponge_x4::~keccak_sponge_x4() { OPENSSL_cleanse(st_.s, sizeof st_.s); }

void keccak_sponge_x4::squeeze_blocks(std::uint8_t* const out[4], std::size_t n_blocks) noexcept {
  for (std::size_t b = 0; b < n_blocks; ++b) {
    keccak_f1600_x4(st_);
    for (int j = 0; j < 4; ++j)
      for (std::size_t i = 0; i < rate_ / 8; ++i) store64_le(out[j] + b * rate_ + 8 * i, st_.s[i][j]);
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
