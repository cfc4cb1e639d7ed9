// Finished verify_data (RFC 8446 §4.4.4) and PSK binders (§4.2.11.2), with constant-time checks.
#pragma once

#include "crypto/hash.hpp"
#include "keyschedule/key_schedule.hpp"
#include "tls13/types.hpp"

namespace tls13::keyschedule {

// verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*, CertificateVerify*))
// with finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length). BaseKey is the
// sender's handshake traffic secret, or client_application_traffic_secret_N after the handshake.
// `transcript` must be Hash.length octets (internal_errc::invalid_argument).
result<crypto::digest> finished_verify_data(const traffic_secret& base_key,
                                            const crypto::digest& transcript) noexcept;

// Checks a received Finished body in constant time: protocol_errc::decrypt_error when it differs
// (including a wrong length), as §4.4.4 requires.
result<void> verify_finished(const traffic_secret& base_key, const crypto::digest& transcript,
                             bytes received_verify_data) noexcept;

// PskBinderEntry = HMAC(finished_key(binder_key), Transcript-Hash(Truncate(ClientHello)))
// (§4.2.11.2): `truncated_transcript` is the hash of the transcript up to and including
// PreSharedKeyExtension.identities, i.e. without the binders list (after a HelloRetryRequest it also
// covers message_hash(ClientHello1) and the HelloRetryRequest).
result<crypto::digest> psk_binder(const binder_key& key, const crypto::digest& truncated_transcript) noexcept;

// Checks a received binder in constant time: protocol_errc::decrypt_error when it differs (§6.2:
// decrypt_error covers "unable to ... validate a Finished message or a PSK binder").
result<void> verify_psk_binder(const binder_key& key, const crypto::digest& truncated_transcript,
                               bytes received_binder) noexcept;

}  // namespace tls13::keyschedule
