#include "crypto/spare_keys.hpp"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>

namespace tls13::crypto {
namespace {

struct spare {
  named_group group{};
  std::unique_ptr<key_exchange> kx;
  unsigned generation = 0;  // the fork generation it was made in
};

// X25519, P-256, P-384 and the three hybrids: one slot each is enough for every group we implement.
using spare_table = std::array<spare, 8>;

spare_table& this_thread_spares() noexcept {
  thread_local spare_table t;
  return t;
}

// Bumped in the child of every fork().
std::atomic<unsigned> g_fork_generation{0};

// In the child: a new generation, and the forking thread's spares wiped (their destructors clear the
// private keys). Other threads' spares are unreachable there; the generation keeps them unused.
void forget_spares_in_child() noexcept {
  g_fork_generation.fetch_add(1, std::memory_order_relaxed);
  for (auto& s : this_thread_spares()) s.kx.reset();
}

unsigned generation() noexcept {
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(nullptr, nullptr, forget_spares_in_child); });
  return g_fork_generation.load(std::memory_order_relaxed);
}

spare* find(named_group g) noexcept {
  auto& t = this_thread_spares();
  const auto it = std::find_if(t.begin(), t.end(), [&](const spare& s) { return s.kx && s.group == g; });
  return it == t.end() ? nullptr : &*it;
}

}  // namespace

std::unique_ptr<key_exchange> take_spare(named_group g) noexcept {
  spare* s = find(g);
  if (s == nullptr) return nullptr;
  std::unique_ptr<key_exchange> kx = std::move(s->kx);  // out of the slot either way: used once
  return s->generation == generation() ? std::move(kx) : nullptr;
}

void keep_spare(std::unique_ptr<key_exchange> kx) noexcept {
  if (!kx) return;
  const named_group g = kx->group();
  spare* s = find(g);
  if (s == nullptr) {
    auto& t = this_thread_spares();
    const auto free = std::find_if(t.begin(), t.end(), [](const spare& e) { return !e.kx; });
    if (free == t.end()) return;  // every slot taken by other groups: no spare, no harm
    s = &*free;
  }
  s->group = g;
  s->kx = std::move(kx);
  s->generation = generation();
}

bool spare_ready(named_group g) noexcept {
  const spare* s = find(g);
  return s != nullptr && s->generation == generation();
}

}  // namespace tls13::crypto
