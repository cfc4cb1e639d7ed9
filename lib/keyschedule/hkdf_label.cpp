// HKDF-Expand-Label / Derive-Secret over lib/crypto's HKDF-Expand.
#include "keyschedule/hkdf_label.hpp"

#include <algorithm>
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
  // Hash("") is a constant (FIPS 180-4 test values; checked against libcrypto in
  // KeySchedule.EmptyHashConstants), so no hash is computed, and no failure can be cached.
  static constexpr std::uint8_t sha256_empty[32] = {
      0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
      0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
  static constexpr std::uint8_t sha384_empty[48] = {
      0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e, 0xb1, 0xb1, 0xe3, 0x6a,
      0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43, 0x4c, 0x0c, 0xc7, 0xbf, 0x63, 0xf6, 0xe1, 0xda,
      0x27, 0x4e, 0xde, 0xbf, 0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a, 0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b};
  crypto::digest empty;
  const bytes value = h == crypto::hash_alg::sha256 ? as_bytes(sha256_empty, sizeof sha256_empty)
                                                    : as_bytes(sha384_empty, sizeof sha384_empty);
  std::copy(value.begin(), value.end(), empty.data.begin());
  empty.size = value.size();
  return derive_secret(h, prk, label, empty);
}

}  // namespace tls13::keyschedule
