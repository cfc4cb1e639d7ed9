// Session tickets in tls13_micro_bench: what the in-memory ticket-key ring costs per ticket a server
// seals (after every full handshake, by default twice) and opens (on every resumption attempt).
//   tls13_micro_bench --benchmark_filter=Ticket
#include <benchmark/benchmark.h>

#include <chrono>
#include <vector>

#include "tls13/session.hpp"

namespace {

// About the size of an encoded ticket_contents of a full handshake without client authentication.
const std::vector<std::byte> contents(96, std::byte{0x5a});

void TicketSeal(benchmark::State& st) {
  const auto ring = tls13::ticket_key_ring::create();
  const auto now = std::chrono::system_clock::now();
  for (auto _ : st) {
    auto t = ring->seal(contents, now);
    if (!t) st.SkipWithError("seal");
    benchmark::DoNotOptimize(t);
  }
}

void TicketOpen(benchmark::State& st) {
  const auto ring = tls13::ticket_key_ring::create();
  const auto t = ring->seal(contents, std::chrono::system_clock::now());
  if (!t) return st.SkipWithError("seal");
  for (auto _ : st) {
    auto p = ring->open(*t);
    if (!p) st.SkipWithError("open");
    benchmark::DoNotOptimize(p);
  }
}

}  // namespace

BENCHMARK(TicketSeal);
BENCHMARK(TicketOpen);
