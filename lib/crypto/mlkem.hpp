// ML-KEM-768 and ML-KEM-1024 (FIPS 203), the KEM half of the hybrid groups of
// draft-ietf-tls-ecdhe-mlkem. Private to lib (no OpenSSL header here; mlkem.cpp has the details).
//
// Constant time: no branch and no memory index depends on secret data (d, z, m, the secret part of dk,
// the decrypted message, the re-encryption comparison). SampleNTT's rejection sampling branches on the
// public seed rho only. Every secret intermediate is wiped with OPENSSL_cleanse before returning.
//
// Errors:
//   protocol_errc::illegal_parameter  a malformed peer input: ek of the wrong length or failing the §7.2
//                                     modulus check (encaps), ct of the wrong length (decaps)
//   internal_errc::invalid_argument   an unknown parameter set, a caller buffer of the wrong size, a dk that
//                                     fails the §7.3 length or hash check
//   internal_errc::random_failure     RAND_priv_bytes failed (keygen, encaps)
// Outputs are written only on success. Outputs must not overlap inputs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/mlkem_poly.hpp"
#include "tls13/types.hpp"

namespace tls13::crypto::mlkem {

enum class parameter_set : std::uint8_t { ml_kem_768, ml_kem_1024 };

struct sizes {
  std::size_t encapsulation_key, decapsulation_key, ciphertext;
};

constexpr std::size_t shared_secret_size = 32;
// The 32-byte seeds d, z (keygen) and m (encaps).
constexpr std::size_t seed_size = 32;

// FIPS 203 Table 3: 768 -> 1184/2400/1088, 1024 -> 1568/3168/1568. All zero for a value that is not a
// parameter set.
constexpr sizes size_of(parameter_set p) noexcept {
  std::size_t k = 0, du = 0, dv = 0;
  if (p == parameter_set::ml_kem_768) k = 3, du = 10, dv = 4;
  if (p == parameter_set::ml_kem_1024) k = 4, du = 11, dv = 5;
  if (k == 0) return {0, 0, 0};
  return {384 * k + 32, 768 * k + 96, 32 * (du * k + dv)};
}

namespace detail {
// The contents of a decapsulation_key (below).
struct decapsulation_state {
  poly a_hat_t[max_k * max_k];  // a_hat_t[i * k + j] = A-hat[j, i], in [0, q) (public, from rho)
  poly t_hat[max_k];            // |c| <= (q-1)/2 (public: ek)
  poly s_hat[max_k];            // |c| <= (q-1)/2 (secret)
  std::uint8_t rho[32], h[32];  // public: rho, H(ek)
  std::uint8_t z[32];           // secret: the implicit-rejection seed
  std::uint8_t k;               // 3 (ML-KEM-768), 4 (ML-KEM-1024), 0 when empty
};
struct decapsulation_key_access;
}  // namespace detail

// A decapsulation key kept in the form Decaps computes with: what KeyGen derives on the way to the dk
// octets (s-hat in the NTT domain, t-hat, the matrix A-hat expanded from rho, H(ek), z). Made only by the
// keygen overloads below, for the party that generated the key pair and decapsulates with it moments
// later (a TLS client): decaps(decapsulation_key, ...) then skips parsing dk, the k^2 SampleNTT calls
// that re-expand A-hat from rho and the §7.3 hash check. ~12 KiB: keep it on the heap. Holds secrets
// (s-hat, z): wiped when it dies or is cleared; neither copyable nor movable, so no copy is left behind.
class decapsulation_key {
 public:
  decapsulation_key() noexcept { st_.k = 0; }
  ~decapsulation_key() { clear(); }
  decapsulation_key(const decapsulation_key&) = delete;
  decapsulation_key& operator=(const decapsulation_key&) = delete;

  bool empty() const noexcept { return st_.k == 0; }
  // Wipes the secrets, s-hat and z (OPENSSL_cleanse); empty() afterwards.
  void clear() noexcept;

 private:
  friend struct detail::decapsulation_key_access;
  detail::decapsulation_state st_;
};

// FIPS 203 Alg. 16 ML-KEM.KeyGen_internal(d, z): d, z 32 octets each. Deterministic (tests, key
// regeneration from a stored seed); use keygen() otherwise.
result<void> keygen_internal(parameter_set p, bytes d, bytes z, mut_bytes ek, mut_bytes dk) noexcept;

// FIPS 203 Alg. 17 ML-KEM.Encaps_internal(ek, m) after the §7.2 input check (length, modulus).
result<void> encaps_internal(parameter_set p, bytes ek, bytes m, mut_bytes ct, mut_bytes ss) noexcept;

// FIPS 203 Alg. 21 ML-KEM.Decaps = Alg. 18 Decaps_internal after the §7.3 checks (ct length, dk length,
// H(ek) hash check). A ciphertext that does not re-encrypt gives the implicit-rejection key J(z||c):
// success either way, as the standard requires.
result<void> decaps(parameter_set p, bytes dk, bytes ct, mut_bytes ss) noexcept;

// FIPS 203 Alg. 19 / 20: the seeds from libcrypto's RAND_priv_bytes.
result<void> keygen(parameter_set p, mut_bytes ek, mut_bytes dk) noexcept;

// The same key generation keeping dk as a decapsulation_key (whatever it held is replaced; on failure it
// is left empty). ek, and decaps' results, are those of the octet versions with the same seeds.
result<void> keygen_internal(parameter_set p, bytes d, bytes z, mut_bytes ek, decapsulation_key& dk) noexcept;
result<void> keygen(parameter_set p, mut_bytes ek, decapsulation_key& dk) noexcept;

// Alg. 18 with a key from the overloads above (its parameter set): only the §7.3 ciphertext length check
// (illegal_parameter), since dk was never outside this process. An empty dk: invalid_argument.
result<void> decaps(const decapsulation_key& dk, bytes ct, mut_bytes ss) noexcept;
result<void> encaps(parameter_set p, bytes ek, mut_bytes ct, mut_bytes ss) noexcept;

}  // namespace tls13::crypto::mlkem
