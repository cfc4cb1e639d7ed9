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

using detail::decapsulation_state;

const params* params_of_k(int k) noexcept {
  return params_of(k == 3   ? parameter_set::ml_kem_768
                   : k == 4 ? parameter_set::ml_kem_1024
                            : static_cast<parameter_set>(0xff));
}

// ---- K-PKE (§5) ----

// A-hat from rho, transposed: a_hat_t[i * k + j] = A-hat[j, i] = SampleNTT(rho || i || j) (Alg. 13 line
// 6 has A-hat[i, j] = SampleNTT(rho || j || i)). Row i of the result is what Encrypt's u[i] needs. Four
// entries at a time on the four-way Keccak.
void expand_matrix(const params& P, const std::uint8_t rho[32], poly* a_hat_t) noexcept {
  const int entries = P.k * P.k;
  for (int e = 0; e < entries; e += 4) {
    const int count = entries - e < 4 ? entries - e : 4;
    poly* a[4];
    std::uint8_t idx[4][2];
    for (int l = 0; l < count; ++l) {
      a[l] = &a_hat_t[e + l];
      idx[l][0] = static_cast<std::uint8_t>((e + l) / P.k);
      idx[l][1] = static_cast<std::uint8_t>((e + l) % P.k);
    }
    detail::sample_ntt_x4(a, rho, idx, count);
  }
}

// *f[i] = SamplePolyCBD_2(PRF_2(sigma, i)) for i < count, four at a time.
void sample_cbd2_all(poly* const* f, const std::uint8_t sigma[32], int count) noexcept {
  for (int i = 0; i < count; i += 4)
    detail::sample_cbd2_x4(f + i, sigma, static_cast<std::uint8_t>(i), count - i < 4 ? count - i : 4);
}

struct keygen_work {
  poly e[detail::max_k], row[detail::max_k];
  std::uint8_t rho_sigma[64];
};

// Alg. 13 K-PKE.KeyGen(d): ek_pke (384k + 32 octets) into ek, and in st: rho, A-hat (transposed),
// s-hat and t-hat.
void pke_keygen(const params& P, const std::uint8_t d[32], std::uint8_t* ek,
                decapsulation_state& st) noexcept {
  keygen_work w;
  wipe_at_exit<keygen_work> wipe{w};
  const auto k = static_cast<std::uint8_t>(P.k);
  detail::sha3_512(w.rho_sigma, u8_view(d, 32), u8_view(&k, 1));  // (rho, sigma) = G(d || k)
  const std::uint8_t* sigma = w.rho_sigma + 32;
  TLS13_MLKEM_DECLASSIFY(w.rho_sigma, 32);
  std::memcpy(st.rho, w.rho_sigma, 32);
  expand_matrix(P, st.rho, st.a_hat_t);
  poly* noise[2 * detail::max_k];  // s: N = 0..k-1, e: N = k..2k-1
  for (int i = 0; i < P.k; ++i) noise[i] = &st.s_hat[i], noise[P.k + i] = &w.e[i];
  sample_cbd2_all(noise, sigma, 2 * P.k);
  for (int i = 0; i < P.k; ++i) detail::ntt(st.s_hat[i]);
  for (int i = 0; i < P.k; ++i) detail::ntt(w.e[i]);
  for (int i = 0; i < P.k; ++i) {  // t[i] = sum_j A[i,j] o s[j] + e[i]
    for (int j = 0; j < P.k; ++j) w.row[j] = st.a_hat_t[j * P.k + i];
    poly& t = st.t_hat[i];
    detail::basemul_acc(t, w.row, st.s_hat, P.k);
    detail::tomont(t);
    detail::add(t, w.e[i]);
    detail::reduce(t);  // |c| < 3q/2 -> (q-1)/2: the range Encrypt's basemul_acc takes
    detail::encode12(ek + 384 * i, t);
  }
  std::memcpy(ek + 384 * P.k, st.rho, 32);
}

struct encrypt_work {
  poly y[detail::max_k], e1[detail::max_k], e2, u, mu;
};

