// Constant-time check of ML-KEM, run by ctest under `valgrind --error-exitcode=1` (test mlkem_ct).
//
// The secret inputs are marked undefined for memcheck (VALGRIND_MAKE_MEM_UNDEFINED): d and z for KeyGen
// (both forms: dk as octets, and kept as a decapsulation_key), m for Encaps, the secret part of dk (dk_pke
// and z) and the ciphertext for Decaps (from the octets and from the decapsulation_key), so the comparison
// of c with the re-encryption c' and the implicit-rejection select run on undefined data too. memcheck then
// reports every conditional branch and every memory address computed from them ("Conditional jump or
// move depends on uninitialised value(s)", "Use of uninitialised value of size 8"). The outputs are
// marked defined again before the program looks at them. The only declassification is inside the
// library: rho, the public half of G(d || k) (see TLS13_MLKEM_DECLASSIFY in lib/crypto/mlkem.cpp).
//
// valgrind's virtual CPU has AVX2 and BMI2 but no AVX-512, so this runs the BMI2 scalar and the AVX2
// four-way Keccak (lib/crypto/mlkem_keccak.cpp picks them from CPUID) where the host has them. Run outside
// valgrind, the client requests do nothing and the program is a plain functional test.
#include <valgrind/memcheck.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "crypto/mlkem.hpp"
#include "crypto/mlkem_keccak.hpp"

using namespace tls13;
using namespace tls13::crypto;

namespace {

using buf = std::vector<std::byte>;

void secret(buf& b, std::size_t off, std::size_t len) {
  static_cast<void>(VALGRIND_MAKE_MEM_UNDEFINED(b.data() + off, len));
}
void secret(buf& b) { secret(b, 0, b.size()); }
void declassify(buf& b) { static_cast<void>(VALGRIND_MAKE_MEM_DEFINED(b.data(), b.size())); }

int failures = 0;
void check(bool ok, const char* what, const char* set) {
  if (!ok) {
    std::fprintf(stderr, "FAIL %s: %s\n", set, what);
    ++failures;
  }
}

void run(mlkem::parameter_set p, const char* name, unsigned char seed) {
  const auto sz = mlkem::size_of(p);
  buf d(32, std::byte{seed}), z(32, std::byte{static_cast<unsigned char>(seed + 1)});
  buf m(32, std::byte{static_cast<unsigned char>(seed + 2)});
  buf ek(sz.encapsulation_key), dk(sz.decapsulation_key), ct(sz.ciphertext), ss(32), ss2(32), ss3(32);

  secret(d);
  secret(z);
  check(static_cast<bool>(mlkem::keygen_internal(p, d, z, ek, dk)), "keygen_internal", name);
  declassify(ek);
  declassify(dk);

  secret(m);
  check(static_cast<bool>(mlkem::encaps_internal(p, ek, m, ct, ss)), "encaps_internal", name);
  declassify(ct);
  declassify(ss);

  // dk = dk_pke || ek || H(ek) || z: dk_pke and z are secret, ek and H(ek) public.
  const std::size_t pke = sz.encapsulation_key - 32;
  buf dk_s = dk, ct_s = ct;
  secret(dk_s, 0, pke);
  secret(dk_s, dk_s.size() - 32, 32);
  secret(ct_s);
  check(static_cast<bool>(mlkem::decaps(p, dk_s, ct_s, ss2)), "decaps", name);
  declassify(ss2);
  check(ss2 == ss, "decaps == encaps", name);

  // A ciphertext that must be rejected takes the same path.
  buf bad = ct;
  bad[bad.size() / 2] ^= std::byte{4};
  secret(bad);
  check(static_cast<bool>(mlkem::decaps(p, dk_s, bad, ss3)), "decaps (rejection)", name);
  declassify(ss3);
  check(ss3 != ss, "implicit rejection gives another key", name);

  // The TLS client's path: KeyGen keeping an expanded decapsulation_key, from secret d and z, then Decaps
  // with it on a secret ciphertext. Nothing in the key is declassified: s-hat and z stay undefined, and so
  // does t-hat (computed from s and e; only its encoding, ek, is declassified below).
  buf ek2(sz.encapsulation_key), ss4(32), ss5(32);
  mlkem::decapsulation_key expanded;
  secret(d);
  secret(z);
  check(static_cast<bool>(mlkem::keygen_internal(p, d, z, ek2, expanded)), "keygen_internal (expanded)",
        name);
  declassify(ek2);
  check(ek2 == ek, "expanded keygen gives the same ek", name);
  buf ct_s2 = ct;
  secret(ct_s2);
  check(static_cast<bool>(mlkem::decaps(expanded, ct_s2, ss4)), "decaps (expanded)", name);
  declassify(ss4);
  check(ss4 == ss, "decaps (expanded) == encaps", name);
  buf bad2 = bad;
  secret(bad2);
  check(static_cast<bool>(mlkem::decaps(expanded, bad2, ss5)), "decaps (expanded, rejection)", name);
  declassify(ss5);
  check(ss5 == ss3, "decaps (expanded, rejection) == decaps (octets, rejection)", name);
}

}  // namespace

int main() {
  for (const unsigned char seed : {static_cast<unsigned char>(1), static_cast<unsigned char>(77)}) {
    run(mlkem::parameter_set::ml_kem_768, "ML-KEM-768", seed);
    run(mlkem::parameter_set::ml_kem_1024, "ML-KEM-1024", seed);
  }
  static const char* const x4_names[] = {"portable", "AVX2", "AVX-512VL"};
  std::printf("%s (running on valgrind: %s; four-way Keccak: %s)\n", failures ? "FAILED" : "ok",
              RUNNING_ON_VALGRIND ? "yes" : "no",
              x4_names[static_cast<int>(mlkem::detail::keccak_x4_selected())]);
  return failures ? 2 : 0;
}
