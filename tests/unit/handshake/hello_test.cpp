// ClientHello / ServerHello / HRR decoding against the RFC 8448 traces, re-encoding, and the
// strictness rules of RFC 8446 §4.1-§4.2.
#include "handshake/messages/hello.hpp"

#include <gtest/gtest.h>

#include "rfc8448.hpp"

namespace tls13::handshake {
namespace {

using test::byte_vec;
using test::rfc8448_value;
using test::view;
using et = extension_type;

// Strips the 4-byte handshake header after checking it.
bytes body_of(const byte_vec& msg, handshake_type t) {
  EXPECT_GE(msg.size(), 4u);
  EXPECT_EQ(msg[0], static_cast<std::byte>(t));
  const std::size_t len = static_cast<std::size_t>(msg[1]) << 16 | static_cast<std::size_t>(msg[2]) << 8 |
                          static_cast<std::size_t>(msg[3]);
  EXPECT_EQ(len + 4, msg.size());
  return bytes(msg).subspan(4);
}

// The trace's ClientHello values, except in §4 where "ClientHello" is the 477-octet prefix that the
// binder covers; the whole 512-octet message is the payload of the first handshake record there.
std::vector<byte_vec> client_hellos(int section) {
  if (section == 4) return {rfc8448_value(4, "client", "send handshake record", "payload")};
  return test::rfc8448_values(section, "client", "ClientHello", "ClientHello");
}

TEST(ClientHello, DecodesEveryRfc8448ClientHello) {
  for (int section : {3, 4, 5, 6, 7}) {
    for (const auto& msg : client_hellos(section)) {
      auto ch = decode_client_hello(body_of(msg, handshake_type::client_hello));
      ASSERT_TRUE(ch) << "section " << section << ": " << ch.error().message();
      EXPECT_EQ(ch->legacy_version, legacy_version_tls12);
      EXPECT_EQ(ch->random.size(), 32u);
      ASSERT_TRUE(ch->extensions.has(et::supported_versions));
      auto versions = decode_supported_versions_ch(ch->extensions.get(et::supported_versions));
      ASSERT_TRUE(versions);
      EXPECT_TRUE(versions->contains(tls13_version));
      EXPECT_TRUE(ch->cipher_suites.contains(0x1301));
      ASSERT_TRUE(ch->extensions.has(et::key_share));
      auto shares = decode_key_share_ch(ch->extensions.get(et::key_share));
      ASSERT_TRUE(shares);
      ASSERT_TRUE(ch->extensions.has(et::signature_algorithms));
      EXPECT_TRUE(decode_signature_algorithms(ch->extensions.get(et::signature_algorithms)));
      ASSERT_TRUE(decode_supported_groups(ch->extensions.get(et::supported_groups)));
      if (ch->extensions.has(et::server_name)) {
        EXPECT_TRUE(decode_server_name(ch->extensions.get(et::server_name)));
      }
    }
  }
}

TEST(ClientHello, Section3SharesAndSuitesMatchTrace) {
  auto msg = rfc8448_value(3, "client", "ClientHello", "ClientHello");
  auto ch = decode_client_hello(body_of(msg, handshake_type::client_hello));
  ASSERT_TRUE(ch);
  auto shares = decode_key_share_ch(ch->extensions.get(et::key_share));
  ASSERT_TRUE(shares);
  ASSERT_EQ(shares->size(), 1u);
  EXPECT_EQ((*shares)[0].group, 0x001d);
  EXPECT_EQ(test::hex((*shares)[0].key_exchange),
            test::hex(view(rfc8448_value(3, "client", "ephemeral x25519", "public key"))));
  EXPECT_EQ(ch->cipher_suites.size(), 3u);
  auto host = decode_server_name(ch->extensions.get(et::server_name));
  ASSERT_TRUE(host);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(host->data()), host->size()), "server");
}

TEST(ClientHello, Section4PskBindersLocateTruncatedHello) {
  auto msg = client_hellos(4)[0];
  auto ch = decode_client_hello(body_of(msg, handshake_type::client_hello));
  ASSERT_TRUE(ch);
  ASSERT_TRUE(ch->extensions.has(et::pre_shared_key));
  auto psk = decode_pre_shared_key_ch(ch->extensions.get(et::pre_shared_key));
  ASSERT_TRUE(psk);
  ASSERT_EQ(psk->identities.size(), 1u);
  ASSERT_EQ(psk->binders.size(), 1u);
  EXPECT_EQ(psk->binders[0].size(), 32u);
  // The binders vector is the last thing in the message: 2 + 1 + 32 octets.
  EXPECT_EQ(psk->binders_size, 35u);
  EXPECT_EQ(psk->binders[0].data() + 32, msg.data() + msg.size());
  // What precedes the binders is exactly the trace's "ClientHello prefix" (§4.2.11.2).
  const auto prefix = rfc8448_value(4, "client", "calculate PSK binder", "ClientHello prefix");
  EXPECT_EQ(test::hex(bytes(msg).first(msg.size() - psk->binders_size)), test::hex(view(prefix)));
  EXPECT_TRUE(ch->extensions.has(et::early_data));
}

