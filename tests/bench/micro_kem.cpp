// Key-exchange primitives per handshake, side by side in tls13_micro_bench: X25519 through EVP (the
// same calls as tls13_bench's `crypto` scenario) next to our ML-KEM-768 / ML-KEM-1024 (lib/crypto/mlkem).
//   tls13_micro_bench --benchmark_filter='X25519|MlKem|ServerKeyAnswer'
// A TLS client pays keygen + decaps, a server encaps (plus X25519 keygen + derive each in a hybrid group);
// the client keeps its key as an mlkem::decapsulation_key (the *Expanded benchmarks, MlKemHandshake).
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <memory>
#include <vector>

#include "crypto/mlkem.hpp"
#include "tls13/crypto_provider.hpp"

namespace {

using namespace tls13::crypto;

void X25519Keygen(benchmark::State& st) {
  for (auto _ : st) {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
    if (k == nullptr) st.SkipWithError("keygen");
    EVP_PKEY_free(k);
  }
}

void X25519Derive(benchmark::State& st) {
  EVP_PKEY* mine = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  EVP_PKEY* peer = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  unsigned char out[32];
  for (auto _ : st) {
    EVP_PKEY_CTX* c = EVP_PKEY_CTX_new(mine, nullptr);
    std::size_t len = sizeof out;
    if (EVP_PKEY_derive_init(c) != 1 || EVP_PKEY_derive_set_peer(c, peer) != 1 ||
        EVP_PKEY_derive(c, out, &len) != 1)
      st.SkipWithError("derive");
    EVP_PKEY_CTX_free(c);
    benchmark::DoNotOptimize(out);
  }
  EVP_PKEY_free(mine);
  EVP_PKEY_free(peer);
}

// A server's whole answer to one client key share, through the public provider interface: the share's
// check, our key pair (no spare: each iteration makes a new one) and the derive. Arg: the group's code point.
void ServerKeyAnswer(benchmark::State& st) {
  const auto g = static_cast<tls13::named_group>(st.range(0));
  const auto provider = tls13::default_crypto_provider();
  auto client = provider->start_key_exchange(g);
  if (!client) return st.SkipWithError("client key");
  const tls13::bytes pub = (*client)->public_key();
  const std::vector<std::byte> share(pub.begin(), pub.end());
  for (auto _ : st) {
    auto answer = provider->respond_key_exchange(g, share);
    if (!answer) return st.SkipWithError("respond");
    auto s = (*answer)->finish();
    if (!s) return st.SkipWithError("finish");
    benchmark::DoNotOptimize(s->view().data());
  }
}

mlkem::parameter_set set_of(const benchmark::State& st) {
  return st.range(0) == 768 ? mlkem::parameter_set::ml_kem_768 : mlkem::parameter_set::ml_kem_1024;
}

struct kem_buffers {
  explicit kem_buffers(mlkem::parameter_set p)
      : ek(mlkem::size_of(p).encapsulation_key),
        dk(mlkem::size_of(p).decapsulation_key),
        ct(mlkem::size_of(p).ciphertext),
        ss(mlkem::shared_secret_size) {}
  std::vector<std::byte> ek, dk, ct, ss;
};

void MlKemKeygen(benchmark::State& st) {
  kem_buffers b(set_of(st));
  for (auto _ : st) {
    if (!mlkem::keygen(set_of(st), b.ek, b.dk)) st.SkipWithError("keygen");
    benchmark::DoNotOptimize(b.dk.data());
  }
}

void MlKemEncaps(benchmark::State& st) {
  kem_buffers b(set_of(st));
  if (!mlkem::keygen(set_of(st), b.ek, b.dk)) st.SkipWithError("keygen");
  for (auto _ : st) {
    if (!mlkem::encaps(set_of(st), b.ek, b.ct, b.ss)) st.SkipWithError("encaps");
    benchmark::DoNotOptimize(b.ss.data());
  }
}

void MlKemDecaps(benchmark::State& st) {
  kem_buffers b(set_of(st));
  if (!mlkem::keygen(set_of(st), b.ek, b.dk) || !mlkem::encaps(set_of(st), b.ek, b.ct, b.ss))
    st.SkipWithError("setup");
  for (auto _ : st) {
    if (!mlkem::decaps(set_of(st), b.dk, b.ct, b.ss)) st.SkipWithError("decaps");
    benchmark::DoNotOptimize(b.ss.data());
  }
}

// The TLS client's path: keygen keeping the expanded decapsulation_key, decaps with it.
void MlKemKeygenExpanded(benchmark::State& st) {
  kem_buffers b(set_of(st));
  mlkem::decapsulation_key dk;
  for (auto _ : st) {
    if (!mlkem::keygen(set_of(st), b.ek, dk)) st.SkipWithError("keygen");
    benchmark::DoNotOptimize(&dk);
  }
}

void MlKemDecapsExpanded(benchmark::State& st) {
  kem_buffers b(set_of(st));
  mlkem::decapsulation_key dk;
  if (!mlkem::keygen(set_of(st), b.ek, dk) || !mlkem::encaps(set_of(st), b.ek, b.ct, b.ss))
    st.SkipWithError("setup");
  for (auto _ : st) {
    if (!mlkem::decaps(dk, b.ct, b.ss)) st.SkipWithError("decaps");
    benchmark::DoNotOptimize(b.ss.data());
  }
}

// All the ML-KEM work of one hybrid handshake, as lib/crypto/hybrid_kx.cpp does it: the client's keygen
// (into a heap decapsulation_key), the server's encaps, the client's decaps.
void MlKemHandshake(benchmark::State& st) {
  kem_buffers b(set_of(st));
  for (auto _ : st) {
    auto dk = std::make_unique<mlkem::decapsulation_key>();
    if (!mlkem::keygen(set_of(st), b.ek, *dk) || !mlkem::encaps(set_of(st), b.ek, b.ct, b.ss) ||
        !mlkem::decaps(*dk, b.ct, b.ss))
      st.SkipWithError("handshake");
    benchmark::DoNotOptimize(b.ss.data());
  }
}

BENCHMARK(X25519Keygen);
BENCHMARK(X25519Derive);
BENCHMARK(ServerKeyAnswer)->Arg(0x001d)->Arg(0x0017)->Arg(0x0018);  // X25519, P-256, P-384
BENCHMARK(MlKemKeygen)->Arg(768)->Arg(1024);
BENCHMARK(MlKemEncaps)->Arg(768)->Arg(1024);
BENCHMARK(MlKemDecaps)->Arg(768)->Arg(1024);
BENCHMARK(MlKemKeygenExpanded)->Arg(768)->Arg(1024);
BENCHMARK(MlKemDecapsExpanded)->Arg(768)->Arg(1024);
BENCHMARK(MlKemHandshake)->Arg(768)->Arg(1024);

}  // namespace
