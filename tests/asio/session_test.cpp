// Session state with Asio: the ticket-key rotator.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "tls13/asio/ticket_rotator.hpp"

namespace {

TEST(TicketKeyRotator, RotatesOnItsTimerRunsTheHookAndStops) {
  boost::asio::io_context io;
  auto ring = tls13::ticket_key_ring::create({std::chrono::seconds(0), 1});  // manual rotation, keep 1
  const std::vector<std::byte> plain(8, std::byte{7});
  auto first = ring->seal(plain, std::chrono::system_clock::now());
  ASSERT_TRUE(first);
  int rotations = 0;
  std::vector<std::byte> exported;
  tls13::ticket_key_rotator rotator(io.get_executor(), ring, std::chrono::milliseconds(20),
                                    [&](const tls13::ticket_key_ring& r) {
                                      ++rotations;
                                      exported = r.export_keys();
                                    });
  // Until two rotations happened (no timing assertion: a loaded machine only makes it slower).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (rotations < 2 && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(std::chrono::milliseconds(100));
  ASSERT_GE(rotations, 2);
  EXPECT_FALSE(ring->open(*first));  // two rotations with keep = 1: the first key is gone
  // The exported keys open what the ring seals now (what a fleet would import).
  auto other = tls13::ticket_key_ring::create({std::chrono::seconds(0), 1});
  ASSERT_TRUE(other->import_keys(exported, std::chrono::system_clock::now()));
  rotator.stop();
  const int after_stop = rotations;
  auto now_sealed = ring->seal(plain, std::chrono::system_clock::now());
  ASSERT_TRUE(now_sealed);
  EXPECT_TRUE(other->open(*now_sealed));
  io.restart();
  io.run_for(std::chrono::milliseconds(60));
  EXPECT_EQ(rotations, after_stop);
}

}  // namespace
