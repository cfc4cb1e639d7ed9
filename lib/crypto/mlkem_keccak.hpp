// SHA3-256, SHA3-512, SHAKE128 and SHAKE256 (FIPS 202) for ML-KEM, on our own Keccak-f[1600].
//
// Why not libcrypto's EVP: OpenSSL 3.0 cannot squeeze SHAKE incrementally (EVP_DigestSqueeze is 3.3+),
// and FIPS 203's SampleNTT reads an open-ended SHAKE128 stream. With EVP, SampleNTT would have to
// over-generate (504 octets cover ~99% of the calls) and recompute with a longer output when unlucky,
// under a FIPS 203 App. B loop bound. Measured on the development machine (AMD EPYC Zen 5, gcc 12 -O2):
//   SHAKE128, 34 -> 504 octets:  EVP 840 ns, own 840 ns
//   SHAKE128, 34 -> 168 octets:  EVP 350 ns, own 300 ns   (PRF, G, J-sized calls)
//   SHA3-256 of 1184 octets:     EVP 2.2 us, own 2.5 us   (H(ek))
//   one Keccak-f[1600]:          own 270 ns (OpenSSL's x86_64 assembly ~230 ns)
// The speed is the same, so the exact incremental XOF wins: no retry path, no loop bound, no
// allocation or failure inside the sampling loops.
//
// Keccak is still the larger part of ML-KEM's time. The permutation is one template compiled several
// ways, chosen once at run time on x86-64 (GCC/Clang): scalar with BMI1/2 (andn, rorx), and four states at
// once in AVX2 or AVX-512VL lanes for SampleNTT and PRF, which come in independent groups (the k^2 matrix
// entries, the 2k or 2k + 1 noise polynomials). Measured on the development machine (AMD EPYC, 2.6 GHz,
// gcc 12 -O3), per Keccak-f[1600]: portable scalar 265 ns (the round-per-iteration version before it:
// 300 ns), BMI2 230 ns; four states: AVX2 ~385 ns, AVX-512VL ~210 ns, i.e. 2.7x / 5x the throughput.
// Everything here is constant time (no branch or index on data); the state is wiped when an object dies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tls13::crypto::mlkem::detail {

using u8_view = std::span<const std::uint8_t>;

void keccak_f1600(std::uint64_t state[25]) noexcept;

// Four Keccak-f[1600] states permuted together, lane i of state j at s[i][j] (the layout of four 64-bit
// SIMD lanes). On x86-64 with AVX2 or AVX-512VL (checked at run time), four permutations cost about 1.5x
// (AVX2) or 1x (AVX-512VL) one scalar permutation; elsewhere it is four scalar permutations.
struct keccak_x4_state {
  alignas(32) std::uint64_t s[25][4];
};
void keccak_f1600_x4(keccak_x4_state& st) noexcept;

// The implementations, for the tests: which x4 one is used, and each one directly (false when this CPU
// or build cannot run it). keccak_f1600 uses bmi2 (andn, rorx) where the CPU has it.
enum class keccak_impl : std::uint8_t { portable, bmi2 };
enum class keccak_x4_impl : std::uint8_t { portable, avx2, avx512vl };
keccak_x4_impl keccak_x4_selected() noexcept;
bool keccak_f1600_with(keccak_impl impl, std::uint64_t s[25]) noexcept;
bool keccak_f1600_x4_with(keccak_x4_impl impl, keccak_x4_state& st) noexcept;
// Whether keccak_f1600_x4 is faster than four keccak_f1600 (a SIMD implementation was selected).
inline bool keccak_x4_is_parallel() noexcept { return keccak_x4_selected() != keccak_x4_impl::portable; }

// Four SHAKE instances (same rate and suffix) in step, each on one input shorter than the rate (all of
// the same length): the shape of SampleNTT's and PRF's calls. Wiped when it dies.
class keccak_sponge_x4 {
 public:
  // in[j]: len octets for instance j, len < rate.
  keccak_sponge_x4(std::size_t rate, std::uint8_t suffix, const std::uint8_t* const in[4],
                   std::size_t len) noexcept;
  ~keccak_sponge_x4();
  keccak_sponge_x4(const keccak_sponge_x4&) = delete;
  keccak_sponge_x4& operator=(const keccak_sponge_x4&) = delete;

  // The next n_blocks * rate octets of each instance into out[j].
  void squeeze_blocks(std::uint8_t* const out[4], std::size_t n_blocks) noexcept;

 private:
  keccak_x4_state st_;
  std::size_t rate_;
};

// A Keccak sponge: absorb() any number of times, then squeeze() any number of times.
class keccak_sponge {
 public:
  // rate in octets (168 SHAKE128, 136 SHAKE256/SHA3-256, 72 SHA3-512); suffix: 0x1f SHAKE, 0x06 SHA3.
  keccak_sponge(std::size_t rate, std::uint8_t suffix) noexcept : rate_(rate), suffix_(suffix) {}
  ~keccak_sponge();
  keccak_sponge(const keccak_sponge&) = delete;
  keccak_sponge& operator=(const keccak_sponge&) = delete;

  void absorb(u8_view in) noexcept;
  void squeeze(std::uint8_t* out, std::size_t n) noexcept;
  // Squeezes whole blocks (n_blocks * rate octets); only valid before any partial squeeze.
  void squeeze_blocks(std::uint8_t* out, std::size_t n_blocks) noexcept;

 private:
  void finish() noexcept;

  std::uint64_t s_[25] = {};
  std::size_t rate_;
  std::size_t pos_ = 0;  // absorbing: octets absorbed into the current block; squeezing: octets used
  std::uint8_t suffix_;
  bool squeezing_ = false;
};

constexpr std::size_t shake128_rate = 168;
constexpr std::size_t shake256_rate = 136;

void sha3_256(std::uint8_t out[32], u8_view a, u8_view b = {}) noexcept;
void sha3_512(std::uint8_t out[64], u8_view a, u8_view b = {}) noexcept;
void shake256(std::uint8_t* out, std::size_t n, u8_view a, u8_view b = {}) noexcept;

}  // namespace tls13::crypto::mlkem::detail
