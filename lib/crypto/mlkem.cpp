// ML-KEM (FIPS 203): K-PKE (§5) and ML-KEM (§6, §7) for ML-KEM-768 and ML-KEM-1024, on the
// polynomial layer of mlkem_poly.cpp and the FIPS 202 functions of mlkem_keccak.cpp.
#include "crypto/mlkem.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>

#include "crypto/mlkem_keccak.hpp"
#include "crypto/mlkem_poly.hpp"
#include "crypto/ossl_ptr.hpp"
#include "tls13/errors.hpp"

// TLS13_MLKEM_VALGRIND (set by lib/crypto/CMakeLists.txt when <valgrind/memcheck.h> exists): rho is
// computed from the secret d but is public (it is part of ek). Telling memcheck so lets the constant-time
// test (tests/unit/crypto/mlkem_ct_test.cpp) run KeyGen with d undefined without SampleNTT's rejection
// branches, which depend on rho only, being reported. Outside valgrind the client request costs a few
// instructions.
#if defined(TLS13_MLKEM_VALGRIND)
#include <valgrind/memcheck.h>
#define TLS13_MLKEM_DECLASSIFY(p, len) static_cast<void>(VALGRIND_MAKE_MEM_DEFINED(p, len))
#else
#define TLS13_MLKEM_DECLASSIFY(p, len) static_cast<void>(0)
#endif

namespace tls13::crypto::mlkem {
namespace {

using detail::poly;
using detail::u8_view;

struct params {
  int k, du, dv;  // eta1 = eta2 = 2 in both parameter sets (FIPS 203 Table 2)
  sizes sz;
};

const params* params_of(parameter_set p) noexcept {
  static constexpr params p768{3, 10, 4, size_of(parameter_set::ml_kem_768)};
  static constexpr params p1024{4, 11, 5, size_of(parameter_set::ml_kem_1024)};
  if (p == parameter_set::ml_kem_768) return &p768;
  if (p == parameter_set::ml_kem_1024) return &p1024;
  return nullptr;
}

const std::uint8_t* u8(bytes b) noexcept { return reinterpret_cast<const std::uint8_t*>(b.data()); }
std::uint8_t* u8(mut_bytes b) noexcept { return reinterpret_cast<std::uint8_t*>(b.data()); }

// OPENSSL_cleanse of an object when the scope ends, whatever the path out.
template <class T>
struct wipe_at_exit {
  T& obj;
  ~wipe_at_exit() { OPENSSL_cleanse(&obj, sizeof obj); }
};

// Keeps the compiler from reasoning about a mask's value (and turning a select back into a branch).
inline std::uint8_t value_barrier(std::uint8_t v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+r"(v));
#endif
  return v;
}

// 0xff when a == b, else 0; constant time in the contents (the lengths are public).
std::uint8_t equal_mask(const std::uint8_t* a, const std::uint8_t* b, std::size_t len) noexcept {
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < len; ++i) diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
  const auto zero = static_cast<std::uint8_t>((static_cast<std::uint32_t>(diff) - 1) >> 8);
  return value_barrier(zero);
}

// ---- K-PKE (§5) ----

struct keygen_work {
  poly s[detail::max_k], e[detail::max_k], row[detail::max_k], t;
  std::uint8_t rho_sigma[64];
};

// Alg. 13 K-PKE.KeyGen(d): ek_pke (384k + 32 octets) and dk_pke (384k octets).
void pke_keygen(const params& P, const std::uint8_t d[32], std::uint8_t* ek, std::uint8_t* dk_pke) noexcept {
  keygen_work w;
  wipe_at_exit<keygen_work> wipe{w};
  const auto k = static_cast<std::uint8_t>(P.k);
  detail::sha3_512(w.rho_sigma, u8_view(d, 32), u8_view(&k, 1));  // (rho, sigma) = G(d || k)
  const std::uint8_t* rho = w.rho_sigma;
  const std::uint8_t* sigma = w.rho_sigma + 32;
  TLS13_MLKEM_DECLASSIFY(w.rho_sigma, 32);
  for (std::uint8_t i = 0; i < k; ++i) detail::sample_cbd2(w.s[i], sigma, i);
  for (std::uint8_t i = 0; i < k; ++i) detail::sample_cbd2(w.e[i], sigma, static_cast<std::uint8_t>(k + i));
  for (int i = 0; i < P.k; ++i) detail::ntt(w.s[i]);
  for (int i = 0; i < P.k; ++i) detail::ntt(w.e[i]);
  for (std::uint8_t i = 0; i < k; ++i) {  // t[i] = sum_j A[i,j] o s[j] + e[i], A[i,j] = SampleNTT(rho||j||i)
    for (std::uint8_t j = 0; j < k; ++j) detail::sample_ntt(w.row[j], rho, j, i);
    detail::basemul_acc(w.t, w.row, w.s, P.k);
    detail::tomont(w.t);
    detail::add(w.t, w.e[i]);
    detail::encode12(ek + 384 * i, w.t);
  }
  std::memcpy(ek + 384 * P.k, rho, 32);
  for (int i = 0; i < P.k; ++i) detail::encode12(dk_pke + 384 * i, w.s[i]);
}

struct encrypt_work {
  poly y[detail::max_k], row[detail::max_k], u, e;
};

// Alg. 14 K-PKE.Encrypt with t_hat already decoded from ek_pke (rho = its last 32 octets). Writes
// 32 (du k + dv) octets to ct.
void pke_encrypt(const params& P, const poly* t_hat, const std::uint8_t rho[32], const std::uint8_t m[32],
                 const std::uint8_t r[32], std::uint8_t* ct) noexcept {
  encrypt_work w;
  wipe_at_exit<encrypt_work> wipe{w};
  const auto k = static_cast<std::uint8_t>(P.k);
  for (std::uint8_t i = 0; i < k; ++i) detail::sample_cbd2(w.y[i], r, i);  // y: N = 0..k-1
  for (int i = 0; i < P.k; ++i) detail::ntt(w.y[i]);
  for (std::uint8_t i = 0; i < k; ++i) {  // u[i] = NTT^-1(sum_j A[j,i] o y[j]) + e1[i]
    for (std::uint8_t j = 0; j < k; ++j) detail::sample_ntt(w.row[j], rho, i, j);  // A[j,i]: rho||i||j
    detail::basemul_acc(w.u, w.row, w.y, P.k);
    detail::invntt(w.u);
    detail::sample_cbd2(w.e, r, static_cast<std::uint8_t>(k + i));  // e1: N = k..2k-1
    detail::add(w.u, w.e);
    detail::compress_encode(ct + 32 * P.du * i, w.u, P.du);
  }
  detail::basemul_acc(w.u, t_hat, w.y, P.k);  // v = NTT^-1(t o y) + e2 + mu
  detail::invntt(w.u);
  detail::sample_cbd2(w.e, r, static_cast<std::uint8_t>(2 * k));  // e2: N = 2k
  detail::add(w.u, w.e);
  detail::from_msg(w.e, m);
  detail::add(w.u, w.e);
  detail::compress_encode(ct + 32 * P.du * P.k, w.u, P.dv);
}

struct decrypt_work {
  poly u[detail::max_k], v, w;
};

// Alg. 15 K-PKE.Decrypt with s_hat already decoded from dk_pke.
void pke_decrypt(const params& P, const poly* s_hat, const std::uint8_t* ct, std::uint8_t m[32]) noexcept {
  decrypt_work w;
  wipe_at_exit<decrypt_work> wipe{w};
  for (int i = 0; i < P.k; ++i) {
    detail::decode_decompress(w.u[i], ct + 32 * P.du * i, P.du);
    detail::ntt(w.u[i]);
  }
  detail::decode_decompress(w.v, ct + 32 * P.du * P.k, P.dv);
  detail::basemul_acc(w.w, s_hat, w.u, P.k);  // w = v' - NTT^-1(s o NTT(u'))
  detail::invntt(w.w);
  detail::sub(w.v, w.w);
  detail::to_msg(m, w.v);
}

}  // namespace

