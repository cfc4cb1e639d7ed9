// Regression tests for three record_layer issues found in review (proposed for tests/unit/record/).
#include <gtest/gtest.h>

#include <vector>

#include "crypto/aead.hpp"
#include "record/record_layer.hpp"

namespace tls13::record {
namespace {

using byte_vec = std::vector<std::byte>;
const byte_vec key16(16, std::byte{0x11});
const byte_vec iv12(12, std::byte{0x22});

keyschedule::traffic_keys keys16() {
  return {crypto::aead_alg::aes_128_gcm, secret::from(key16), secret::from(iv12)};
}

// A protected record (sequence number 0) around an arbitrary TLSInnerPlaintext.
byte_vec craft(const byte_vec& inner) {
  auto ctx = crypto::aead_ctx::create(crypto::aead_alg::aes_128_gcm, crypto::direction::seal, key16);
  EXPECT_TRUE(ctx);
  const std::size_t n = inner.size() + crypto::aead_tag_size;
  byte_vec rec(5 + n);  // sized first: growing a 5-octet list trips GCC 12's -Warray-bounds
  rec[0] = std::byte{23};
  rec[1] = rec[2] = std::byte{3};
  rec[3] = static_cast<std::byte>(n >> 8);
  rec[4] = static_cast<std::byte>(n);
  EXPECT_TRUE(ctx->seal(iv12, bytes(rec.data(), 5), inner, mut_bytes(rec.data() + 5, n)));
  return rec;
}

byte_vec handshake_message(std::size_t body, std::uint8_t type) {
  byte_vec m{std::byte{type}, static_cast<std::byte>(body >> 16), static_cast<std::byte>(body >> 8),
             static_cast<std::byte>(body)};
  m.resize(4 + body, std::byte{0x5a});
  return m;
}

// RFC 8446 §5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets", padding included.
TEST(RecordLayerReview, PaddedInnerPlaintextOverLimitIsRecordOverflow) {
  byte_vec inner{std::byte{'a'}, std::byte{23}};
  inner.resize((1 << 14) + 2, std::byte{0});  // one octet too many, all of it padding
  auto wire = craft(inner);
  record_layer r;
  ASSERT_TRUE(r.set_read_keys(keys16()));
  std::size_t used = 0;
  auto rec = r.read(wire, used);
  ASSERT_FALSE(rec);
  EXPECT_EQ(rec.error(), make_error_code(decode_errc::record_too_large));
  EXPECT_EQ(to_alert(rec.error()), alert_description::record_overflow);
  // 2^14 + 1 octets (content, type and padding) is still fine.
  inner.pop_back();
  auto ok_wire = craft(inner);
  record_layer r2;
  ASSERT_TRUE(r2.set_read_keys(keys16()));
  auto ok = r2.read(ok_wire, used);
  ASSERT_TRUE(ok && ok->has_value());
  EXPECT_EQ((*ok)->payload.size(), 1u);
}

// The cap applies to each message, not to the sum of whole messages that share one record.
TEST(RecordLayerReview, CapIsPerMessage) {
  record_layer r;
  r.set_max_handshake_message(100);
  byte_vec frag = handshake_message(100, 11);  // exactly at the cap
  const auto second = handshake_message(60, 15);
  frag.insert(frag.end(), second.begin(), second.end());
  ASSERT_TRUE(r.add_handshake_fragment(frag));
  int messages = 0;
  for (;;) {
    auto m = r.next_handshake_message();
    ASSERT_TRUE(m);
    if (!*m) break;
    ++messages;
  }
  EXPECT_EQ(messages, 2);
  // One octet over the cap still fails.
  record_layer r2;
  r2.set_max_handshake_message(100);
  ASSERT_TRUE(r2.add_handshake_fragment(handshake_message(101, 11)));
  EXPECT_EQ(r2.next_handshake_message().error(), make_error_code(decode_errc::message_too_large));
}

// Records that always end inside the next message must not make the buffer grow without bound.
// Observable through the API only indirectly: a caller that never drains hits the bound, and a
// caller that drains can go on forever. (The bound is cap + 4 + 2^14 pending octets.)
TEST(RecordLayerReview, ReassemblyBufferIsBounded) {
  record_layer r;
  r.set_max_handshake_message(1000);
  const auto m = handshake_message(200, 4);
  for (int i = 0; i < 20000; ++i) {
    byte_vec frag;
    if (i > 0) frag.insert(frag.end(), m.begin() + 104, m.end());
    frag.insert(frag.end(), m.begin(), m.begin() + 104);
    ASSERT_TRUE(r.add_handshake_fragment(frag)) << i;
    for (;;) {
      auto x = r.next_handshake_message();
      ASSERT_TRUE(x);
      if (!*x) break;
    }
    EXPECT_TRUE(r.handshake_partial());
  }
  record_layer hoarder;  // never drains: refused once more than cap + 4 + 2^14 octets are pending
  hoarder.set_max_handshake_message(1000);
  const byte_vec chunk(1 << 14, std::byte{0});
  ASSERT_TRUE(hoarder.add_handshake_fragment(chunk));
  EXPECT_EQ(hoarder.add_handshake_fragment(chunk).error(), make_error_code(decode_errc::message_too_large));
}

TEST(RecordLayerReview, RecordSizeLimitIsClampedToTheRfcMinimum) {
  record_layer r;
  r.set_peer_record_size_limit(1);  // the handshake refuses < 64; never a zero fragment size
  EXPECT_EQ(r.max_fragment(), 63u);
  r.set_peer_record_size_limit(0);
  EXPECT_EQ(r.max_fragment(), std::size_t{1} << 14);
}

}  // namespace
}  // namespace tls13::record

