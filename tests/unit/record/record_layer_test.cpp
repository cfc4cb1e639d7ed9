// The record layer against every record of the RFC 8448 traces (sealed and opened byte for byte),
// and its failure modes: sizes, types, versions, truncation, tampering, padding, reassembly rules,
// sequence-number exhaustion and fragmentation.
#include "record/record_layer.hpp"

#include <gtest/gtest.h>

#include <map>

#include "crypto/aead.hpp"
#include "rfc8448.hpp"

namespace tls13::record {
namespace {

using test::byte_vec;
using test::hex;
using test::view;

keyschedule::traffic_keys keys_of(const byte_vec& key, const byte_vec& iv,
                                  crypto::aead_alg a = crypto::aead_alg::aes_128_gcm) {
  return keyschedule::traffic_keys{a, secret::from(view(key)), secret::from(view(iv))};
}

content_type type_of_step(const std::string& step) {
  if (step.find("application_data") != std::string::npos) return content_type::application_data;
  if (step.find("alert") != std::string::npos) return content_type::alert;
  if (step.find("change_cipher_spec") != std::string::npos) return content_type::change_cipher_spec;
  return content_type::handshake;
}

// The writer of the keys a step derives: "X derive write ..." keys are X's; "X derive read ..."
// keys are the peer's write keys (RFC 8448 prints each once, from whichever side derives it first).
std::string key_owner(const std::string& actor, const std::string& step) {
  if (step.find("derive write") != std::string::npos) return actor;
  return actor == "client" ? "server" : "client";
}

struct direction {
  record_layer sender, receiver;
  bool keyed = false;
};

// Walks one section: key changes and records in trace order. Sequence numbers come from the
// record layer itself: they restart at 0 with each key and count the records sent under it.
int replay_section(int section) {
  static const nlohmann::json doc = test::load_json("rfc/rfc8448-traces.json");
  std::map<std::string, direction> dirs;
  int protected_records = 0;
  for (const auto& s : doc["sections"]) {
    if (s["section"].get<int>() != section) continue;
    for (const auto& st : s["steps"]) {
      const std::string actor = st["actor"], step = st["step"];
      std::map<std::string, byte_vec> v;
      for (const auto& val : st["values"])
        if (val.contains("hex")) v[val["name"]] = test::unhex(val["hex"].get<std::string>());
      if (step.find("traffic keys") != std::string::npos && v.count("key expanded")) {
        auto& d = dirs[key_owner(actor, step)];
        EXPECT_TRUE(d.sender.set_write_keys(keys_of(v["key expanded"], v["iv expanded"])));
        EXPECT_TRUE(d.receiver.set_read_keys(keys_of(v["key expanded"], v["iv expanded"])));
        d.keyed = true;
        continue;
      }
      if (step.rfind("send ", 0) != 0 || !v.count("complete record")) continue;
      auto& d = dirs[actor];
      const auto type = type_of_step(step);
      const auto& payload = v["payload"];
      const auto& wire = v["complete record"];
      byte_vec window = wire;
      std::size_t used = 0;
      auto rec = d.receiver.read(window, used);
      EXPECT_TRUE(rec) << section << " " << actor << " " << step << ": " << rec.error().message();
      if (!rec) continue;
      EXPECT_TRUE(rec->has_value());
      EXPECT_EQ(used, wire.size());
      EXPECT_EQ((*rec)->type, type) << section << " " << step;
      EXPECT_EQ(hex((*rec)->payload), hex(view(payload))) << section << " " << step;
      if (type == content_type::change_cipher_spec || !d.keyed) continue;  // plaintext: nothing sealed
      vector_sink out;
      EXPECT_TRUE(d.sender.write(type, view(payload), out));
      EXPECT_EQ(hex(out.data()), hex(view(wire))) << "section " << section << " " << actor << " " << step;
      ++protected_records;
    }
  }
  return protected_records;
}

TEST(RecordLayerRfc8448, Section3) { EXPECT_EQ(replay_section(3), 7); }
// §4: early data, the server flight, EndOfEarlyData (under the early key), Finished, data, alerts.
TEST(RecordLayerRfc8448, Section4) { EXPECT_EQ(replay_section(4), 8); }
TEST(RecordLayerRfc8448, Section5) { EXPECT_EQ(replay_section(5), 4); }
TEST(RecordLayerRfc8448, Section6) { EXPECT_EQ(replay_section(6), 4); }
TEST(RecordLayerRfc8448, Section7) { EXPECT_EQ(replay_section(7), 4); }

const byte_vec key16(16, std::byte{0x11});
const byte_vec iv12(12, std::byte{0x22});

// A protected record with an arbitrary inner plaintext (to craft what write() never produces).
byte_vec craft(const byte_vec& inner, std::uint64_t seq = 0) {
  auto ctx = crypto::aead_ctx::create(crypto::aead_alg::aes_128_gcm, crypto::direction::seal, view(key16));
  EXPECT_TRUE(ctx);
  byte_vec rec{std::byte{23}, std::byte{3}, std::byte{3}, std::byte{0}, std::byte{0}};
  const std::size_t n = inner.size() + 16;
  rec[3] = static_cast<std::byte>(n >> 8);
  rec[4] = static_cast<std::byte>(n);
  auto nonce = iv12;
  for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<std::byte>(seq >> (8 * i));
  rec.resize(5 + n);
  auto r = ctx->seal(view(nonce), bytes(rec.data(), 5), view(inner), mut_bytes(rec.data() + 5, n));
  EXPECT_TRUE(r);
  return rec;
}

record_layer keyed_reader() {
  record_layer r;
  EXPECT_TRUE(r.set_read_keys(keys_of(key16, iv12)));
  return r;
}

std::error_code read_error(record_layer& r, byte_vec wire) {
  std::size_t used = 0;
  auto rec = r.read(wire, used);
  return rec ? std::error_code() : rec.error();
}

TEST(RecordLayer, SizeLimits) {
  record_layer plain;
  byte_vec big{std::byte{22}, std::byte{3}, std::byte{3}, std::byte{0x40}, std::byte{0x01}};  // 2^14 + 1
  big.resize(5 + (1 << 14) + 1);
  EXPECT_EQ(read_error(plain, big), make_error_code(decode_errc::record_too_large));
  EXPECT_EQ(to_alert(read_error(plain, big)), alert_description::record_overflow);
  auto r = keyed_reader();
  byte_vec huge{std::byte{23}, std::byte{3}, std::byte{3}, std::byte{0x41}, std::byte{0x01}};  // 2^14 + 257
  huge.resize(5 + (1 << 14) + 257);
  EXPECT_EQ(read_error(r, huge), make_error_code(decode_errc::record_too_large));
  // Inner plaintext of 2^14 + 1 octets (content + type) is too large even though it decrypts.
  byte_vec inner((1 << 14) + 1, std::byte{'a'});
  inner.push_back(std::byte{23});
  auto r2 = keyed_reader();
  EXPECT_EQ(read_error(r2, craft(inner)), make_error_code(decode_errc::record_too_large));
  // Under keys a record in the clear (the compatibility CCS) is still a TLSPlaintext: 2^14 at most
  // (found by fuzz_deframer: it used to get the ciphertext bound).
  auto r_ccs = keyed_reader();
  byte_vec big_ccs{std::byte{20}, std::byte{3}, std::byte{3}, std::byte{0x40}, std::byte{0x01}};
  big_ccs.resize(5 + (1 << 14) + 1, std::byte{1});
  EXPECT_EQ(read_error(r_ccs, big_ccs), make_error_code(decode_errc::record_too_large));
  // A full-size 0-RTT record skipped before any key (after HelloRetryRequest) is a ciphertext.
  record_layer skipping;
  skipping.skip_undecryptable(1 << 16);
  byte_vec early{std::byte{23}, std::byte{3}, std::byte{3}, std::byte{0x41}, std::byte{0x00}};  // 2^14 + 256
  early.resize(5 + (1 << 14) + 256);
  std::size_t used = 0;
  auto skipped = skipping.read(early, used);
  ASSERT_TRUE(skipped) << skipped.error().message();
  ASSERT_TRUE(*skipped);
  EXPECT_EQ((*skipped)->type, content_type::invalid);
  EXPECT_EQ(used, early.size());
  // Exactly 2^14 of content is fine.
  byte_vec max_inner(1 << 14, std::byte{'a'});
  max_inner.push_back(std::byte{23});
  auto r4 = keyed_reader();
  EXPECT_EQ(read_error(r4, craft(max_inner)), std::error_code());
}

TEST(RecordLayer, TypesVersionsAndTruncation) {
  record_layer plain;
  byte_vec unknown{std::byte{0x19}, std::byte{3}, std::byte{3}, std::byte{0}, std::byte{1}, std::byte{0}};
  EXPECT_EQ(read_error(plain, unknown), make_error_code(protocol_errc::unexpected_message));
  // legacy_record_version is ignored (RFC 8446 §5.1 "MUST be ignored for all purposes") in plaintext...
  byte_vec version{std::byte{22}, std::byte{2}, std::byte{0}, std::byte{0}, std::byte{1}, std::byte{1}};
  EXPECT_EQ(read_error(plain, version), std::error_code());
  // ...and authenticated in protected records, so a changed version breaks the tag.
  auto keyed = keyed_reader();
  auto sealed = craft({std::byte{'v'}, std::byte{23}});
  sealed[2] = std::byte{1};
  EXPECT_EQ(read_error(keyed, sealed), make_error_code(protocol_errc::bad_record_mac));
  // Incomplete header or body: no error, just "need more".
  byte_vec partial{std::byte{22}, std::byte{3}, std::byte{3}, std::byte{0}, std::byte{4}, std::byte{1}};
  for (std::size_t n = 0; n < partial.size(); ++n) {
    byte_vec w(partial.begin(), partial.begin() + static_cast<std::ptrdiff_t>(n));
    std::size_t used = 0;
    auto rec = plain.read(w, used);
    ASSERT_TRUE(rec);
    EXPECT_FALSE(rec->has_value());
  }
  // Plaintext application data is never legal; after keys only a CCS may be unprotected.
  byte_vec app{std::byte{23}, std::byte{3}, std::byte{3}, std::byte{0}, std::byte{1}, std::byte{'x'}};
  EXPECT_EQ(read_error(plain, app), make_error_code(protocol_errc::unexpected_message));
  auto r = keyed_reader();
  byte_vec hs{std::byte{22}, std::byte{3}, std::byte{3}, std::byte{0}, std::byte{1}, std::byte{1}};
  EXPECT_EQ(read_error(r, hs), make_error_code(protocol_errc::unexpected_message));
  byte_vec ccs{std::byte{20}, std::byte{3}, std::byte{3}, std::byte{0}, std::byte{1}, std::byte{1}};
  auto r2 = keyed_reader();
  EXPECT_EQ(read_error(r2, ccs), std::error_code());
}

TEST(RecordLayer, TamperingAnywhereIsBadRecordMac) {
  const byte_vec inner{std::byte{'h'}, std::byte{'i'}, std::byte{23}};
  const auto good = craft(inner);
  for (std::size_t i : {std::size_t{3}, std::size_t{5}, std::size_t{6}, good.size() - 1, good.size() - 16}) {
    auto bad = good;
    bad[i] ^= std::byte{1};
    auto r = keyed_reader();
    if (i == 3) {
      // A larger length makes the record incomplete: nothing is delivered, more input is awaited.
      std::size_t used = 0;
      auto rec = r.read(bad, used);
      EXPECT_TRUE(!rec || !rec->has_value());
      continue;
    }
    EXPECT_EQ(read_error(r, bad), make_error_code(protocol_errc::bad_record_mac)) << "byte " << i;
  }
  // The wrong sequence number (a replayed or reordered record) fails too.
  auto r = keyed_reader();
  EXPECT_EQ(read_error(r, craft(inner, 1)), make_error_code(protocol_errc::bad_record_mac));
}

TEST(RecordLayer, PaddingIsStrippedAndAllZeroIsRejected) {
  byte_vec padded{std::byte{'o'}, std::byte{'k'}, std::byte{23}};
  padded.resize(padded.size() + 100, std::byte{0});
  auto r = keyed_reader();
  auto wire = craft(padded);
  std::size_t used = 0;
  auto rec = r.read(wire, used);
  ASSERT_TRUE(rec);
  ASSERT_TRUE(rec->has_value());
  EXPECT_EQ((*rec)->type, content_type::application_data);
  EXPECT_EQ((*rec)->payload.size(), 2u);
  auto r2 = keyed_reader();
  const auto zeros = read_error(r2, craft(byte_vec(50, std::byte{0})));
  EXPECT_EQ(zeros, make_error_code(protocol_errc::bad_padding));
  EXPECT_EQ(to_alert(zeros), alert_description::unexpected_message);
  // Encrypted CCS and empty handshake / alert fragments.
  auto r3 = keyed_reader();
  EXPECT_EQ(read_error(r3, craft({std::byte{1}, std::byte{20}})),
            make_error_code(protocol_errc::unexpected_message));
  auto r4 = keyed_reader();
  EXPECT_EQ(read_error(r4, craft({std::byte{22}})), make_error_code(protocol_errc::empty_fragment));
  auto r5 = keyed_reader();
  EXPECT_EQ(read_error(r5, craft({std::byte{21}})), make_error_code(protocol_errc::empty_fragment));
}

// read() with a destination: a protected record whose plaintext fits is opened there (the window
// keeps its ciphertext); one that does not fit, or a destination overlapping the window, is opened
// in place; a refused record leaves zeros.
TEST(RecordLayer, OpensIntoTheDestinationWhenThePlaintextFits) {
  byte_vec inner{std::byte{'h'}, std::byte{'e'}, std::byte{'y'}, std::byte{23}};
  inner.resize(inner.size() + 12, std::byte{0});  // TLSInnerPlaintext of 16 octets
  const auto wire = craft(inner);
  for (std::size_t room : {std::size_t{16}, std::size_t{100}}) {
    auto r = keyed_reader();
    auto copy = wire;
    byte_vec dest(room, std::byte{0xaa});
    std::size_t used = 0;
    auto rec = r.read(copy, used, dest);
    ASSERT_TRUE(rec && rec->has_value());
    EXPECT_EQ(used, wire.size());
    EXPECT_TRUE((*rec)->in_destination());
    EXPECT_EQ((*rec)->destination_used, 16u);
    EXPECT_EQ((*rec)->payload.data(), dest.data());
    EXPECT_EQ(hex((*rec)->payload), "686579");
    EXPECT_EQ(copy, wire);  // out of place: the window is untouched
  }
  auto r = keyed_reader();
  auto copy = wire;
  byte_vec small(15, std::byte{0xaa});
  std::size_t used = 0;
  auto rec = r.read(copy, used, small);
  ASSERT_TRUE(rec && rec->has_value());
  EXPECT_FALSE((*rec)->in_destination());
  EXPECT_EQ((*rec)->payload.data(), copy.data() + 5);
  EXPECT_EQ(small, byte_vec(15, std::byte{0xaa}));
  // A destination that overlaps the window (the tail of the same buffer): opened in place.
  byte_vec shared = wire;
  shared.resize(wire.size() + 64);
  auto r2 = keyed_reader();
  auto rec2 = r2.read(mut_bytes(shared).first(wire.size()), used, mut_bytes(shared).subspan(8));
  ASSERT_TRUE(rec2 && rec2->has_value());
  EXPECT_FALSE((*rec2)->in_destination());
  EXPECT_EQ((*rec2)->payload.data(), shared.data() + 5);
  EXPECT_EQ(hex((*rec2)->payload), "686579");
  // Refused after opening into the destination: a wrong tag (unauthenticated plaintext) or an
  // all-zero inner plaintext (bad padding) leaves zeros where it was written.
  auto tampered = wire;
  tampered.back() ^= std::byte{1};
  for (const auto& bad : {tampered, craft(byte_vec(16, std::byte{0}))}) {
    auto rr = keyed_reader();
    auto w = bad;
    byte_vec dest(20, std::byte{0xaa});
    EXPECT_FALSE(rr.read(w, used, dest));
    EXPECT_EQ(hex(bytes(dest).first(16)), std::string(32, '0'));
    EXPECT_EQ(hex(bytes(dest).subspan(16)), "aaaaaaaa");
  }
}

TEST(RecordLayer, HandshakeReassembly) {
  record_layer r;
  r.set_max_handshake_message(100);
  EXPECT_EQ(r.add_handshake_fragment({}).error(), make_error_code(protocol_errc::empty_fragment));
  const byte_vec msg{std::byte{20}, std::byte{0}, std::byte{0}, std::byte{3},
                     std::byte{1},  std::byte{2}, std::byte{3}};
  ASSERT_TRUE(r.add_handshake_fragment(bytes(msg).first(2)));
  EXPECT_TRUE(r.handshake_partial());  // a key change now would be an error (§5.1)
  auto none = r.next_handshake_message();
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(r.add_handshake_fragment(bytes(msg).subspan(2)));
  auto whole = r.next_handshake_message();
  ASSERT_TRUE(whole && whole->has_value());
  EXPECT_EQ(hex(**whole), hex(view(msg)));
  EXPECT_FALSE(r.handshake_partial());
  // A header announcing more than the cap fails before the body arrives.
  const byte_vec too_big{std::byte{11}, std::byte{0}, std::byte{0}, std::byte{101}};
  ASSERT_TRUE(r.add_handshake_fragment(view(too_big)));
  EXPECT_EQ(r.next_handshake_message().error(), make_error_code(decode_errc::message_too_large));
}

TEST(RecordLayer, SequenceNumbersNeverWrapAndKeysAskForUpdate) {
  record_layer w;
  ASSERT_TRUE(w.set_write_keys(keys_of(key16, iv12)));
  EXPECT_FALSE(w.write_key_exhausted_soon());
  w.set_sequence_numbers_for_testing(0, std::uint64_t{1} << 23);
  EXPECT_TRUE(w.write_key_exhausted_soon());
  w.set_sequence_numbers_for_testing(0, std::uint64_t{1} << 24);
  vector_sink out;
  EXPECT_EQ(w.write(content_type::application_data, view("x"), out).error(),
            make_error_code(protocol_errc::key_limit_reached));
  EXPECT_EQ(out.size(), 0u);
  auto r = keyed_reader();
  r.set_sequence_numbers_for_testing(UINT64_MAX, 0);
  EXPECT_EQ(read_error(r, craft({std::byte{'a'}, std::byte{23}})),
            make_error_code(protocol_errc::key_limit_reached));
}

TEST(RecordLayer, FragmentsAtTheLimits) {
  const auto count_records = [](bytes wire) {
    int n = 0;
    while (wire.size() >= 5) {
      const std::size_t len = static_cast<std::size_t>(wire[3]) << 8 | static_cast<std::size_t>(wire[4]);
      wire = wire.subspan(5 + len);
      ++n;
    }
    return n;
  };
  for (auto [size, expected] : {std::pair{std::size_t{1} << 14, 1}, std::pair{(std::size_t{1} << 14) + 1, 2},
                                std::pair{std::size_t{3} << 14, 3}}) {
    record_layer w;
    ASSERT_TRUE(w.set_write_keys(keys_of(key16, iv12)));
    vector_sink out;
    byte_vec data(size, std::byte{'z'});
    ASSERT_TRUE(w.write(content_type::application_data, view(data), out));
    EXPECT_EQ(count_records(out.data()), expected) << size;
  }
  record_layer small;
  small.set_peer_record_size_limit(64);  // RFC 8449: 63 octets of content + the type byte
  EXPECT_EQ(small.max_fragment(), 63u);
  ASSERT_TRUE(small.set_write_keys(keys_of(key16, iv12)));
  vector_sink out;
  ASSERT_TRUE(small.write(content_type::application_data, view(byte_vec(126, std::byte{1})), out));
  EXPECT_EQ(count_records(out.data()), 2);
  // What we seal we can open: a round trip through two layers with the same keys.
  record_layer reader = keyed_reader();
  byte_vec wire(out.data().begin(), out.data().end());
  std::size_t used = 0;
  auto rec = reader.read(wire, used);
  ASSERT_TRUE(rec && rec->has_value());
  EXPECT_EQ((*rec)->payload.size(), 63u);
}

}  // namespace
}  // namespace tls13::record