// Alg. 14 K-PKE.Encrypt with A-hat (transposed, see expand_matrix) and t-hat already computed. Writes
// 32 (du k + dv) octets to ct.
void pke_encrypt(const params& P, const poly* a_hat_t, const poly* t_hat, const std::uint8_t m[32],
                 const std::uint8_t r[32], std::uint8_t* ct) noexcept {
  encrypt_work w;
  wipe_at_exit<encrypt_work> wipe{w};
  poly* noise[2 * detail::max_k + 1];  // y: N = 0..k-1, e1: N = k..2k-1, e2: N = 2k
  for (int i = 0; i < P.k; ++i) noise[i] = &w.y[i], noise[P.k + i] = &w.e1[i];
  noise[2 * P.k] = &w.e2;
  sample_cbd2_all(noise, r, 2 * P.k + 1);
  for (int i = 0; i < P.k; ++i) detail::ntt(w.y[i]);
  for (int i = 0; i < P.k; ++i) {  // u[i] = NTT^-1(sum_j A[j,i] o y[j]) + e1[i]
    detail::basemul_acc(w.u, a_hat_t + i * P.k, w.y, P.k);
    detail::invntt(w.u);
    detail::add(w.u, w.e1[i]);
    detail::compress_encode(ct + 32 * P.du * i, w.u, P.du);
  }
  detail::basemul_acc(w.u, t_hat, w.y, P.k);  // v = NTT^-1(t o y) + e2 + mu
  detail::invntt(w.u);
  detail::add(w.u, w.e2);
  detail::from_msg(w.mu, m);
  detail::add(w.u, w.mu);
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

// Alg. 16 with dk kept as its decapsulation state: ek, and st (z copied, h = H(ek)).
void keygen_state(const params& P, const std::uint8_t d[32], const std::uint8_t z[32], std::uint8_t* ek,
                  decapsulation_state& st) noexcept {
  pke_keygen(P, d, ek, st);
  detail::sha3_256(st.h, u8_view(ek, P.sz.encapsulation_key));
  std::memcpy(st.z, z, 32);
  st.k = static_cast<std::uint8_t>(P.k);
}

}  // namespace

namespace detail {
struct decapsulation_key_access {
  static decapsulation_state& of(decapsulation_key& dk) noexcept { return dk.st_; }
  static const decapsulation_state& of(const decapsulation_key& dk) noexcept { return dk.st_; }
};
}  // namespace detail

// The secrets are s-hat and z; A-hat, t-hat, rho and H(ek) are public (ek and what comes from it) and
// are not wiped (10 KiB of the 12 that would only cost time).
void decapsulation_key::clear() noexcept {
  OPENSSL_cleanse(st_.s_hat, sizeof st_.s_hat);
  OPENSSL_cleanse(st_.z, sizeof st_.z);
  st_.k = 0;
}

// ---- ML-KEM (§6, §7) ----

result<void> keygen_internal(parameter_set p, bytes d, bytes z, mut_bytes ek,
                             decapsulation_key& dk) noexcept {
  if (!dk.empty()) dk.clear();
  const params* P = params_of(p);
  if (P == nullptr || d.size() != seed_size || z.size() != seed_size || ek.size() != P->sz.encapsulation_key)
    return internal_errc::invalid_argument;
  keygen_state(*P, u8(d), u8(z), u8(ek), detail::decapsulation_key_access::of(dk));
  return {};
}

result<void> keygen_internal(parameter_set p, bytes d, bytes z, mut_bytes ek, mut_bytes dk) noexcept {
  const params* P = params_of(p);
  if (P == nullptr || d.size() != seed_size || z.size() != seed_size ||
      ek.size() != P->sz.encapsulation_key || dk.size() != P->sz.decapsulation_key)
    return internal_errc::invalid_argument;
  decapsulation_key key;  // wiped by its destructor
  decapsulation_state& st = detail::decapsulation_key_access::of(key);
  keygen_state(*P, u8(d), u8(z), u8(ek), st);
  // Alg. 16 line 3: dk = dk_pke || ek || H(ek) || z, dk_pke = ByteEncode12(s-hat)
  std::uint8_t* out = u8(dk);
  const std::size_t pke = 384 * static_cast<std::size_t>(P->k);
  for (int i = 0; i < P->k; ++i) detail::encode12(out + 384 * i, st.s_hat[i]);
  std::memcpy(out + pke, ek.data(), ek.size());
  std::memcpy(out + pke + ek.size(), st.h, 32);
  std::memcpy(out + pke + ek.size() + 32, st.z, 32);
  return {};
}

struct encaps_work {
  std::uint8_t m_h[64], k_r[64];  // m || H(ek), then (K, r) = G(m || H(ek))
};

