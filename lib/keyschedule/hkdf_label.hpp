// HKDF-Expand-Label and Derive-Secret (RFC 8446 §7.1): the two primitives every TLS 1.3 secret,
// key, IV, Finished key, PSK and exporter value is derived with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/hash.hpp"
#include "tls13/secret.hpp"
#include "tls13/types.hpp"

namespace tls13::keyschedule {

// "tls13 " is prepended to every label (RFC 8446 §7.1).
inline constexpr std::string_view label_prefix = "tls13 ";
// opaque label<7..255> = "tls13 " + Label: Label is at most 249 octets. It may also be empty (a
// 6-octet label): RFC 8446's own labels never are, but an exporter label (§7.5, the RFC 5705
// interface) is the application's, and "" is a label BoringSSL and Go export with (BoGo runs it by
// default). HkdfLabel is only ever hashed, never sent, so nothing on the wire changes.
inline constexpr std::size_t max_label_size = 255 - label_prefix.size();
// opaque context<0..255>.
inline constexpr std::size_t max_context_size = 255;
// Largest encoded HkdfLabel: uint16 length, 1 + 255 label octets, 1 + 255 context octets.
inline constexpr std::size_t max_hkdf_label_size = 2 + 1 + 255 + 1 + 255;

// Writes the HkdfLabel structure
//   struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; }
// into `out` and returns its size. A label over max_label_size octets, a context over 255 octets or
// `out` too small is internal_errc::invalid_argument; an empty label is encoded as "tls13 ".
result<std::size_t> encode_hkdf_label(std::uint16_t length, std::string_view label, bytes context,
                                      mut_bytes out) noexcept;

// HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length) with
// Length = out.size(). `prk` must be at least Hash.length octets; out.size() must be 1..65535 and at
// most 255 * Hash.length (internal_errc::invalid_argument otherwise).
result<void> hkdf_expand_label(crypto::hash_alg h, bytes prk, std::string_view label, bytes context,
                               mut_bytes out) noexcept;

// The same into a wiped buffer of `length` octets (length <= secret::capacity).
result<secret> hkdf_expand_label(crypto::hash_alg h, bytes prk, std::string_view label, bytes context,
                                 std::size_t length) noexcept;

// Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages),
// Hash.length). The caller passes the transcript hash, which must be Hash.length octets.
result<secret> derive_secret(crypto::hash_alg h, bytes prk, std::string_view label,
                             const crypto::digest& transcript) noexcept;

// Derive-Secret(Secret, Label, "") : the transcript of no messages is Hash("").
result<secret> derive_secret_empty(crypto::hash_alg h, bytes prk, std::string_view label) noexcept;

}  // namespace tls13::keyschedule
