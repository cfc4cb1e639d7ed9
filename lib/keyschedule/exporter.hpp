// TLS-Exporter (RFC 8446 §7.5). Separate overloads for the early and the regular exporter secret,
// as §7.5 recommends, so the one cannot be used where the other is meant.
#pragma once

#include <string_view>

#include "keyschedule/key_schedule.hpp"
#include "tls13/types.hpp"

namespace tls13::keyschedule {

// TLS-Exporter(label, context_value, key_length) =
//     HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length)
// with key_length = out.size() (1 .. 255 * Hash.length). No context and an empty context are the
// same value (§7.5). The label may be empty (as in BoringSSL and Go); one that HKDF-Expand-Label
// cannot carry (over 249 octets) is internal_errc::invalid_argument.
result<void> export_keying_material(const exporter_master_secret& s, std::string_view label, bytes context,
                                    mut_bytes out) noexcept;
result<void> export_keying_material(const early_exporter_master_secret& s, std::string_view label,
                                    bytes context, mut_bytes out) noexcept;

}  // namespace tls13::keyschedule
