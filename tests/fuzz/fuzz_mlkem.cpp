// ML-KEM (lib/crypto/mlkem) on arbitrary input: Encaps on any ek, Decaps on any ciphertext and on any
// decapsulation key must never crash, must fail exactly when FIPS 203's input checks say so, and a key
// pair made from fuzzed seeds must round-trip.
//   byte 0, bit 0: ML-KEM-768 / ML-KEM-1024; bits 1-2: what the rest of the input is (see below)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "crypto/mlkem.hpp"
#include "crypto/mlkem_keccak.hpp"
#include "tls13/errors.hpp"

namespace {

using namespace tls13;
using namespace tls13::crypto;
using buf = std::vector<std::byte>;

void require(bool ok) {
  if (!ok) std::abort();
}

struct keypair {
  buf ek, dk, ct, ss;
};

// One fixed key pair and an encapsulation to it per parameter set.
const keypair& fixed(mlkem::parameter_set p) {
  static keypair kp[2];
  auto& k = kp[static_cast<int>(p)];
  if (k.ek.empty()) {
    const auto s = mlkem::size_of(p);
    const buf d(32, std::byte{1}), z(32, std::byte{2}), m(32, std::byte{3});
    k.ek.resize(s.encapsulation_key), k.dk.resize(s.decapsulation_key), k.ct.resize(s.ciphertext),
        k.ss.resize(32);
    require(mlkem::keygen_internal(p, d, z, k.ek, k.dk) && mlkem::encaps_internal(p, k.ek, m, k.ct, k.ss));
  }
  return k;
}

// The §7.2 modulus check, written out: every 12-bit value of the encoded t-hat is < q.
bool ek_in_range(bytes ek) {
  const auto* b = reinterpret_cast<const std::uint8_t*>(ek.data());
  for (std::size_t i = 0; i + 3 <= ek.size() - 32; i += 3)
    if ((b[i] | (b[i + 1] & 0x0f) << 8) >= 3329 || (b[i + 1] >> 4 | b[i + 2] << 4) >= 3329) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto p = (data[0] & 1) ? mlkem::parameter_set::ml_kem_1024 : mlkem::parameter_set::ml_kem_768;
  const auto s = mlkem::size_of(p);
  const bytes in(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  const keypair& k = fixed(p);
  buf ct(s.ciphertext), ss(32), ss2(32);
  switch ((data[0] >> 1) & 3) {
    case 0: {  // the input as a ciphertext for the fixed key: fails only on its length
      const auto r = mlkem::decaps(p, k.dk, in, ss);
      require(r.has_value() == (in.size() == s.ciphertext));
      if (!r) require(r.error() == protocol_errc::illegal_parameter);
      if (r) require(mlkem::decaps(p, k.dk, in, ss2) && ss == ss2);  // deterministic
      break;
    }
    case 1: {  // the input as an encapsulation key: fails on its length and on the modulus check
      const auto r = mlkem::encaps(p, in, ct, ss);
      require(r.has_value() == (in.size() == s.encapsulation_key && ek_in_range(in)));
      if (!r) require(r.error() == protocol_errc::illegal_parameter);
      break;
    }
    case 2: {  // the input as a decapsulation key, with H(ek) made right so that decaps runs on it
      if (in.size() != s.decapsulation_key) {
        require(mlkem::decaps(p, in, k.ct, ss).error() == internal_errc::invalid_argument);
        break;
      }
      buf dk(in.begin(), in.end());
      auto* b = reinterpret_cast<std::uint8_t*>(dk.data());
      const std::size_t pke = s.encapsulation_key - 32;
      mlkem::detail::sha3_256(b + pke + s.encapsulation_key, {b + pke, s.encapsulation_key});
      require(static_cast<bool>(mlkem::decaps(p, dk, k.ct, ss)));
      break;
    }
    default: {  // seeds d || z || m: the key pair round-trips, a changed ciphertext does not
      std::uint8_t seeds[96] = {};
      std::memcpy(seeds, in.data(), in.size() < sizeof seeds ? in.size() : sizeof seeds);
      const auto* sd = reinterpret_cast<const std::byte*>(seeds);
      buf ek(s.encapsulation_key), dk(s.decapsulation_key);
      require(mlkem::keygen_internal(p, {sd, 32}, {sd + 32, 32}, ek, dk) &&
              mlkem::encaps_internal(p, ek, {sd + 64, 32}, ct, ss) && mlkem::decaps(p, dk, ct, ss2) &&
              ss == ss2);
      ct[in.size() % ct.size()] ^= std::byte{1};
      require(mlkem::decaps(p, dk, ct, ss2) && ss != ss2);
      break;
    }
  }
  return 0;
}
