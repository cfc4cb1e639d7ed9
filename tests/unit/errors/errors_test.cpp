#include "tls13/errors.hpp"

#include <gtest/gtest.h>

namespace tls13 {
namespace {

TEST(Errors, DecodeErrorsMapToRfcAlerts) {
  EXPECT_EQ(to_alert(decode_errc::truncated), alert_description::decode_error);
  EXPECT_EQ(to_alert(decode_errc::trailing_data), alert_description::decode_error);
  EXPECT_EQ(to_alert(decode_errc::record_too_large), alert_description::record_overflow);
  EXPECT_EQ(to_alert(decode_errc::duplicate_extension), alert_description::illegal_parameter);
}

TEST(Errors, ProtocolErrorsMapToRfcAlerts) {
  EXPECT_EQ(to_alert(protocol_errc::unexpected_message), alert_description::unexpected_message);
  EXPECT_EQ(to_alert(protocol_errc::bad_record_mac), alert_description::bad_record_mac);
  EXPECT_EQ(to_alert(protocol_errc::bad_padding), alert_description::unexpected_message);
  EXPECT_EQ(to_alert(protocol_errc::empty_fragment), alert_description::unexpected_message);
  EXPECT_EQ(to_alert(protocol_errc::decrypt_error), alert_description::decrypt_error);
  EXPECT_EQ(to_alert(protocol_errc::missing_extension), alert_description::missing_extension);
}

TEST(Errors, CertificateAndPolicyErrorsMapToRfcAlerts) {
  EXPECT_EQ(to_alert(certificate_errc::expired), alert_description::certificate_expired);
  EXPECT_EQ(to_alert(certificate_errc::unknown_issuer), alert_description::unknown_ca);
  EXPECT_EQ(to_alert(certificate_errc::unsupported_certificate), alert_description::unsupported_certificate);
  EXPECT_EQ(to_alert(certificate_errc::revoked), alert_description::certificate_revoked);
  EXPECT_EQ(to_alert(certificate_errc::certificate_required), alert_description::certificate_required);
  EXPECT_EQ(to_alert(certificate_errc::bad_status_response),
            alert_description::bad_certificate_status_response);
  EXPECT_EQ(to_alert(policy_errc::no_application_protocol), alert_description::no_application_protocol);
  EXPECT_EQ(to_alert(policy_errc::no_common_cipher_suite), alert_description::handshake_failure);
  EXPECT_EQ(to_alert(policy_errc::unsupported_version), alert_description::protocol_version);
  EXPECT_EQ(to_alert(internal_errc::crypto_failure), alert_description::internal_error);
}

TEST(Errors, ReceivedAlertRoundTripsEvenForCloseNotify) {
  for (auto d : {alert_description::close_notify, alert_description::bad_record_mac,
                 alert_description::no_application_protocol}) {
    std::error_code ec = alert_received(d);
    EXPECT_TRUE(ec) << "an alert must be a non-zero error_code";
    alert_description got{};
    ASSERT_TRUE(received_alert(ec, got));
    EXPECT_EQ(got, d);
    // We never answer an alert with an alert.
    EXPECT_EQ(to_alert(ec), alert_description::close_notify);
  }
  alert_description got{};
  EXPECT_FALSE(received_alert(make_error_code(protocol_errc::bad_record_mac), got));
  EXPECT_NE(alert_received(alert_description::handshake_failure).message().find("handshake_failure"),
            std::string::npos);
}

TEST(Errors, CategoriesAreDistinctAndMessagesNonEmpty) {
  const std::error_code codes[] = {decode_errc::truncated, protocol_errc::unexpected_message,
                                   certificate_errc::expired, policy_errc::no_common_group,
                                   internal_errc::crypto_failure};
  for (std::size_t i = 0; i < std::size(codes); ++i) {
    EXPECT_FALSE(codes[i].message().empty());
    EXPECT_EQ(std::string(codes[i].category().name()).rfind("tls13.", 0), 0u);
    for (std::size_t j = i + 1; j < std::size(codes); ++j)
      EXPECT_NE(&codes[i].category(), &codes[j].category());
  }
}

TEST(Errors, ResultCarriesValueOrError) {
  result<int> ok = 5;
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 5);
  result<int> bad = protocol_errc::illegal_parameter;
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), make_error_code(protocol_errc::illegal_parameter));
  result<void> v;
  EXPECT_TRUE(v);
  result<void> e = decode_errc::truncated;
  EXPECT_EQ(e.error(), make_error_code(decode_errc::truncated));
}

}  // namespace
}  // namespace tls13
