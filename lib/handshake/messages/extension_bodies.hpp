// Typed, zero-copy decoders (and encoders) for the bodies of the extensions TLS 1.3 uses.
// Views point into the message buffer, which must outlive them.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "handshake/messages/codec.hpp"

namespace tls13::handshake {

// A list of big-endian uint16 values (groups, suites, schemes, versions) viewed in place.
class u16_list {
 public:
  u16_list() noexcept = default;
  explicit u16_list(bytes raw) noexcept : raw_(raw) {}
  std::size_t size() const noexcept { return raw_.size() / 2; }
  std::uint16_t operator[](std::size_t i) const noexcept {
    return static_cast<std::uint16_t>(static_cast<unsigned>(raw_[2 * i]) << 8 |
                                      static_cast<unsigned>(raw_[2 * i + 1]));
  }
  bool contains(std::uint16_t v) const noexcept {
    for (std::size_t i = 0; i < size(); ++i)
      if ((*this)[i] == v) return true;
    return false;
  }
  bytes raw() const noexcept { return raw_; }

 private:
  bytes raw_;
};

// A u16 list with a `prefix`-byte length in [min, max]; odd lengths are decode_errc::bad_length.
result<u16_list> read_u16_list(reader& r, int prefix, std::size_t min, std::size_t max) noexcept;

struct key_share_entry {
  std::uint16_t group;
  bytes key_exchange;
};

inline constexpr std::uint16_t tls13_version = 0x0304;

// supported_versions in a ClientHello: versions<2..254>.
result<u16_list> decode_supported_versions_ch(bytes body) noexcept;
// supported_versions in a ServerHello / HelloRetryRequest: selected_version.
result<std::uint16_t> decode_supported_versions_sh(bytes body) noexcept;
// supported_groups: named_group_list<2..2^16-1>.
result<u16_list> decode_supported_groups(bytes body) noexcept;
// signature_algorithms(_cert): supported_signature_algorithms<2..2^16-2>.
result<u16_list> decode_signature_algorithms(bytes body) noexcept;

// key_share in a ClientHello: client_shares<0..2^16-1>. Duplicate groups are illegal_parameter
// (§4.2.8); more than max_shares entries is decode_errc::too_many_items.
result<std::vector<key_share_entry>> decode_key_share_ch(bytes body, std::size_t max_shares = 16);
// key_share in a ServerHello: one KeyShareEntry.
result<key_share_entry> decode_key_share_sh(bytes body) noexcept;
// key_share in a HelloRetryRequest: selected_group.
result<std::uint16_t> decode_key_share_hrr(bytes body) noexcept;

// server_name (RFC 6066 §3): the host_name, if the list has one. Bad or repeated name types and
// empty names are decode errors; an empty body is what a server sends back in EncryptedExtensions.
result<bytes> decode_server_name(bytes body) noexcept;

// ALPN (RFC 7301): ProtocolNameList<2..2^16-1> of ProtocolName<1..2^8-1>; empty names rejected.
result<std::vector<bytes>> decode_alpn(bytes body, std::size_t max_protocols = 32);

// certificate_authorities (RFC 8446 §4.2.4): DistinguishedName authorities<3..2^16-1>, each
// opaque DistinguishedName<1..2^16-1> (DER, not parsed here). Only the bytes are bounded (§4.2.4):
// every name is checked, the first max_names are returned, later ones dropped.
result<std::vector<std::vector<std::byte>>> decode_certificate_authorities(bytes body,
                                                                           std::size_t max_names = 256);

// cookie<1..2^16-1>.
result<bytes> decode_cookie(bytes body) noexcept;
// psk_key_exchange_modes: ke_modes<1..255>.
result<bytes> decode_psk_modes(bytes body) noexcept;
// record_size_limit (RFC 8449): uint16 >= 64, else illegal_parameter.
result<std::uint16_t> decode_record_size_limit(bytes body) noexcept;

// status_request (RFC 6066 §8). status_type 1 is ocsp.
inline constexpr std::uint8_t status_type_ocsp = 1;
// In a ClientHello: whether the client asks for OCSP (status_type ocsp with a well-formed
// OCSPStatusRequest: responder_id_list<0..2^16-1>, request_extensions<0..2^16-1>). Other status
// types are skipped (false); an empty or malformed body is a decode error.
result<bool> decode_status_request_ch(bytes body) noexcept;
// In a CertificateEntry (RFC 8446 §4.4.2.1): CertificateStatus { status_type ocsp, OCSPResponse
// <1..2^24-1> }. Another status_type is decode_errc::bad_value. Returns the DER OCSPResponse.
result<bytes> decode_certificate_status(bytes body) noexcept;

struct psk_identity {
  bytes identity;
  std::uint32_t obfuscated_ticket_age;
};
struct offered_psks {
  std::vector<psk_identity> identities;
  std::vector<bytes> binders;
  // Length of the binders<33..2^16-1> vector including its 2-byte length: the ClientHello is
  // hashed without these trailing bytes for the binder transcript (§4.2.11.2).
  std::size_t binders_size = 0;
};
// pre_shared_key in a ClientHello. The identity and binder counts must match (illegal_parameter).
result<offered_psks> decode_pre_shared_key_ch(bytes body, std::size_t max_identities = 8);
// pre_shared_key in a ServerHello: selected_identity.
result<std::uint16_t> decode_pre_shared_key_sh(bytes body) noexcept;

}  // namespace tls13::handshake
