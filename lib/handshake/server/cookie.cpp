#include "handshake/server/cookie.hpp"

#include "handshake/messages/codec.hpp"
#include "tls13/secret.hpp"

namespace tls13::handshake {
namespace {
constexpr std::uint8_t cookie_version = 1;
constexpr std::size_t mac_size = 32;
}  // namespace

result<std::vector<std::byte>> seal_cookie(bytes key, const cookie_contents& c) {
  std::vector<std::byte> out;
  writer w(out);
  w.u8(cookie_version);
  w.u16(static_cast<std::uint16_t>(c.suite));
  w.u16(static_cast<std::uint16_t>(c.group));
  TLS13_TRY(w.vec(1, c.client_hello1_hash.view()));
  TLS13_TRY_ASSIGN(const crypto::digest mac, crypto::hmac(crypto::hash_alg::sha256, key, out));
  w.raw(mac.view());
  return out;
}

result<cookie_contents> open_cookie(bytes key, bytes cookie) {
  if (cookie.size() < mac_size) return protocol_errc::illegal_parameter;
  const bytes body = cookie.first(cookie.size() - mac_size);
  TLS13_TRY_ASSIGN(const crypto::digest mac, crypto::hmac(crypto::hash_alg::sha256, key, body));
  if (!constant_time_equal(mac.view(), cookie.last(mac_size))) return protocol_errc::illegal_parameter;
  reader r(body);
  auto version = r.u8();
  auto suite = r.u16();
  auto group = r.u16();
  auto hash = r.vec(1, 32, crypto::max_hash_size);
  if (!version || *version != cookie_version || !suite || !group || !hash || !r.empty())
    return protocol_errc::illegal_parameter;
  cookie_contents c{static_cast<cipher_suite>(*suite), static_cast<named_group>(*group), {}};
  std::copy(hash->begin(), hash->end(), c.client_hello1_hash.data.begin());
  c.client_hello1_hash.size = hash->size();
  return c;
}

}  // namespace tls13::handshake