result<void> encaps_internal(parameter_set p, bytes ek, bytes m, mut_bytes ct, mut_bytes ss) noexcept {
  const params* P = params_of(p);
  if (P == nullptr || m.size() != seed_size || ct.size() != P->sz.ciphertext ||
      ss.size() != shared_secret_size)
    return internal_errc::invalid_argument;
  if (ek.size() != P->sz.encapsulation_key) return protocol_errc::illegal_parameter;  // §7.2 type check
  // Public (ek and what comes from it): not wiped.
  poly t_hat[detail::max_k], a_hat_t[detail::max_k * detail::max_k];
  // §7.2 modulus check: ByteEncode12(ByteDecode12(ek)) == ek, i.e. every coefficient < q.
  for (int i = 0; i < P->k; ++i)
    if (!detail::decode12_checked(t_hat[i], u8(ek) + 384 * i)) return protocol_errc::illegal_parameter;
  expand_matrix(*P, u8(ek) + 384 * P->k, a_hat_t);
  // Alg. 17
  encaps_work w;
  wipe_at_exit<encaps_work> wipe{w};
  std::memcpy(w.m_h, m.data(), 32);
  detail::sha3_256(w.m_h + 32, u8_view(u8(ek), ek.size()));
  detail::sha3_512(w.k_r, u8_view(w.m_h, 64));
  pke_encrypt(*P, a_hat_t, t_hat, w.m_h, w.k_r + 32, u8(ct));
  std::memcpy(ss.data(), w.k_r, shared_secret_size);
  return {};
}

struct decaps_work {
  std::uint8_t m_h[64], k_r[64];  // m' || h, then (K', r') = G(m' || h)
  std::uint8_t k_bar[32];         // J(z || c)
  std::uint8_t ct2[1568];         // c' (the largest ciphertext, ML-KEM-1024)
};

// Alg. 18 steps 5-11 on an expanded key. FIPS 203 §7.3 asks Decaps to check its input: the ciphertext
// length, the dk length, and the hash check H(dk[384k : 768k + 32]) == dk[768k + 32 : 768k + 64], which
// catches a dk whose ek part or H(ek) was altered or mismatched. They exist for a dk received as octets
// from elsewhere. A decapsulation_key is made only by our own KeyGen, which computed h = H(ek) from the
// very ek it encoded, and never leaves this process in octets: its length is that of the parameter set
// and the hash check would compare H(ek) with itself. Redundant, so skipped; the ciphertext length, which
// comes from the peer, is still checked.
result<void> decaps(const decapsulation_key& dk, bytes ct, mut_bytes ss) noexcept {
  const decapsulation_state& st = detail::decapsulation_key_access::of(dk);
  const params* P = params_of_k(st.k);
  if (P == nullptr || ss.size() != shared_secret_size) return internal_errc::invalid_argument;
  if (ct.size() != P->sz.ciphertext) return protocol_errc::illegal_parameter;  // §7.3 ciphertext type check
  decaps_work w;
  wipe_at_exit<decaps_work> wipe{w};
  pke_decrypt(*P, st.s_hat, u8(ct), w.m_h);  // step 5: m'
  std::memcpy(w.m_h + 32, st.h, 32);
  detail::sha3_512(w.k_r, u8_view(w.m_h, 64));                                   // step 6: (K', r')
  detail::shake256(w.k_bar, 32, u8_view(st.z, 32), u8_view(u8(ct), ct.size()));  // step 7: K-bar
  pke_encrypt(*P, st.a_hat_t, st.t_hat, w.m_h, w.k_r + 32, w.ct2);               // step 8: c'
  // Steps 9-11 without a branch: K' when c == c', else K-bar.
  const std::uint8_t keep = equal_mask(u8(ct), w.ct2, ct.size());
  std::uint8_t* out = u8(ss);
  for (std::size_t i = 0; i < shared_secret_size; ++i)
    out[i] = static_cast<std::uint8_t>(w.k_bar[i] ^ (keep & (w.k_r[i] ^ w.k_bar[i])));
  return {};
}

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
  decapsulation_key key;  // wiped by its destructor
  decapsulation_state& st = detail::decapsulation_key_access::of(key);
  detail::sha3_256(st.h, u8_view(ek_pke, pke + 32));  // §7.3 hash check (dk is ours: not secret-dependent)
  if (CRYPTO_memcmp(st.h, h, 32) != 0) return internal_errc::invalid_argument;
  for (int i = 0; i < P->k; ++i) {
    detail::decode12_reduced(st.s_hat[i], dk_pke + 384 * i);
    detail::decode12_reduced(st.t_hat[i], ek_pke + 384 * i);
  }
  std::memcpy(st.rho, ek_pke + pke, 32);
  expand_matrix(*P, st.rho, st.a_hat_t);
  std::memcpy(st.z, z, 32);
  st.k = static_cast<std::uint8_t>(P->k);
  return decaps(key, ct, ss);
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

result<void> keygen(parameter_set p, mut_bytes ek, decapsulation_key& dk) noexcept {
  if (!dk.empty()) dk.clear();
  const params* P = params_of(p);
  if (P == nullptr || ek.size() != P->sz.encapsulation_key) return internal_errc::invalid_argument;
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