// ---- ML-KEM (§6, §7) ----

result<void> keygen_internal(parameter_set p, bytes d, bytes z, mut_bytes ek, mut_bytes dk) noexcept {
  const params* P = params_of(p);
  if (P == nullptr || d.size() != seed_size || z.size() != seed_size ||
      ek.size() != P->sz.encapsulation_key || dk.size() != P->sz.decapsulation_key)
    return internal_errc::invalid_argument;
  // Alg. 16: dk = dk_pke || ek || H(ek) || z
  std::uint8_t* out = u8(dk);
  const std::size_t pke = 384 * static_cast<std::size_t>(P->k);
  pke_keygen(*P, u8(d), u8(ek), out);
  std::memcpy(out + pke, ek.data(), ek.size());
  detail::sha3_256(out + pke + ek.size(), u8_view(u8(ek), ek.size()));
  std::memcpy(out + pke + ek.size() + 32, z.data(), seed_size);
  return {};
}

struct encaps_work {
  poly t_hat[detail::max_k];
  std::uint8_t m_h[64], k_r[64];  // m || H(ek), then (K, r) = G(m || H(ek))
};

result<void> encaps_internal(parameter_set p, bytes ek, bytes m, mut_bytes ct, mut_bytes ss) noexcept {
  const params* P = params_of(p);
  if (P == nullptr || m.size() != seed_size || ct.size() != P->sz.ciphertext ||
      ss.size() != shared_secret_size)
    return internal_errc::invalid_argument;
  if (ek.size() != P->sz.encapsulation_key) return protocol_errc::illegal_parameter;  // §7.2 type check
  encaps_work w;
  wipe_at_exit<encaps_work> wipe{w};
  // §7.2 modulus check: ByteEncode12(ByteDecode12(ek)) == ek, i.e. every coefficient < q.
  for (int i = 0; i < P->k; ++i)
    if (!detail::decode12_checked(w.t_hat[i], u8(ek) + 384 * i)) return protocol_errc::illegal_parameter;
  // Alg. 17
  std::memcpy(w.m_h, m.data(), 32);
  detail::sha3_256(w.m_h + 32, u8_view(u8(ek), ek.size()));
  detail::sha3_512(w.k_r, u8_view(w.m_h, 64));
  pke_encrypt(*P, w.t_hat, u8(ek) + 384 * P->k, w.m_h, w.k_r + 32, u8(ct));
  std::memcpy(ss.data(), w.k_r, shared_secret_size);
  return {};
}

