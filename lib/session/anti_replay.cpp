// The sliding Bloom filter behind make_bloom_anti_replay(). Two generations, each covering one
// window: an id is looked up in both and inserted into the current one, so it is remembered for
// between one and two windows. Bits are std::atomic cells set with fetch_or; a rotation (rare)
// takes the ring's exclusive lock, lookups share it. Lookups of the same id serialise on one of 64
// stripe mutexes, so two racing copies of one ClientHello cannot both be told "fresh".
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "crypto/hash.hpp"
#include "tls13/session.hpp"

namespace tls13 {
namespace {

struct generation {
  std::vector<std::atomic<std::uint64_t>> cells;
  std::chrono::system_clock::time_point start;
};

class bloom_store final : public anti_replay_store {
 public:
  explicit bloom_store(bloom_options o) : window_(o.window) {
    const double n = static_cast<double>(std::max<std::size_t>(o.expected_per_window, 1));
    const double p = std::clamp(o.false_positive_rate, 1e-12, 0.5);
    const double ln2 = std::log(2.0);
    bits_ = static_cast<std::size_t>(std::ceil(-n * std::log(p) / (ln2 * ln2)));
    bits_ = std::max<std::size_t>((bits_ + 63) / 64 * 64, 64);
    k_ = std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(static_cast<double>(bits_) / n * ln2)),
                                 1, 32);
    for (auto& g : gens_) g.cells = std::vector<std::atomic<std::uint64_t>>(bits_ / 64);
  }

  replay_verdict check_and_insert(bytes id, std::chrono::system_clock::time_point now) const override {
    auto digest = crypto::hash(crypto::hash_alg::sha256, id);
    if (!digest) return replay_verdict::replayed;  // cannot tell: refuse 0-RTT, never the connection
    std::uint64_t h1 = 0, h2 = 0;
    const bytes d = digest->view();
    for (int i = 0; i < 8; ++i) {
      h1 = h1 << 8 | std::to_integer<std::uint64_t>(d[i]);
      h2 = h2 << 8 | std::to_integer<std::uint64_t>(d[8 + i]);
    }
    h2 |= 1;
    rotate_if_due(now);
    std::shared_lock ring(mu_);
    std::lock_guard stripe(stripes_[h1 % stripes_.size()]);
    auto& cur = gens_[current_];
    const auto& prev = gens_[current_ ^ 1];
    if (all_set(cur, h1, h2) || all_set(prev, h1, h2)) return replay_verdict::replayed;
    for (std::size_t i = 0; i < k_; ++i) {
      const std::size_t bit = (h1 + i * h2) % bits_;
      cur.cells[bit / 64].fetch_or(std::uint64_t{1} << (bit % 64), std::memory_order_relaxed);
    }
    return replay_verdict::fresh;
  }

 private:
  bool all_set(const generation& g, std::uint64_t h1, std::uint64_t h2) const {
    for (std::size_t i = 0; i < k_; ++i) {
      const std::size_t bit = (h1 + i * h2) % bits_;
      if ((g.cells[bit / 64].load(std::memory_order_relaxed) >> (bit % 64) & 1) == 0) return false;
    }
    return true;
  }

  void rotate_if_due(std::chrono::system_clock::time_point now) const {
    {
      std::shared_lock lock(mu_);
      if (now - gens_[current_].start < window_) return;
    }
    std::unique_lock lock(mu_);
    auto& cur = gens_[current_];
    if (now - cur.start < window_) return;
    // The older generation is forgotten. If more than a window passed, the current one is too old
    // to matter either, but keeping it only refuses more 0-RTT, never less.
    auto& old = gens_[current_ ^ 1];
    for (auto& c : old.cells) c.store(0, std::memory_order_relaxed);
    old.start = now;
    current_ ^= 1;
  }

  std::chrono::seconds window_;
  std::size_t bits_ = 64, k_ = 1;
  mutable std::shared_mutex mu_;
  mutable std::array<std::mutex, 64> stripes_;
  mutable std::array<generation, 2> gens_;
  mutable std::size_t current_ = 0;
};

}  // namespace

std::shared_ptr<anti_replay_store> make_bloom_anti_replay(bloom_options o) {
  return std::make_shared<bloom_store>(o);
}

}  // namespace tls13