TEST(ServerHello, DecodesAndReencodesRfc8448ServerHellos) {
  int hrr = 0;
  for (int section : {3, 4, 5, 6, 7}) {
    for (const auto& msg : test::rfc8448_values(section, "server", "ServerHello", "ServerHello")) {
      auto sh = decode_server_hello(body_of(msg, handshake_type::server_hello));
      ASSERT_TRUE(sh) << "section " << section << ": " << sh.error().message();
      ASSERT_TRUE(sh->extensions.has(et::supported_versions));
      EXPECT_EQ(*decode_supported_versions_sh(sh->extensions.get(et::supported_versions)), tls13_version);
      if (sh->is_hello_retry_request) {
        ++hrr;
        EXPECT_EQ(section, 5);
        EXPECT_EQ(*decode_key_share_hrr(sh->extensions.get(et::key_share)), 0x0017);  // retry with P-256
        EXPECT_TRUE(decode_cookie(sh->extensions.get(et::cookie)));
      } else {
        EXPECT_TRUE(decode_key_share_sh(sh->extensions.get(et::key_share)));
      }
      // Re-encode from the decoded fields and the original extensions bytes: identical message.
      const std::size_t fixed = 2 + 32 + 1 + sh->legacy_session_id_echo.size() + 2 + 1;
      bytes ext = body_of(msg, handshake_type::server_hello).subspan(fixed + 2);
      byte_vec again;
      writer w(again);
      ASSERT_TRUE(encode_server_hello(w, sh->random, sh->legacy_session_id_echo, sh->cipher_suite, ext));
      EXPECT_EQ(test::hex(view(again)), test::hex(view(msg)));
    }
  }
  EXPECT_EQ(hrr, 1);
}

TEST(ClientHello, EveryTruncationIsADecodeError) {
  auto msg = rfc8448_value(3, "client", "ClientHello", "ClientHello");
  bytes body = body_of(msg, handshake_type::client_hello);
  for (std::size_t n = 0; n < body.size(); ++n) {
    auto ch = decode_client_hello(body.first(n));
    // A prefix that ends exactly after the compression methods is a legal extension-less hello.
    if (ch) {
      EXPECT_EQ(ch->extensions.count(), 0u) << n;
      continue;
    }
    EXPECT_EQ(to_alert(ch.error()), alert_description::decode_error)
        << "prefix " << n << ": " << ch.error().message();
  }
}

// Builds a ClientHello with the given extensions block contents.
byte_vec hello_with(const byte_vec& extensions, std::uint8_t compression = 0) {
  byte_vec m;
  writer w(m);
  w.u16(0x0303);
  w.raw(byte_vec(32, std::byte{7}));
  w.u8(0);
  w.u16(2);
  w.u16(0x1301);
  w.u8(1);
  w.u8(compression);
  EXPECT_TRUE(w.vec(2, view(extensions)));
  return m;
}

byte_vec ext(std::uint16_t type, const byte_vec& body) {
  byte_vec e;
  writer w(e);
  w.u16(type);
  EXPECT_TRUE(w.vec(2, view(body)));
  return e;
}

