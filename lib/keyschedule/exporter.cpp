// TLS-Exporter over HKDF-Expand-Label / Derive-Secret.
#include "keyschedule/exporter.hpp"

#include "keyschedule/hkdf_label.hpp"
#include "tls13/errors.hpp"

namespace tls13::keyschedule {
namespace {

result<void> tls_exporter(const detail::keyed_secret& s, std::string_view label, bytes context,
                          mut_bytes out) noexcept {
  if (!s.valid()) return internal_errc::invalid_state;
  const crypto::hash_alg h = s.hash();
  TLS13_TRY_ASSIGN(const secret per_label, derive_secret_empty(h, s.view(), label));
  TLS13_TRY_ASSIGN(const crypto::digest context_hash, crypto::hash(h, context));
  return hkdf_expand_label(h, per_label.view(), "exporter", context_hash.view(), out);
}

}  // namespace

result<void> export_keying_material(const exporter_master_secret& s, std::string_view label, bytes context,
                                    mut_bytes out) noexcept {
  return tls_exporter(s, label, context, out);
}

result<void> export_keying_material(const early_exporter_master_secret& s, std::string_view label,
                                    bytes context, mut_bytes out) noexcept {
  return tls_exporter(s, label, context, out);
}

}  // namespace tls13::keyschedule
