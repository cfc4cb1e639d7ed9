// HKDF-Expand-Label / Derive-Secret over lib/crypto's HKDF-Expand.
#include "keyschedule/hkdf_label.hpp"

#include <array>

#include "crypto/hkdf.hpp"
#include "tls13/errors.hpp"

namespace tls13::keyschedule {

result<std::size_t> encode_hkdf_label(std::uint16_t length, std::string_view label, bytes context,
                                      mut_bytes out) noexcept {
  // An empty Label is allowed (see max_label_size): the exporter's label is the application's.
  if (label.size() > max_label_size || context.size() > max_context_size)
    return internal_errc::invalid_argument;
  const std::size_t full_label = label_prefix.size() + label.size();
  const std::size_t total = 2 + 1 + full_label + 1 + context.size();
  if (out.size() < total) return internal_errc::invalid_argument;
  std::size_t i = 0;
  out[i++] = static_cast<std::byte>(length >> 8);
  out[i++] = static_cast<std::byte>(length & 0xff);
  out[i++] = static_cast<std::byte>(full_label);
  for (char c : label_prefix) out[i++] = static_cast<std::byte>(c);
  for (char c : label) out[i++] = static_cast<std::byte>(c);
  out[i++] = static_cast<std::byte>(context.size());
  for (std::byte b : context) out[i++] = b;
  return i;
}

result<void> hkdf_expand_label(crypto::hash_alg h, bytes prk, std::string_view label, bytes context,
                               mut_bytes out) noexcept {
  // uint16 length; HKDF-Expand itself refuses more than 255 * Hash.length octets.
  if (out.empty() || out.size() > 0xffff) return internal_errc::invalid_argument;
  std::array<std::byte, max_hkdf_label_size> info{};
  TLS13_TRY_ASSIGN(const std::size_t n,
                   encode_hkdf_label(static_cast<std::uint16_t>(out.size()), label, context, info));
  return crypto::hkdf_expand(h, prk, bytes(info.data(), n), out);
}

result<secret> hkdf_expand_label(crypto::hash_alg h, bytes prk, std::string_view label, bytes context,
                                 std::size_t length) noexcept {
  if (length == 0 || length > secret::capacity) return internal_errc::invalid_argument;
  secret out(length);
  TLS13_TRY(hkdf_expand_label(h, prk, label, context, out.mut_view()));
  return out;
}

result<secret> derive_secret(crypto::hash_alg h, bytes prk, std::string_view label,
                             const crypto::digest& transcript) noexcept {
  if (transcript.size != crypto::hash_size(h)) return internal_errc::invalid_argument;
  return hkdf_expand_label(h, prk, label, transcript.view(), crypto::hash_size(h));
}

result<secret> derive_secret_empty(crypto::hash_alg h, bytes prk, std::string_view label) noexcept {
  // Hash("") is a constant: computed once per hash (thread-safe statics), not per derivation.
  static const result<crypto::digest> sha256 = crypto::hash(crypto::hash_alg::sha256, {});
  static const result<crypto::digest> sha384 = crypto::hash(crypto::hash_alg::sha384, {});
  const result<crypto::digest>& empty = h == crypto::hash_alg::sha256 ? sha256 : sha384;
  if (!empty) return empty.error();
  return derive_secret(h, prk, label, *empty);
}

}  // namespace tls13::keyschedule
