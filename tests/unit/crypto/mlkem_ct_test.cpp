// Constant-time check of ML-KEM, run by ctest under `valgrind --error-exitcode=1` (test mlkem_ct).
//
// The secret inputs are marked undefined for memcheck (VALGRIND_MAKE_MEM_UNDEFINED): d and z for KeyGen,
// m for Encaps, the secret part of dk (dk_pke and z) and the ciphertext for Decaps, so the comparison of
// c with the re-encryption c' and the implicit-rejection select run on undefined data too. memcheck then
// reports every conditional branch and every memory address computed from them ("Conditional jump or
// move depends on uninitialised value(s)", "Use of uninitialised value of size 8"). The outputs are
// marked defined again before the program looks at them. The only declassification is inside the
// library: rho, the public half of G(d || k) (see TLS13_MLKEM_DECLASSIFY in lib/crypto/mlkem.cpp).
//
// Run outside valgrind, the client requests do nothing and the program is a plain functional test.
#include <valgrind/memcheck.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "crypto/mlkem.hpp"

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
}

}  // namespace

int main() {
  for (const unsigned char seed : {static_cast<unsigned char>(1), static_cast<unsigned char>(77)}) {
    run(mlkem::parameter_set::ml_kem_768, "ML-KEM-768", seed);
    run(mlkem::parameter_set::ml_kem_1024, "ML-KEM-1024", seed);
  }
  std::printf("%s (running on valgrind: %s)\n", failures ? "FAILED" : "ok",
              RUNNING_ON_VALGRIND ? "yes" : "no");
  return failures ? 2 : 0;
}