namespace tls13::record {
namespace {

TEST(RecordLayerEarlyData, RejectedZeroRttIsSkippedWithinTheBudget) {
  // Garbage "early data" under a key we do not have, then a record under the real key.
  byte_vec garbage{std::byte{23}, std::byte{3}, std::byte{3}, std::byte{0}, std::byte{40}};
  garbage.resize(5 + 40, std::byte{0x5a});
  const byte_vec good = craft({std::byte{'o'}, std::byte{'k'}, std::byte{23}});
  record_layer r;
  ASSERT_TRUE(r.set_read_keys(keys16()));
  r.skip_undecryptable(100);
  byte_vec wire = garbage;
  wire.insert(wire.end(), good.begin(), good.end());
  std::size_t used = 0;
  auto first = r.read(wire, used);
  ASSERT_TRUE(first && first->has_value());
  EXPECT_EQ((*first)->type, content_type::invalid);  // skipped
  mut_bytes rest = mut_bytes(wire).subspan(used);
  auto second = r.read(rest, used);
  ASSERT_TRUE(second && second->has_value());
  EXPECT_EQ((*second)->type, content_type::application_data);
  // After a record decrypted, trial decryption is over: garbage is bad_record_mac again.
  byte_vec more = garbage;
  EXPECT_EQ(r.read(more, used).error(), make_error_code(protocol_errc::bad_record_mac));
  // Over the budget: bad_record_mac.
  record_layer small;
  ASSERT_TRUE(small.set_read_keys(keys16()));
  small.skip_undecryptable(39);
  byte_vec g2 = garbage;
  EXPECT_EQ(small.read(g2, used).error(), make_error_code(protocol_errc::bad_record_mac));
  // Before any key (early data sent before our HelloRetryRequest reached the client).
  record_layer plain;
  plain.skip_undecryptable(100);
  byte_vec g3 = garbage;
  auto skipped = plain.read(g3, used);
  ASSERT_TRUE(skipped && skipped->has_value());
  EXPECT_EQ((*skipped)->type, content_type::invalid);
}

TEST(RecordLayerEarlyData, NoSkippingWithoutABudget) {
  // Found by fuzz_deframer: an empty record must not be "skipped" when no 0-RTT skipping is active.
  record_layer plain;
  byte_vec empty_app{std::byte{23}, std::byte{3}, std::byte{0x18}, std::byte{0}, std::byte{0}};
  std::size_t used = 0;
  EXPECT_EQ(plain.read(empty_app, used).error(), make_error_code(protocol_errc::unexpected_message));
  record_layer keyed;
  ASSERT_TRUE(keyed.set_read_keys(keys16()));
  byte_vec empty_protected{std::byte{23}, std::byte{3}, std::byte{3}, std::byte{0}, std::byte{0}};
  EXPECT_EQ(keyed.read(empty_protected, used).error(), make_error_code(protocol_errc::bad_record_mac));
}

TEST(RecordLayerEarlyData, PlaintextAlertsOnlyWhenAllowed) {
  byte_vec alert{std::byte{21}, std::byte{3}, std::byte{3}, std::byte{0},
                 std::byte{2},  std::byte{2}, std::byte{40}};
  record_layer r;
  ASSERT_TRUE(r.set_read_keys(keys16()));
  std::size_t used = 0;
  byte_vec a1 = alert;
  EXPECT_EQ(r.read(a1, used).error(), make_error_code(protocol_errc::unexpected_message));
  r.allow_plaintext_alerts(true);
  byte_vec a2 = alert;
  auto rec = r.read(a2, used);
  ASSERT_TRUE(rec && rec->has_value());
  EXPECT_EQ((*rec)->type, content_type::alert);
  EXPECT_FALSE((*rec)->was_protected);
}

}  // namespace
}  // namespace tls13::record