byte_vec cat(std::initializer_list<byte_vec> parts) {
  byte_vec out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(ClientHello, StrictnessRules) {
  const byte_vec versions = test::unhex("020304");
  // Duplicate extension: illegal_parameter.
  auto dup = decode_client_hello(view(hello_with(cat({ext(43, versions), ext(43, versions)}))));
  ASSERT_FALSE(dup);
  EXPECT_EQ(to_alert(dup.error()), alert_description::illegal_parameter);
  // A recognised extension that belongs to another message (oid_filters is CertificateRequest only).
  auto wrong = decode_client_hello(view(hello_with(cat({ext(43, versions), ext(48, {})}))));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(to_alert(wrong.error()), alert_description::illegal_parameter);
  // Unknown and GREASE extensions are ignored in a ClientHello (RFC 8701).
  auto grease =
      decode_client_hello(view(hello_with(cat({ext(0x0a0a, {}), ext(43, versions), ext(0xfe33, {})}))));
  ASSERT_TRUE(grease);
  EXPECT_TRUE(grease->extensions.has(et::supported_versions));
  // pre_shared_key must be the last extension.
  auto psk_first = decode_client_hello(view(hello_with(cat({ext(41, {}), ext(43, versions)}))));
  ASSERT_FALSE(psk_first);
  EXPECT_EQ(to_alert(psk_first.error()), alert_description::illegal_parameter);
  // Compression other than {null}.
  auto comp = decode_client_hello(view(hello_with(ext(43, versions), 1)));
  ASSERT_FALSE(comp);
  EXPECT_EQ(to_alert(comp.error()), alert_description::illegal_parameter);
  // Trailing bytes after the extensions.
  auto trailing = hello_with(ext(43, versions));
  trailing.push_back(std::byte{0});
  auto tr = decode_client_hello(view(trailing));
  ASSERT_FALSE(tr);
  EXPECT_EQ(tr.error(), make_error_code(decode_errc::trailing_data));
  // Too many extensions.
  byte_vec many;
  for (int i = 0; i < 65; ++i) many = cat({many, ext(static_cast<std::uint16_t>(0x7000 + i), {})});
  auto lots = decode_client_hello(view(hello_with(many)));
  ASSERT_FALSE(lots);
  EXPECT_EQ(lots.error(), make_error_code(decode_errc::too_many_items));
}

TEST(ServerHello, UnknownOrMisplacedExtensionsAreRejected) {
  auto build = [](const byte_vec& extensions, std::uint8_t compression = 0) {
    byte_vec m;
    writer w(m);
    w.u16(0x0303);
    w.raw(byte_vec(32, std::byte{1}));
    w.u8(0);
    w.u16(0x1301);
    w.u8(compression);
    EXPECT_TRUE(w.vec(2, view(extensions)));
    return m;
  };
  const byte_vec v = test::unhex("0304");
  EXPECT_TRUE(decode_server_hello(view(build(ext(43, v)))));
  auto unknown = decode_server_hello(view(build(cat({ext(43, v), ext(0x7777, {})}))));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(to_alert(unknown.error()), alert_description::unsupported_extension);
  auto misplaced = decode_server_hello(view(build(cat({ext(43, v), ext(16, {})}))));  // ALPN belongs in EE
  ASSERT_FALSE(misplaced);
  EXPECT_EQ(to_alert(misplaced.error()), alert_description::illegal_parameter);
  auto comp = decode_server_hello(view(build(ext(43, v), 1)));
  ASSERT_FALSE(comp);
  EXPECT_EQ(to_alert(comp.error()), alert_description::illegal_parameter);
}

TEST(ExtensionBodies, MalformedBodies) {
  // key_share with the same group twice: illegal_parameter (§4.2.8).
  auto dup =
      decode_key_share_ch(view(test::unhex("000a"
                                           "001d000101"
                                           "001d000102")));
  ASSERT_FALSE(dup);
  EXPECT_EQ(to_alert(dup.error()), alert_description::illegal_parameter);
  // Empty key_exchange is not allowed (opaque key_exchange<1..2^16-1>).
  EXPECT_FALSE(
      decode_key_share_ch(view(test::unhex("0004"
                                           "001d0000"))));
  // Odd-length groups list.
  EXPECT_FALSE(decode_supported_groups(view(test::unhex("0003001d00"))));
  // ALPN with an empty protocol name.
  EXPECT_FALSE(decode_alpn(view(test::unhex("0003000161"))));
  auto alpn = decode_alpn(view(test::unhex("000c02683208687474702f312e31")));
  ASSERT_TRUE(alpn);
  ASSERT_EQ(alpn->size(), 2u);
  // record_size_limit below 64 is illegal_parameter (RFC 8449 §4).
  auto rsl = decode_record_size_limit(view(test::unhex("003f")));
  ASSERT_FALSE(rsl);
  EXPECT_EQ(to_alert(rsl.error()), alert_description::illegal_parameter);
  EXPECT_EQ(*decode_record_size_limit(view(test::unhex("4001"))), 0x4001);
  // PSK with more binders than identities.
  auto psk =
      decode_pre_shared_key_ch(view(test::unhex("0007"
                                                "0001"
                                                "aa"
                                                "00000000"
                                                "0042"
                                                "20" +
                                                std::string(64, '1') + "20" + std::string(64, '2'))));
  ASSERT_FALSE(psk);
  EXPECT_EQ(to_alert(psk.error()), alert_description::illegal_parameter);
}

}  // namespace
}  // namespace tls13::handshake

namespace tls13::handshake {
namespace {

TEST(ExtensionBodies, StatusRequest) {
  // ClientHello (RFC 6066 §8): ocsp with empty lists; another status type is skipped; junk is not.
  EXPECT_TRUE(*decode_status_request_ch(view(test::unhex("0100000000"))));
  EXPECT_TRUE(*decode_status_request_ch(view(test::unhex("010004000200aa0000"))));
  EXPECT_FALSE(*decode_status_request_ch(view(test::unhex("02abcdef"))));
  EXPECT_FALSE(decode_status_request_ch({}));
  EXPECT_FALSE(decode_status_request_ch(view(test::unhex("01000000"))));
  EXPECT_FALSE(decode_status_request_ch(view(test::unhex("010000000000"))));
  // CertificateEntry (RFC 8446 §4.4.2.1): CertificateStatus with a non-empty OCSPResponse.
  auto st = decode_certificate_status(view(test::unhex("01000003300100")));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->size(), 3u);
  auto other = decode_certificate_status(view(test::unhex("02000003300100")));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error(), make_error_code(decode_errc::bad_value));
  EXPECT_FALSE(decode_certificate_status(view(test::unhex("01000000"))));          // OCSPResponse<1..>
  EXPECT_FALSE(decode_certificate_status(view(test::unhex("0100000330010000"))));  // trailing byte
  EXPECT_FALSE(decode_certificate_status(view(test::unhex("01000004300100"))));
}

}  // namespace
}  // namespace tls13::handshake