struct decaps_work {
  poly s_hat[detail::max_k], t_hat[detail::max_k];
  std::uint8_t m_h[64], k_r[64];  // m' || h, then (K', r') = G(m' || h)
  std::uint8_t k_bar[32];         // J(z || c)
  std::uint8_t ct2[1568];         // c' (the largest ciphertext, ML-KEM-1024)
};

result<void> decaps(parameter_set p, bytes dk, bytes ct, mut_bytes ss) noexcept {
  const params* P = params_of(p);
  if (P == nullptr || dk.size() != P->sz.decapsulation_key || ss.size() != shared_secret_size)
    return internal_errc::invalid_argument;
  if (ct.size() != P->sz.ciphertext) return protocol_errc::illegal_parameter;  // §7.3 ciphertext type check
  // Alg. 18 steps 1-4: dk = dk_pke || ek_pke || h || z
  const std::size_t pke = 384 * static_cast<std::size_t>(P->k);
  const std::uint8_t* dk_pke = u8(dk);
  const std::uint8_t* ek_pke = dk_pke + pke;
  const std::uint8_t* h = ek_pke + pke + 32;
  const std::uint8_t* z = h + 32;
  decaps_work w;
  wipe_at_exit<decaps_work> wipe{w};
  detail::sha3_256(w.m_h, u8_view(ek_pke, pke + 32));  // §7.3 hash check (dk is ours: not secret-dependent)
  if (CRYPTO_memcmp(w.m_h, h, 32) != 0) return internal_errc::invalid_argument;
  for (int i = 0; i < P->k; ++i) {
    detail::decode12_reduced(w.s_hat[i], dk_pke + 384 * i);
    detail::decode12_reduced(w.t_hat[i], ek_pke + 384 * i);
  }
  pke_decrypt(*P, w.s_hat, u8(ct), w.m_h);  // step 5: m'
  std::memcpy(w.m_h + 32, h, 32);
  detail::sha3_512(w.k_r, u8_view(w.m_h, 64));                                // step 6: (K', r')
  detail::shake256(w.k_bar, 32, u8_view(z, 32), u8_view(u8(ct), ct.size()));  // step 7: K-bar
  pke_encrypt(*P, w.t_hat, ek_pke + pke, w.m_h, w.k_r + 32, w.ct2);           // step 8: c'
  // Steps 9-11 without a branch: K' when c == c', else K-bar.
  const std::uint8_t keep = equal_mask(u8(ct), w.ct2, ct.size());
  std::uint8_t* out = u8(ss);
  for (std::size_t i = 0; i < shared_secret_size; ++i)
    out[i] = static_cast<std::uint8_t>(w.k_bar[i] ^ (keep & (w.k_r[i] ^ w.k_bar[i])));
  return {};
}

// With libcrypto >= 3.5 (OPENSSL_VERSION_NUMBER >= 0x30500000L) keygen and encaps could go through
// EVP_KEM "ML-KEM-768" / "ML-KEM-1024" (EVP_PKEY_keygen, EVP_PKEY_encapsulate). Not written: this code is
// built and tested against 3.0 only, and untested code is not kept.

result<void> keygen(parameter_set p, mut_bytes ek, mut_bytes dk) noexcept {
  const params* P = params_of(p);
  if (P == nullptr || ek.size() != P->sz.encapsulation_key || dk.size() != P->sz.decapsulation_key)
    return internal_errc::invalid_argument;
  std::uint8_t seeds[2 * seed_size];  // d || z (FIPS 203 Alg. 19)
  wipe_at_exit<decltype(seeds)> wipe{seeds};
  if (RAND_priv_bytes(seeds, sizeof seeds) != 1) return crypto::detail::fail(internal_errc::random_failure);
  return keygen_internal(p, as_bytes(seeds, seed_size), as_bytes(seeds + seed_size, seed_size), ek, dk);
}

result<void> encaps(parameter_set p, bytes ek, mut_bytes ct, mut_bytes ss) noexcept {
  std::uint8_t m[seed_size];  // FIPS 203 Alg. 20
  wipe_at_exit<decltype(m)> wipe{m};
  if (RAND_priv_bytes(m, sizeof m) != 1) return crypto::detail::fail(internal_errc::random_failure);
  return encaps_internal(p, ek, as_bytes(m, seed_size), ct, ss);
}

}  // namespace tls13::crypto::mlkem
