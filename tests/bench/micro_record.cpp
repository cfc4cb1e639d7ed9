// Seal and open of 16 KiB records per suite through the record layer, next to the raw EVP calls
// that do the same cryptographic work, in the same run. Report ratios, not timings:
//   tls13_micro_bench --benchmark_filter=Seal   (compare Record* with RawEvp* of the same suite)
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <vector>

#include "record/record_layer.hpp"

namespace {

using namespace tls13;

constexpr std::size_t record_payload = 16384;

struct suite {
  crypto::aead_alg alg;
  const char* evp_name;
  std::size_t key_len;
};
const suite suites[] = {{crypto::aead_alg::aes_128_gcm, "AES-128-GCM", 16},
                        {crypto::aead_alg::aes_256_gcm, "AES-256-GCM", 32},
                        {crypto::aead_alg::chacha20_poly1305, "ChaCha20-Poly1305", 32}};

keyschedule::traffic_keys keys(const suite& s) {
  std::vector<std::byte> k(s.key_len, std::byte{7}), iv(12, std::byte{9});
  return {s.alg, secret::from(k), secret::from(iv)};
}

// Appends into a reused buffer, as a connection's output buffer is reused between writes.
class reuse_sink final : public output_sink {
 public:
  mut_bytes prepare(std::size_t n) override {
    if (buf_.size() < used_ + n) buf_.resize(used_ + n);
    return {buf_.data() + used_, n};
  }
  void commit(std::size_t n) noexcept override { used_ += n; }
  void clear() { used_ = 0; }
  bytes data() const { return {buf_.data(), used_}; }

 private:
  std::vector<std::byte> buf_;
  std::size_t used_ = 0;
};

void RecordSeal(benchmark::State& st) {
  const auto& s = suites[st.range(0)];
  record::record_layer layer;
  if (!layer.set_write_keys(keys(s))) st.SkipWithError("keys");
  std::vector<std::byte> payload(record_payload, std::byte{'p'});
  reuse_sink out;
  for (auto _ : st) {
    out.clear();
    if (!layer.write(content_type::application_data, payload, out)) st.SkipWithError("seal");
    benchmark::DoNotOptimize(out.data().data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * record_payload));
  st.SetLabel(s.evp_name);
}

// The raw equivalent: set the nonce, AAD, encrypt 16 KiB + 1 type byte, get the tag.
void RawEvpSeal(benchmark::State& st) {
  const auto& s = suites[st.range(0)];
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, s.evp_name, nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::vector<unsigned char> key(s.key_len, 7), nonce(12, 9), in(record_payload + 1, 'p'),
      out(record_payload + 64);
  const unsigned char aad[5] = {23, 3, 3, 0x40, 0x11};
  EVP_EncryptInit_ex2(ctx, cipher, key.data(), nullptr, nullptr);
  for (auto _ : st) {
    int len = 0;
    EVP_EncryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr);
    EVP_EncryptUpdate(ctx, nullptr, &len, aad, sizeof aad);
    EVP_EncryptUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size()));
    EVP_EncryptFinal_ex(ctx, out.data() + len, &len);
    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out.data() + record_payload + 1);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * record_payload));
  st.SetLabel(s.evp_name);
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
}

// One sealed 16 KiB record of suite s, and `reader` keyed to open it. Sealing as many records as
// there will be iterations would be unbounded: the benchmarks reset the reader's sequence number
// each time so this one record opens again and again.
std::vector<std::byte> sealed_record(benchmark::State& st, const suite& s, record::record_layer& reader) {
  record::record_layer writer;
  if (!writer.set_write_keys(keys(s)) || !reader.set_read_keys(keys(s))) st.SkipWithError("keys");
  std::vector<std::byte> payload(record_payload, std::byte{'p'});
  reuse_sink sealed;
  if (!writer.write(content_type::application_data, payload, sealed)) st.SkipWithError("seal");
  return {sealed.data().begin(), sealed.data().end()};
}

