// Post-hello messages: every instance in the RFC 8448 traces decodes and re-encodes to the same
// bytes; malformed variants get the alert RFC 8446 names.
#include "handshake/messages/post_hello.hpp"

#include <gtest/gtest.h>

#include "handshake/messages/hello.hpp"
#include "rfc8448.hpp"

namespace tls13::handshake {
namespace {

using test::byte_vec;
using test::hex;
using test::view;

bytes body(const byte_vec& msg) { return bytes(msg).subspan(4); }

std::vector<byte_vec> all(const std::string& name) {
  std::vector<byte_vec> out;
  for (int s : {3, 4, 5, 6, 7})
    for (const char* actor : {"client", "server"})
      for (auto& v : test::rfc8448_values(s, actor, "construct", name)) out.push_back(v);
  return out;
}

TEST(PostHello, EncryptedExtensionsFromTracesRoundTrip) {
  auto msgs = all("EncryptedExtensions");
  ASSERT_EQ(msgs.size(), 5u);
  for (const auto& m : msgs) {
    ASSERT_EQ(m[0], std::byte{8});
    auto ee = decode_encrypted_extensions(body(m));
    ASSERT_TRUE(ee) << ee.error().message();
    byte_vec again;
    writer w(again);
    ASSERT_TRUE(encode_encrypted_extensions(w, body(m).subspan(2)));
    EXPECT_EQ(hex(view(again)), hex(view(m)));
  }
}

TEST(PostHello, CertificatesFromTracesRoundTrip) {
  auto msgs = all("Certificate");
  ASSERT_GE(msgs.size(), 4u);  // server certificates in §3, §5, §6, §7 and the client's in §6
  for (const auto& m : msgs) {
    ASSERT_EQ(m[0], std::byte{11});
    auto c = decode_certificate(body(m));
    ASSERT_TRUE(c) << c.error().message();
    ASSERT_EQ(c->entries.size(), 1u);
    std::vector<bytes> chain{c->entries[0].cert_data};
    byte_vec again;
    writer w(again);
    ASSERT_TRUE(encode_certificate(w, c->context, chain));
    EXPECT_EQ(hex(view(again)), hex(view(m)));
  }
}

TEST(PostHello, CertificateVerifyAndFinishedFromTraces) {
  for (const auto& m : all("CertificateVerify")) {
    auto cv = decode_certificate_verify(body(m));
    ASSERT_TRUE(cv);
    // rsa_pss_rsae_sha256, except the §6 server which signs with ecdsa_secp256r1_sha256 as printed.
    EXPECT_TRUE(cv->scheme == 0x0804 || cv->scheme == 0x0403) << cv->scheme;
    byte_vec again;
    writer w(again);
    ASSERT_TRUE(encode_certificate_verify(w, cv->scheme, cv->signature));
    EXPECT_EQ(hex(view(again)), hex(view(m)));
  }
  auto fins = all("Finished");
  ASSERT_GE(fins.size(), 10u);
  for (const auto& m : fins) {
    auto f = decode_finished(body(m), 32);
    ASSERT_TRUE(f);
    EXPECT_FALSE(decode_finished(body(m), 48));
  }
}

TEST(PostHello, NewSessionTicketAndCertificateRequestFromTraces) {
  auto tickets = all("NewSessionTicket");
  ASSERT_GE(tickets.size(), 1u);
  for (const auto& m : tickets) {
    auto t = decode_new_session_ticket(body(m));
    ASSERT_TRUE(t) << t.error().message();
    EXPECT_TRUE(t->extensions.has(extension_type::early_data));  // RFC 8448 §3 allows 0-RTT
    byte_vec again;
    writer w(again);
    const std::size_t fixed = 4 + 4 + 1 + t->nonce.size() + 2 + t->ticket.size();
    ASSERT_TRUE(encode_new_session_ticket(w, *t, body(m).subspan(fixed + 2)));
    EXPECT_EQ(hex(view(again)), hex(view(m)));
  }
  auto crs = all("CertificateRequest");
  ASSERT_EQ(crs.size(), 1u);
  auto cr = decode_certificate_request(body(crs[0]));
  ASSERT_TRUE(cr) << cr.error().message();
  EXPECT_TRUE(cr->context.empty());
}

TEST(PostHello, MalformedMessages) {
  // KeyUpdate: only 0 and 1 are legal (§4.6.3).
  EXPECT_EQ(*decode_key_update(view(test::unhex("01"))), key_update_request::update_requested);
  auto ku = decode_key_update(view(test::unhex("02")));
  ASSERT_FALSE(ku);
  EXPECT_EQ(to_alert(ku.error()), alert_description::illegal_parameter);
  EXPECT_EQ(to_alert(decode_key_update(view(test::unhex("0000"))).error()), alert_description::decode_error);
  EXPECT_EQ(to_alert(decode_key_update({}).error()), alert_description::decode_error);
  // EndOfEarlyData must be empty.
  EXPECT_TRUE(decode_end_of_early_data({}));
  EXPECT_FALSE(decode_end_of_early_data(view(test::unhex("00"))));
  // CertificateRequest without signature_algorithms: missing_extension (§4.3.2).
  auto cr =
      decode_certificate_request(view(test::unhex("00"
                                                  "0004"
                                                  "002b0000")));
  ASSERT_FALSE(cr);
  // supported_versions is not allowed in a CertificateRequest, so that is illegal_parameter first.
  EXPECT_EQ(to_alert(cr.error()), alert_description::illegal_parameter);
  auto cr2 =
      decode_certificate_request(view(test::unhex("00"
                                                  "0004"
                                                  "ff010000")));
  ASSERT_FALSE(cr2);
  EXPECT_EQ(to_alert(cr2.error()), alert_description::missing_extension);
  // Certificate with an empty cert_data.
  EXPECT_EQ(to_alert(decode_certificate(view(test::unhex("00"
                                                         "000005"
                                                         "000000"
                                                         "0000")))
                         .error()),
            alert_description::decode_error);
  // A chain longer than the limit.
  byte_vec many;
  writer w(many);
  w.u8(0);
  auto list = w.begin(3);
  for (int i = 0; i < 11; ++i) {
    w.u24(1);
    w.u8(0x30);
    w.u16(0);
  }
  ASSERT_TRUE(w.end(list));
  auto c = decode_certificate(view(many));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), make_error_code(decode_errc::too_many_items));
  // NewSessionTicket with an empty ticket.
  EXPECT_FALSE(
      decode_new_session_ticket(view(test::unhex("00000001"
                                                 "00000002"
                                                 "00"
                                                 "0000"
                                                 "0000"))));
  // CertificateVerify with trailing bytes.
  EXPECT_EQ(decode_certificate_verify(view(test::unhex("0804"
                                                       "0001"
                                                       "aa"
                                                       "bb")))
                .error(),
            make_error_code(decode_errc::trailing_data));
}

TEST(PostHello, CertificateVerifyContentLayout) {
  byte_vec th(32, std::byte{0xab});
  auto c = certificate_verify_content(signer_role::server, view(th));
  ASSERT_EQ(c.size(), 64u + 33u + 1u + 32u);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(c[static_cast<std::size_t>(i)], std::byte{0x20});
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(c.data() + 64), 33),
            "TLS 1.3, server CertificateVerify");
  EXPECT_EQ(c[97], std::byte{0});
  auto cc = certificate_verify_content(signer_role::client, view(th));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(cc.data() + 64), 33),
            "TLS 1.3, client CertificateVerify");
}

}  // namespace
}  // namespace tls13::handshake
