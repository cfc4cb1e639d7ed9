// Error categories, their messages and the error -> alert table (RFC 8446 §6.2).
#include "tls13/errors.hpp"

#include <string>

namespace tls13 {
namespace {

using ad = alert_description;

struct decode_cat final : std::error_category {
  const char* name() const noexcept override { return "tls13.decode"; }
  std::string message(int v) const override {
    switch (static_cast<decode_errc>(v)) {
      case decode_errc::truncated:
        return "peer message truncated: a length points past its end";
      case decode_errc::trailing_data:
        return "peer message has unexpected trailing bytes";
      case decode_errc::bad_length:
        return "peer message has a length field outside its legal range";
      case decode_errc::record_too_large:
        return "peer record exceeds the maximum TLS record size";
      case decode_errc::message_too_large:
        return "peer handshake message exceeds the configured size limit";
      case decode_errc::bad_value:
        return "peer message holds a value that is not allowed there";
      case decode_errc::duplicate_extension:
        return "peer message repeats an extension";
      case decode_errc::too_many_items:
        return "peer message has more list entries than the configured limit";
    }
    return "unknown decode error";
  }
};

struct protocol_cat final : std::error_category {
  const char* name() const noexcept override { return "tls13.protocol"; }
  std::string message(int v) const override {
    switch (static_cast<protocol_errc>(v)) {
      case protocol_errc::unexpected_message:
        return "peer sent a message that is not allowed at this point of the protocol";
      case protocol_errc::bad_record_mac:
        return "record failed authentication (corrupted, forged or wrong keys)";
      case protocol_errc::illegal_parameter:
        return "peer sent an illegal parameter value";
      case protocol_errc::missing_extension:
        return "peer omitted a mandatory extension";
      case protocol_errc::unsupported_extension:
        return "peer sent an extension that is not allowed in that message";
      case protocol_errc::decrypt_error:
        return "handshake signature or Finished verification failed";
      case protocol_errc::empty_fragment:
        return "peer sent a zero-length handshake or alert record";
      case protocol_errc::bad_padding:
        return "decrypted record has no content type (all padding)";
      case protocol_errc::message_spans_key_change:
        return "handshake data left over where a flight ends or the keys change";
      case protocol_errc::interleaved_content:
        return "peer interleaved other records inside a fragmented handshake message";
      case protocol_errc::protocol_version:
        return "peer does not support TLS 1.3";
      case protocol_errc::key_limit_reached:
        return "too many records under one key; the connection must be closed";
      case protocol_errc::truncated:
        return "connection closed by the transport without close_notify (possible truncation)";
      case protocol_errc::empty_certificate:
        return "server sent an empty Certificate message";
      case protocol_errc::too_many_records:
        return "too many ChangeCipherSpec records";
    }
    return "unknown protocol error";
  }
};

struct certificate_cat final : std::error_category {
  const char* name() const noexcept override { return "tls13.certificate"; }
  std::string message(int v) const override {
    switch (static_cast<certificate_errc>(v)) {
      case certificate_errc::bad_certificate:
        return "certificate is corrupt or cannot be parsed";
      case certificate_errc::unsupported_certificate:
        return "certificate uses a key type or algorithm that is not supported";
      case certificate_errc::revoked:
        return "certificate has been revoked";
      case certificate_errc::expired:
        return "certificate is expired or not yet valid";
      case certificate_errc::unknown_issuer:
        return "certificate chain does not lead to a trusted root (unknown issuer)";
      case certificate_errc::name_mismatch:
        return "certificate is not valid for the requested server name";
      case certificate_errc::bad_signature:
        return "a signature in the certificate chain is invalid";
      case certificate_errc::constraint_violated:
        return "certificate chain violates a basic or name constraint";
      case certificate_errc::bad_key_usage:
        return "certificate key usage does not allow this use";
      case certificate_errc::chain_too_long:
        return "certificate chain exceeds the configured depth or path-building limit";
      case certificate_errc::certificate_required:
        return "peer did not send a required certificate";
      case certificate_errc::unknown:
        return "certificate was rejected";
      case certificate_errc::bad_status_response:
        return "the stapled OCSP response is invalid, stale or not about this certificate";
    }
    return "unknown certificate error";
  }
};

struct policy_cat final : std::error_category {
  const char* name() const noexcept override { return "tls13.policy"; }
  std::string message(int v) const override {
    switch (static_cast<policy_errc>(v)) {
      case policy_errc::no_common_cipher_suite:
        return "no cipher suite in common with the peer";
      case policy_errc::no_common_group:
        return "no key exchange group in common with the peer";
      case policy_errc::no_common_signature_scheme:
        return "no signature scheme in common with the peer";
      case policy_errc::no_application_protocol:
        return "no application protocol (ALPN) in common with the peer";
      case policy_errc::unsupported_version:
        return "peer does not offer TLS 1.3";
      case policy_errc::insufficient_security:
        return "peer parameters are weaker than the configured policy allows";
      case policy_errc::early_data_rejected:
        return "early data was rejected";
      case policy_errc::unrecognized_name:
        return "server name is not configured on this server";
      case policy_errc::psk_rejected:
        return "pre-shared key was rejected";
      case policy_errc::handshake_failure:
        return "handshake parameters could not be agreed";
    }
    return "unknown policy error";
  }
};

struct internal_cat final : std::error_category {
  const char* name() const noexcept override { return "tls13.internal"; }
  std::string message(int v) const override {
    switch (static_cast<internal_errc>(v)) {
      case internal_errc::crypto_failure:
        return "cryptographic library operation failed";
      case internal_errc::invalid_argument:
        return "invalid argument";
      case internal_errc::invalid_state:
        return "operation not allowed in the current state";
      case internal_errc::buffer_too_small:
        return "output buffer too small";
      case internal_errc::limit_exceeded:
        return "local resource limit exceeded";
      case internal_errc::random_failure:
        return "random number generator failed";
      case internal_errc::key_mismatch:
        return "private key does not match or has the wrong type";
      case internal_errc::aborted:
        return "connection aborted by the application";
    }
    return "unknown internal error";
  }
};

struct alert_cat final : std::error_category {
  const char* name() const noexcept override { return "tls13.alert"; }
  std::string message(int v) const override {
    return std::string("peer sent alert: ") + alert_name(static_cast<ad>(v - 256));
  }
};

const decode_cat decode_instance;
const protocol_cat protocol_instance;
const certificate_cat certificate_instance;
const policy_cat policy_instance;
const internal_cat internal_instance;
const alert_cat alert_instance;

ad decode_alert(decode_errc e) noexcept {
  switch (e) {
    case decode_errc::record_too_large:
      return ad::record_overflow;
    case decode_errc::duplicate_extension:
      return ad::illegal_parameter;  // RFC 8446 §4.2
    case decode_errc::bad_value:
      return ad::illegal_parameter;
    default:
      return ad::decode_error;
  }
}

ad protocol_alert(protocol_errc e) noexcept {
  switch (e) {
    case protocol_errc::unexpected_message:
    case protocol_errc::empty_fragment:
    case protocol_errc::bad_padding:
    case protocol_errc::message_spans_key_change:
    case protocol_errc::interleaved_content:
    case protocol_errc::too_many_records:
      return ad::unexpected_message;
    case protocol_errc::empty_certificate:
      return ad::decode_error;  // RFC 8446 §4.4.2.4
    case protocol_errc::bad_record_mac:
      return ad::bad_record_mac;
    case protocol_errc::illegal_parameter:
      return ad::illegal_parameter;
    case protocol_errc::missing_extension:
      return ad::missing_extension;
    case protocol_errc::unsupported_extension:
      return ad::unsupported_extension;
    case protocol_errc::decrypt_error:
      return ad::decrypt_error;
    case protocol_errc::protocol_version:
      return ad::protocol_version;
    case protocol_errc::key_limit_reached:
    case protocol_errc::truncated:  // nothing is sent: the transport is gone
      return ad::internal_error;
  }
  return ad::internal_error;
}

ad certificate_alert(certificate_errc e) noexcept {
  switch (e) {
    case certificate_errc::bad_certificate:
    case certificate_errc::bad_signature:
    case certificate_errc::name_mismatch:
    case certificate_errc::constraint_violated:
    case certificate_errc::bad_key_usage:
    case certificate_errc::chain_too_long:
      return ad::bad_certificate;
    case certificate_errc::unsupported_certificate:
      return ad::unsupported_certificate;
    case certificate_errc::revoked:
      return ad::certificate_revoked;
    case certificate_errc::expired:
      return ad::certificate_expired;
    case certificate_errc::unknown_issuer:
      return ad::unknown_ca;
    case certificate_errc::certificate_required:
      return ad::certificate_required;
    case certificate_errc::unknown:
      return ad::certificate_unknown;
    case certificate_errc::bad_status_response:
      return ad::bad_certificate_status_response;
  }
  return ad::certificate_unknown;
}

ad policy_alert(policy_errc e) noexcept {
  switch (e) {
    case policy_errc::no_application_protocol:
      return ad::no_application_protocol;
    case policy_errc::unsupported_version:
      return ad::protocol_version;
    case policy_errc::insufficient_security:
      return ad::insufficient_security;
    case policy_errc::unrecognized_name:
      return ad::unrecognized_name;
    default:
      return ad::handshake_failure;
  }
}

}  // namespace

const std::error_category& decode_category() noexcept { return decode_instance; }
const std::error_category& protocol_category() noexcept { return protocol_instance; }
const std::error_category& certificate_category() noexcept { return certificate_instance; }
const std::error_category& policy_category() noexcept { return policy_instance; }
const std::error_category& internal_category() noexcept { return internal_instance; }
const std::error_category& alert_category() noexcept { return alert_instance; }

std::error_code make_error_code(decode_errc e) noexcept { return {static_cast<int>(e), decode_instance}; }
std::error_code make_error_code(protocol_errc e) noexcept { return {static_cast<int>(e), protocol_instance}; }
std::error_code make_error_code(certificate_errc e) noexcept {
  return {static_cast<int>(e), certificate_instance};
}
std::error_code make_error_code(policy_errc e) noexcept { return {static_cast<int>(e), policy_instance}; }
std::error_code make_error_code(internal_errc e) noexcept { return {static_cast<int>(e), internal_instance}; }

std::error_code alert_received(alert_description d) noexcept {
  return {256 + static_cast<int>(d), alert_instance};
}

bool received_alert(std::error_code ec, alert_description& out) noexcept {
  if (ec.category() != alert_instance) return false;
  out = static_cast<alert_description>(ec.value() - 256);
  return true;
}

alert_description to_alert(std::error_code ec) noexcept {
  const auto& c = ec.category();
  const int v = ec.value();
  if (c == decode_instance) return decode_alert(static_cast<decode_errc>(v));
  if (c == protocol_instance) return protocol_alert(static_cast<protocol_errc>(v));
  if (c == certificate_instance) return certificate_alert(static_cast<certificate_errc>(v));
  if (c == policy_instance) return policy_alert(static_cast<policy_errc>(v));
  if (c == alert_instance) return ad::close_notify;
  return ad::internal_error;
}

const char* alert_name(alert_description d) noexcept {
  switch (d) {
    case ad::close_notify:
      return "close_notify";
    case ad::unexpected_message:
      return "unexpected_message";
    case ad::bad_record_mac:
      return "bad_record_mac";
    case ad::record_overflow:
      return "record_overflow";
    case ad::handshake_failure:
      return "handshake_failure";
    case ad::bad_certificate:
      return "bad_certificate";
    case ad::unsupported_certificate:
      return "unsupported_certificate";
    case ad::certificate_revoked:
      return "certificate_revoked";
    case ad::certificate_expired:
      return "certificate_expired";
    case ad::certificate_unknown:
      return "certificate_unknown";
    case ad::illegal_parameter:
      return "illegal_parameter";
    case ad::unknown_ca:
      return "unknown_ca";
    case ad::access_denied:
      return "access_denied";
    case ad::decode_error:
      return "decode_error";
    case ad::decrypt_error:
      return "decrypt_error";
    case ad::protocol_version:
      return "protocol_version";
    case ad::insufficient_security:
      return "insufficient_security";
    case ad::internal_error:
      return "internal_error";
    case ad::inappropriate_fallback:
      return "inappropriate_fallback";
    case ad::user_canceled:
      return "user_canceled";
    case ad::missing_extension:
      return "missing_extension";
    case ad::unsupported_extension:
      return "unsupported_extension";
    case ad::unrecognized_name:
      return "unrecognized_name";
    case ad::bad_certificate_status_response:
      return "bad_certificate_status_response";
    case ad::unknown_psk_identity:
      return "unknown_psk_identity";
    case ad::certificate_required:
      return "certificate_required";
    case ad::no_application_protocol:
      return "no_application_protocol";
  }
  return "unknown";
}

}  // namespace tls13