void RecordOpen(benchmark::State& st) {
  const auto& s = suites[st.range(0)];
  record::record_layer reader;
  const std::vector<std::byte> wire = sealed_record(st, s, reader);
  std::vector<std::byte> work(wire.size());
  for (auto _ : st) {
    std::copy(wire.begin(), wire.end(), work.begin());  // decryption is in place
    reader.set_sequence_numbers_for_testing(0, 0);
    std::size_t used = 0;
    auto rec = reader.read(work, used);
    if (!rec || !*rec) st.SkipWithError("open");
    benchmark::DoNotOptimize(work.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * record_payload));
  st.SetLabel(s.evp_name);
}

// What a read costs the reader per 16 KiB record of AES-128-GCM, as the Asio engine delivers it:
// range(0) == 0 opens in place and copies the payload into the reader's buffer (before input_window
// ::app_destination), 1 opens straight into that buffer. Both start from the same copy of the wire
// bytes (the in-place open needs a fresh one each time), so the ratio shows the copy saved.
void RecordDeliver(benchmark::State& st) {
  record::record_layer reader;
  const std::vector<std::byte> wire = sealed_record(st, suites[0], reader);
  std::vector<std::byte> work(wire.size()), app(65536);
  const bool into_destination = st.range(0) == 1;
  for (auto _ : st) {
    std::copy(wire.begin(), wire.end(), work.begin());
    reader.set_sequence_numbers_for_testing(0, 0);
    std::size_t used = 0;
    auto rec = into_destination ? reader.read(work, used, app) : reader.read(work, used);
    if (!rec || !*rec) st.SkipWithError("open");
    if (!into_destination) std::copy((*rec)->payload.begin(), (*rec)->payload.end(), app.begin());
    benchmark::DoNotOptimize(app.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * record_payload));
  st.SetLabel(into_destination ? "into the reader's buffer" : "in place, then copied");
}

void RawEvpOpen(benchmark::State& st) {
  const auto& s = suites[st.range(0)];
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, s.evp_name, nullptr);
  EVP_CIPHER_CTX* enc = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* dec = EVP_CIPHER_CTX_new();
  std::vector<unsigned char> key(s.key_len, 7), nonce(12, 9), pt(record_payload + 1, 'p'),
      ct(record_payload + 17), work(record_payload + 17);
  const unsigned char aad[5] = {23, 3, 3, 0x40, 0x11};
  int len = 0;
  EVP_EncryptInit_ex2(enc, cipher, key.data(), nonce.data(), nullptr);
  EVP_EncryptUpdate(enc, nullptr, &len, aad, sizeof aad);
  EVP_EncryptUpdate(enc, ct.data(), &len, pt.data(), static_cast<int>(pt.size()));
  EVP_EncryptFinal_ex(enc, ct.data() + len, &len);
  EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_AEAD_GET_TAG, 16, ct.data() + record_payload + 1);
  EVP_DecryptInit_ex2(dec, cipher, key.data(), nullptr, nullptr);
  for (auto _ : st) {
    std::copy(ct.begin(), ct.end(), work.begin());  // same copy as RecordOpen
    EVP_DecryptInit_ex2(dec, nullptr, nullptr, nonce.data(), nullptr);
    EVP_CIPHER_CTX_ctrl(dec, EVP_CTRL_AEAD_SET_TAG, 16, work.data() + record_payload + 1);
    EVP_DecryptUpdate(dec, nullptr, &len, aad, sizeof aad);
    EVP_DecryptUpdate(dec, work.data(), &len, work.data(), static_cast<int>(record_payload + 1));
    if (EVP_DecryptFinal_ex(dec, work.data() + len, &len) != 1) st.SkipWithError("raw open");
    benchmark::DoNotOptimize(work.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * record_payload));
  st.SetLabel(s.evp_name);
  EVP_CIPHER_CTX_free(enc);
  EVP_CIPHER_CTX_free(dec);
  EVP_CIPHER_free(cipher);
}

BENCHMARK(RecordSeal)->DenseRange(0, 2);
BENCHMARK(RecordDeliver)->DenseRange(0, 1);
BENCHMARK(RawEvpSeal)->DenseRange(0, 2);
BENCHMARK(RecordOpen)->DenseRange(0, 2);
BENCHMARK(RawEvpOpen)->DenseRange(0, 2);

}  // namespace

BENCHMARK_MAIN();
