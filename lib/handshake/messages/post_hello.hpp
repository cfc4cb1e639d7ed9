// The messages after the hellos (RFC 8446 §4.3-§4.6): EncryptedExtensions, CertificateRequest,
// Certificate, CertificateVerify, Finished, NewSessionTicket, EndOfEarlyData, KeyUpdate.
// Decoders take the message body (after the 4-byte header) and return views into it.
#pragma once

#include <cstdint>
#include <vector>

#include "handshake/messages/extensions.hpp"

namespace tls13::handshake {

// §4.3.1: Extension extensions<0..2^16-1>.
result<extension_block> decode_encrypted_extensions(bytes body, std::size_t max_extensions = 64) noexcept;

struct certificate_request {
  bytes context;  // certificate_request_context<0..2^8-1>
  extension_block extensions;
};
// §4.3.2: signature_algorithms is mandatory (missing_extension).
result<certificate_request> decode_certificate_request(bytes body, std::size_t max_extensions = 64) noexcept;

struct certificate_entry {
  bytes cert_data;  // DER X.509 (we support the X509 certificate type only)
  extension_block extensions;
};
struct certificate_msg {
  bytes context;
  std::vector<certificate_entry> entries;
};
struct certificate_limits {
  std::size_t max_entries = 10;  // chain length the peer may send
  std::size_t max_extensions_per_entry = 8;
};
// §4.4.2: cert_data<1..2^24-1>; certificate_list<0..2^24-1>.
result<certificate_msg> decode_certificate(bytes body, const certificate_limits& limits = {});

struct certificate_verify {
  std::uint16_t scheme;
  bytes signature;  // opaque signature<0..2^16-1>
};
result<certificate_verify> decode_certificate_verify(bytes body) noexcept;

// §4.4.4: verify_data is exactly Hash.length octets; another size is decode_error.
result<bytes> decode_finished(bytes body, std::size_t hash_len) noexcept;

struct new_session_ticket {
  std::uint32_t lifetime;
  std::uint32_t age_add;
  bytes nonce;   // ticket_nonce<0..255>
  bytes ticket;  // ticket<1..2^16-1>
  extension_block extensions;
};
result<new_session_ticket> decode_new_session_ticket(bytes body, std::size_t max_extensions = 16) noexcept;

enum class key_update_request : std::uint8_t { update_not_requested = 0, update_requested = 1 };
// §4.6.3: any other value is illegal_parameter.
result<key_update_request> decode_key_update(bytes body) noexcept;

// §4.5: EndOfEarlyData has an empty body.
result<void> decode_end_of_early_data(bytes body) noexcept;

// The content signed by CertificateVerify (§4.4.3): 64 spaces, the context string, a zero byte,
// then the transcript hash.
enum class signer_role : std::uint8_t { server, client };
std::vector<std::byte> certificate_verify_content(signer_role role, bytes transcript_hash);

// Encoders (whole messages, with the handshake header).
result<void> encode_encrypted_extensions(writer& w, bytes extensions);
result<void> encode_certificate_request(writer& w, bytes context, bytes extensions);
result<void> encode_certificate(writer& w, bytes context, const std::vector<bytes>& chain,
                                bytes leaf_extensions = {});
result<void> encode_certificate_verify(writer& w, std::uint16_t scheme, bytes signature);
result<void> encode_finished(writer& w, bytes verify_data);
result<void> encode_new_session_ticket(writer& w, const new_session_ticket& t, bytes extensions);
result<void> encode_key_update(writer& w, key_update_request r);
result<void> encode_end_of_early_data(writer& w);

}  // namespace tls13::handshake
