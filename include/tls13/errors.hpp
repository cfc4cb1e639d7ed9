// Error taxonomy. Every failure the core reports is a std::error_code in one of six categories:
//
//   decode       the peer sent bytes that do not parse (lengths, truncation, out-of-range values)
//   protocol     well-formed input that breaks the protocol (wrong order, bad MAC, bad parameter)
//   alert        the peer sent us a fatal alert; the value is the alert's description
//   certificate  the peer's certificate chain was rejected
//   policy       no acceptable parameters in common, or something our configuration forbids
//   internal     a local failure (crypto library, misuse of the API, resource limit)
//
// to_alert() gives the alert RFC 8446 §6 requires us to send for each of them. The split into a
// `protocol` category in addition to the five named by the design keeps "could not parse" (decode_error)
// apart from "parsed but not allowed" (unexpected_message, illegal_parameter, ...), which callers and
// the BoGo error map need to tell apart.
#pragma once

#include <system_error>

#include "tls13/types.hpp"

namespace tls13 {

enum class decode_errc {
  truncated = 1,        // a length points past the end of its container
  trailing_data,        // bytes left over after a structure that must fill its container
  bad_length,           // a length field breaks its declared bounds (e.g. empty vector<1..>)
  record_too_large,     // TLSCiphertext > 2^14+256 or TLSPlaintext > 2^14
  message_too_large,    // a handshake message over the configured cap
  bad_value,            // an enumerated field holds a value that is not allowed there
  duplicate_extension,  // the same extension twice in one message
  too_many_items,       // more list entries than the configured limit (extensions, shares, ...)
};

enum class protocol_errc {
  unexpected_message = 1,    // message or record type not allowed in the current state
  bad_record_mac,            // AEAD authentication failed
  illegal_parameter,         // a field holds a value that is not legal in this context
  missing_extension,         // a mandatory extension is absent
  unsupported_extension,     // an extension appeared where it is not allowed
  decrypt_error,             // Finished or CertificateVerify check failed
  empty_fragment,            // zero-length handshake or alert fragment (RFC 8446 §5.1)
  bad_padding,               // TLSInnerPlaintext was all zeros: no content type
  message_spans_key_change,  // handshake data left where a flight ends or keys change (RFC 8446 §5.1)
  interleaved_content,       // other content between fragments of one handshake message
  protocol_version,          // peer does not speak TLS 1.3
  key_limit_reached,         // too many records under one key and no KeyUpdate possible
  truncated,                 // the transport ended without close_notify (possible truncation attack)
  empty_certificate,         // a server's Certificate with no entry (§4.4.2.4: alert decode_error)
  too_many_records,          // more compatibility CCS records than limits::max_ccs_records
};

enum class certificate_errc {
  bad_certificate = 1,      // corrupt or unparsable certificate
  unsupported_certificate,  // key type or algorithm we cannot use
  revoked,
  expired,               // outside its validity period (also: not yet valid)
  unknown_issuer,        // no path to a trust anchor
  name_mismatch,         // the server name is not in the certificate
  bad_signature,         // a signature in the chain does not verify
  constraint_violated,   // basicConstraints / nameConstraints / pathLen
  bad_key_usage,         // keyUsage or extendedKeyUsage does not allow this use
  chain_too_long,        // more certificates or path-building work than the configured bound
  certificate_required,  // the peer sent no certificate but one is required
  unknown,               // rejected for another reason (e.g. by the application's callback)
  bad_status_response,  // a stapled OCSP response is unusable (RFC 6066 §8: bad_certificate_status_response)
};

enum class policy_errc {
  no_common_cipher_suite = 1,
  no_common_group,
  no_common_signature_scheme,
  no_application_protocol,  // ALPN: no protocol in common
  unsupported_version,      // no TLS 1.3 in supported_versions
  insufficient_security,    // key or parameter too weak for the configured policy
  early_data_rejected,      // 0-RTT refused (informational: the handshake goes on)
  unrecognized_name,        // SNI names no configured server
  psk_rejected,
  handshake_failure,  // parameters could not be agreed for another reason
};

enum class internal_errc {
  crypto_failure = 1,  // libcrypto reported an error
  invalid_argument,    // the API was called with a value it does not accept
  invalid_state,       // the API was called in a state where it is not allowed
  buffer_too_small,    // an output buffer cannot hold the result
  limit_exceeded,      // a local resource limit was hit
  random_failure,      // the CSPRNG failed
  key_mismatch,        // private key does not match the certificate, or wrong key type
  aborted,             // the application ended the connection (connection::abort)
};

const std::error_category& decode_category() noexcept;
const std::error_category& protocol_category() noexcept;
const std::error_category& certificate_category() noexcept;
const std::error_category& policy_category() noexcept;
const std::error_category& internal_category() noexcept;
// Values are 256 + the alert description, so close_notify (0) still makes a non-zero error_code.
const std::error_category& alert_category() noexcept;

std::error_code make_error_code(decode_errc) noexcept;
std::error_code make_error_code(protocol_errc) noexcept;
std::error_code make_error_code(certificate_errc) noexcept;
std::error_code make_error_code(policy_errc) noexcept;
std::error_code make_error_code(internal_errc) noexcept;

// The error for "the peer sent us this alert".
std::error_code alert_received(alert_description) noexcept;
// If ec was made by alert_received(), the description; otherwise false is returned.
bool received_alert(std::error_code ec, alert_description& out) noexcept;

// The alert RFC 8446 §6 requires us to send for a locally detected error.
// Errors the peer told us about (alert category) need no answer: they map to close_notify,
// and callers must not send an alert for them.
alert_description to_alert(std::error_code ec) noexcept;

// The alert's name in RFC 8446 spelling ("handshake_failure"), or "unknown".
const char* alert_name(alert_description) noexcept;

}  // namespace tls13

namespace std {
template <>
struct is_error_code_enum<tls13::decode_errc> : true_type {};
template <>
struct is_error_code_enum<tls13::protocol_errc> : true_type {};
template <>
struct is_error_code_enum<tls13::certificate_errc> : true_type {};
template <>
struct is_error_code_enum<tls13::policy_errc> : true_type {};
template <>
struct is_error_code_enum<tls13::internal_errc> : true_type {};
}  // namespace std
