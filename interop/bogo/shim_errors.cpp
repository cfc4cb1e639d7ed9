// Error mapping for the BoGo shim. The reason names are BoringSSL's (include/openssl/ssl.h,
// SSL_R_*), chosen for the meaning of our error value, not for any one test.
#include "shim_errors.hpp"

#include "tls13/errors.hpp"

namespace bogo {
namespace {

using namespace tls13;

const char* decode_reason(decode_errc e) {
  switch (e) {
    case decode_errc::record_too_large:
      return ":DATA_LENGTH_TOO_LONG:";
    case decode_errc::message_too_large:
      return ":EXCESSIVE_MESSAGE_SIZE:";
    case decode_errc::duplicate_extension:
      return ":DUPLICATE_EXTENSION:";
    case decode_errc::too_many_items:
      return ":TOO_MANY_ITEMS:";  // ErrorMap: TOO_MANY_EMPTY_FRAGMENTS, TOO_MANY_WARNING_ALERTS, ...
    case decode_errc::bad_value:
      return ":BAD_VALUE:";
    default:
      return ":DECODE_ERROR:";
  }
}

const char* protocol_reason(protocol_errc e) {
  switch (e) {
    case protocol_errc::unexpected_message:
      return ":UNEXPECTED_MESSAGE:";
    case protocol_errc::bad_record_mac:
    case protocol_errc::bad_padding:
      return ":DECRYPTION_FAILED_OR_BAD_RECORD_MAC:";
    case protocol_errc::illegal_parameter:
      return ":ILLEGAL_PARAMETER:";
    case protocol_errc::missing_extension:
      return ":MISSING_EXTENSION:";
    case protocol_errc::unsupported_extension:
      return ":UNEXPECTED_EXTENSION:";
    case protocol_errc::decrypt_error:
      return ":DECRYPT_ERROR:";  // ErrorMap: DIGEST_CHECK_FAILED (Finished), BAD_SIGNATURE
                                 // (CertificateVerify)
    case protocol_errc::empty_fragment:
      return ":EMPTY_FRAGMENT:";
    case protocol_errc::message_spans_key_change:
      return ":EXCESS_HANDSHAKE_DATA:";
    case protocol_errc::interleaved_content:
      return ":INTERLEAVED_CONTENT:";
    case protocol_errc::protocol_version:
      return ":UNSUPPORTED_PROTOCOL:";
    case protocol_errc::truncated:
      return ":UNEXPECTED_EOF:";
    case protocol_errc::key_limit_reached:
      return ":KEY_LIMIT_REACHED:";
    case protocol_errc::empty_certificate:
      return ":PEER_DID_NOT_RETURN_A_CERTIFICATE:";
    case protocol_errc::too_many_records:
      return ":TOO_MANY_ITEMS:";  // ErrorMap: TOO_MANY_EMPTY_FRAGMENTS
  }
  return ":UNKNOWN_PROTOCOL_ERROR:";
}

const char* certificate_reason(certificate_errc e) {
  switch (e) {
    case certificate_errc::bad_certificate:
      return ":CANNOT_PARSE_LEAF_CERT:";
    case certificate_errc::unsupported_certificate:
      return ":UNSUPPORTED_CERTIFICATE:";
    case certificate_errc::bad_key_usage:
      return ":KEY_USAGE_BIT_INCORRECT:";
    case certificate_errc::certificate_required:
      return ":PEER_DID_NOT_RETURN_A_CERTIFICATE:";
    default:
      return ":CERTIFICATE_VERIFY_FAILED:";
  }
}

const char* policy_reason(policy_errc e) {
  switch (e) {
    case policy_errc::no_common_cipher_suite:
      return ":NO_SHARED_CIPHER:";
    case policy_errc::no_common_group:
      return ":NO_SHARED_GROUP:";
    case policy_errc::no_common_signature_scheme:
      return ":NO_COMMON_SIGNATURE_ALGORITHMS:";
    case policy_errc::no_application_protocol:
      return ":NO_APPLICATION_PROTOCOL:";
    case policy_errc::unsupported_version:
      return ":UNSUPPORTED_PROTOCOL:";
    case policy_errc::insufficient_security:
      return ":INSUFFICIENT_SECURITY:";
    case policy_errc::unrecognized_name:
      return ":UNRECOGNIZED_NAME:";
    case policy_errc::early_data_rejected:
      return ":EARLY_DATA_REJECTED:";
    case policy_errc::psk_rejected:
      return ":PSK_REJECTED:";
    case policy_errc::handshake_failure:
      return ":HANDSHAKE_FAILURE:";
  }
  return ":UNKNOWN_POLICY_ERROR:";
}

// BoringSSL's SSL_R_*_ALERT_* reason for a received alert (include/openssl/ssl.h, 1000 + alert).
std::string alert_reason(alert_description d) {
  struct entry {
    unsigned code;
    const char* name;
  };
  static constexpr entry names[] = {
      {0, "SSLV3_ALERT_CLOSE_NOTIFY"},
      {10, "SSLV3_ALERT_UNEXPECTED_MESSAGE"},
      {20, "SSLV3_ALERT_BAD_RECORD_MAC"},
      {21, "TLSV1_ALERT_DECRYPTION_FAILED"},
      {22, "TLSV1_ALERT_RECORD_OVERFLOW"},
      {30, "SSLV3_ALERT_DECOMPRESSION_FAILURE"},
      {40, "SSLV3_ALERT_HANDSHAKE_FAILURE"},
      {41, "SSLV3_ALERT_NO_CERTIFICATE"},
      {42, "SSLV3_ALERT_BAD_CERTIFICATE"},
      {43, "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE"},
      {44, "SSLV3_ALERT_CERTIFICATE_REVOKED"},
      {45, "SSLV3_ALERT_CERTIFICATE_EXPIRED"},
      {46, "SSLV3_ALERT_CERTIFICATE_UNKNOWN"},
      {47, "SSLV3_ALERT_ILLEGAL_PARAMETER"},
      {48, "TLSV1_ALERT_UNKNOWN_CA"},
      {49, "TLSV1_ALERT_ACCESS_DENIED"},
      {50, "TLSV1_ALERT_DECODE_ERROR"},
      {51, "TLSV1_ALERT_DECRYPT_ERROR"},
      {60, "TLSV1_ALERT_EXPORT_RESTRICTION"},
      {70, "TLSV1_ALERT_PROTOCOL_VERSION"},
      {71, "TLSV1_ALERT_INSUFFICIENT_SECURITY"},
      {80, "TLSV1_ALERT_INTERNAL_ERROR"},
      {86, "TLSV1_ALERT_INAPPROPRIATE_FALLBACK"},
      {90, "TLSV1_ALERT_USER_CANCELLED"},
      {100, "TLSV1_ALERT_NO_RENEGOTIATION"},
      {110, "TLSV1_ALERT_UNSUPPORTED_EXTENSION"},
      {111, "TLSV1_ALERT_CERTIFICATE_UNOBTAINABLE"},
      {112, "TLSV1_ALERT_UNRECOGNIZED_NAME"},
      {113, "TLSV1_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE"},
      {114, "TLSV1_ALERT_BAD_CERTIFICATE_HASH_VALUE"},
      {115, "TLSV1_ALERT_UNKNOWN_PSK_IDENTITY"},
      {116, "TLSV1_ALERT_CERTIFICATE_REQUIRED"},
      {120, "TLSV1_ALERT_NO_APPLICATION_PROTOCOL"},
      {121, "TLSV1_ALERT_ECH_REQUIRED"},
  };
  const auto code = static_cast<unsigned>(d);
  for (const auto& e : names)
    if (e.code == code) return std::string(":") + e.name + ":";
  return ":UNKNOWN_ALERT_" + std::to_string(code) + ":";  // BoringSSL prints reason(1000 + code)
}

}  // namespace

std::string boringssl_reason(std::error_code ec) {
  const auto& cat = ec.category();
  const int v = ec.value();
  alert_description d{};
  if (received_alert(ec, d)) return alert_reason(d);
  if (cat == decode_category()) return decode_reason(static_cast<decode_errc>(v));
  if (cat == protocol_category()) return protocol_reason(static_cast<protocol_errc>(v));
  if (cat == certificate_category()) return certificate_reason(static_cast<certificate_errc>(v));
  if (cat == policy_category()) return policy_reason(static_cast<policy_errc>(v));
  if (cat == internal_category()) return ":INTERNAL_ERROR:";
  return ":SYSTEM_ERROR:";
}

std::string describe_error(std::error_code ec) {
  std::string line =
      std::string(ec.category().name()) + " " + std::to_string(ec.value()) + ": " + ec.message();
  alert_description d{};
  if (received_alert(ec, d)) {
    line += " (received alert " + std::string(alert_name(d)) + ")";
  } else if (ec.category() != std::generic_category() && ec.category() != std::system_category() &&
             ec != make_error_code(protocol_errc::truncated)) {
    line += " (sent alert " + std::string(alert_name(to_alert(ec))) + ")";
  }
  return line + " " + boringssl_reason(ec);
}

}  // namespace bogo
