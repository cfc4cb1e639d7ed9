// The per-thread random buffer of random_pool.hpp.
#include "crypto/random_pool.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/mman.h>

#include <climits>
#include <cstdint>
#include <cstring>

namespace tls13::crypto {
namespace {

constexpr std::size_t pool_octets = 512;  // one RAND_bytes call refills this much
constexpr std::size_t page_octets = 4096;

// The mapped page. A forked child sees it zeroed: armed == 0 sends it to RAND_bytes for a refill.
struct pool_page {
  std::uint32_t armed;
  std::uint32_t left;  // unused octets, at the end of `octets`
  unsigned char octets[pool_octets];
};
static_assert(sizeof(pool_page) <= page_octets);

class thread_pool {
 public:
  thread_pool() noexcept {
#ifdef MADV_WIPEONFORK
    void* p = mmap(nullptr, page_octets, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    if (madvise(p, page_octets, MADV_WIPEONFORK) != 0) {  // kernels before 4.14: no buffering
      munmap(p, page_octets);
      return;
    }
#ifdef MADV_DONTDUMP
    (void)madvise(p, page_octets, MADV_DONTDUMP);  // best effort
#endif
    page_ = static_cast<pool_page*>(p);
#endif
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;
  ~thread_pool() {
    if (page_ == nullptr) return;
    OPENSSL_cleanse(page_, sizeof *page_);
    munmap(page_, page_octets);
  }

  bool active() const noexcept { return page_ != nullptr; }

  // n <= max_pooled_draw. False if RAND_bytes failed (the buffer is then empty).
  bool take(unsigned char* out, std::size_t n) noexcept {
    if (page_->armed != 1 || page_->left < n) {
      page_->armed = 0;
      page_->left = 0;
      if (RAND_bytes(page_->octets, static_cast<int>(pool_octets)) != 1) return false;
      page_->armed = 1;
      page_->left = pool_octets;
    }
    unsigned char* from = page_->octets + (pool_octets - page_->left);
    std::memcpy(out, from, n);
    OPENSSL_cleanse(from, n);  // what was handed out is not kept
    page_->left -= static_cast<std::uint32_t>(n);
    return true;
  }

 private:
  pool_page* page_ = nullptr;
};

thread_pool& this_thread_pool() noexcept {
  thread_local thread_pool pool;
  return pool;
}

unsigned char* u8(std::byte* p) noexcept { return reinterpret_cast<unsigned char*>(p); }

}  // namespace

bool pooled_random(mut_bytes out) noexcept {
  if (out.empty()) return true;
  if (out.size() <= max_pooled_draw) {
    thread_pool& pool = this_thread_pool();
    if (pool.active()) return pool.take(u8(out.data()), out.size());
  }
  // RAND_bytes takes an int length; fill large requests in pieces.
  while (!out.empty()) {
    const std::size_t n = out.size() < static_cast<std::size_t>(INT_MAX) ? out.size() : INT_MAX;
    if (RAND_bytes(u8(out.data()), static_cast<int>(n)) != 1) return false;
    out = out.subspan(n);
  }
  return true;
}

bool random_pool_active() noexcept { return this_thread_pool().active(); }

}  // namespace tls13::crypto
