// The per-thread random buffer (lib/crypto/random_pool.hpp): draws differ, a forked child never
// repeats what its parent draws next, threads do not share octets, large draws bypass the buffer.
#include "crypto/random_pool.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <set>
#include <thread>
#include <vector>

namespace {

using tls13::crypto::pooled_random;
using octets = std::array<std::byte, 16>;

octets draw() {
  octets o{};
  EXPECT_TRUE(pooled_random(o));
  return o;
}

TEST(RandomPool, IsActiveOnThisKernel) {
  // MADV_WIPEONFORK is in Linux since 4.14; without it every draw goes to RAND_bytes (still correct,
  // but the buffer this file tests would not be exercised).
  EXPECT_TRUE(tls13::crypto::random_pool_active());
}

TEST(RandomPool, DrawsNeverRepeatAcrossRefills) {
  // 512 octets per refill: 2000 draws of 16 cross ~60 refills and the partial-leftover path.
  std::set<octets> seen;
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(seen.insert(draw()).second) << "draw " << i << " repeated";
  std::array<std::byte, 40> odd{};  // sizes that do not divide the buffer
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(pooled_random(odd));
    EXPECT_FALSE(std::all_of(odd.begin(), odd.end(), [](std::byte b) { return b == std::byte{0}; }));
  }
}

TEST(RandomPool, EmptyAndLargeDrawsWork) {
  EXPECT_TRUE(pooled_random({}));
  std::vector<std::byte> big(tls13::crypto::max_pooled_draw + 1), big2(big.size());
  ASSERT_TRUE(pooled_random(big));
  ASSERT_TRUE(pooled_random(big2));
  EXPECT_NE(big, big2);
}

TEST(RandomPool, AForkedChildDoesNotRepeatItsParentsNextOctets) {
  (void)draw();  // the buffer is filled and partly used before the fork
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // the child: send its first draw and leave without running atexit handlers
    octets o{};
    const bool ok = pooled_random(o);
    const bool sent = ok && write(fds[1], o.data(), o.size()) == static_cast<ssize_t>(o.size());
    _exit(sent ? 0 : 1);
  }
  close(fds[1]);
  const octets parent = draw();
  octets child{};
  ASSERT_EQ(read(fds[0], child.data(), child.size()), static_cast<ssize_t>(child.size()));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // A copied buffer would hand both processes the same next 16 octets.
  EXPECT_NE(parent, child);
}

TEST(RandomPool, ThreadsDrawDifferentOctets) {
  std::vector<octets> got(4);
  std::vector<std::thread> ts;
  for (auto& g : got) ts.emplace_back([&g] { g = draw(); });
  for (auto& t : ts) t.join();
  const std::set<octets> distinct(got.begin(), got.end());
  EXPECT_EQ(distinct.size(), got.size());
}

}  // namespace
