// The whole key schedule against RFC 8448 sections 3-7: every secret, traffic key/IV, Finished key,
// verify_data, binder and resumption PSK, with transcript hashes computed from the trace's messages.
#include <gtest/gtest.h>

#include "rfc8448_flow.hpp"

namespace tls13::keyschedule::test {
namespace {

secret section3_resumption_psk() {
  section_result r;
  run_section({.section = 3}, nullptr, r);
  return std::move(r.resumption_psk);
}

TEST(Rfc8448KeySchedule, Section3Simple1Rtt) {
  section_result r;
  run_section({.section = 3}, nullptr, r);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(r.resumption_psk.size(), 32u);
  EXPECT_TRUE(r.exporter && r.client_application && r.server_application);
  EXPECT_FALSE(r.early_exporter);
}

TEST(Rfc8448KeySchedule, Section4Resumed0Rtt) {
  // The §4 PSK is the one §3's NewSessionTicket established (ticket_nonce 00 00).
  const secret psk = section3_resumption_psk();
  ASSERT_FALSE(HasFatalFailure());
  section_result r;
  run_section({.section = 4, .resumed = true}, &psk, r);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(r.early_exporter);
}

TEST(Rfc8448KeySchedule, Section5HelloRetryRequest) {
  section_result r;
  run_section({.section = 5, .hello_retry = true}, nullptr, r);
}

TEST(Rfc8448KeySchedule, Section6ClientAuthentication) {
  section_result r;
  run_section({.section = 6, .client_auth = true}, nullptr, r);
}

TEST(Rfc8448KeySchedule, Section7CompatibilityMode) {
  section_result r;
  run_section({.section = 7}, nullptr, r);
}

// Without the message_hash rewrite the §5 handshake secrets would not match: the rewrite is
// what makes them come out right, not an accident of the trace.
TEST(Rfc8448KeySchedule, Section5NeedsTheMessageHashRewrite) {
  auto t = crypto::transcript_hash::create(crypto::hash_alg::sha256);
  ASSERT_TRUE(t);
  const auto ch1 = trace_value(5, "client", "construct a ClientHello handshake message", "ClientHello", 0);
  const auto hrr = trace_value(5, "server", "construct a ServerHello handshake message", "ServerHello", 0);
  const auto ch2 = trace_value(5, "client", "construct a ClientHello handshake message", "ClientHello", 1);
  const auto sh = trace_value(5, "server", "construct a ServerHello handshake message", "ServerHello", 1);
  for (const auto* m : {&ch1, &hrr, &ch2, &sh}) ASSERT_TRUE(t->update(tls13::test::view(*m)));
  auto naive = t->current();
  ASSERT_TRUE(naive);
  const auto expected = trace_value(5, "server", "derive secret \"tls13 c hs traffic\"", "hash");
  EXPECT_NE(tls13::test::hex(naive->view()), tls13::test::hex(tls13::test::view(expected)));
}

}  // namespace
}  // namespace tls13::keyschedule::test
