// SHA3-256, SHA3-512, SHAKE128 and SHAKE256 (FIPS 202) for ML-KEM, on a portable Keccak-f[1600].
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
// allocation or failure inside the sampling loops. Keccak is about half of ML-KEM's time; a 2- or 4-lane
// Keccak in GCC vector extensions (for the matrix) measured only 1.3-1.4x per state here (SSE2, AVX2):
// not worth its code. Everything here is constant time (no branch or index on data); the state is wiped
// when an object dies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tls13::crypto::mlkem::detail {

using u8_view = std::span<const std::uint8_t>;

void keccak_f1600(std::uint64_t state[25]) noexcept;

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

void sha3_256(std::uint8_t out[32], u8_view a, u8_view b = {}) noexcept;
void sha3_512(std::uint8_t out[64], u8_view a, u8_view b = {}) noexcept;
void shake256(std::uint8_t* out, std::size_t n, u8_view a, u8_view b = {}) noexcept;

}  // namespace tls13::crypto::mlkem::detail
