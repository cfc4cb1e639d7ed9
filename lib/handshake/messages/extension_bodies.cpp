#include "handshake/messages/extension_bodies.hpp"

namespace tls13::handshake {
namespace {

// Decodes a whole body with `f(reader&)` and rejects trailing bytes.
template <class F>
auto whole(bytes body, F&& f) -> decltype(f(std::declval<reader&>())) {
  reader r(body);
  auto v = f(r);
  if (!v) return v;
  TLS13_TRY(r.expect_end());
  return v;
}

}  // namespace

result<u16_list> read_u16_list(reader& r, int prefix, std::size_t min, std::size_t max) noexcept {
  TLS13_TRY_ASSIGN(const bytes raw, r.vec(prefix, min, max));
  if (raw.size() % 2 != 0) return decode_errc::bad_length;
  return u16_list(raw);
}

result<u16_list> decode_supported_versions_ch(bytes body) noexcept {
  return whole(body, [](reader& r) { return read_u16_list(r, 1, 2, 254); });
}

result<std::uint16_t> decode_supported_versions_sh(bytes body) noexcept {
  return whole(body, [](reader& r) { return r.u16(); });
}

result<u16_list> decode_supported_groups(bytes body) noexcept {
  return whole(body, [](reader& r) { return read_u16_list(r, 2, 2, 0xffff); });
}

result<u16_list> decode_signature_algorithms(bytes body) noexcept {
  return whole(body, [](reader& r) { return read_u16_list(r, 2, 2, 0xfffe); });
}

result<std::vector<key_share_entry>> decode_key_share_ch(bytes body, std::size_t max_shares) {
  reader outer(body);
  TLS13_TRY_ASSIGN(reader r, outer.sub(2, 0, 0xffff));
  TLS13_TRY(outer.expect_end());
  std::vector<key_share_entry> shares;
  while (!r.empty()) {
    TLS13_TRY_ASSIGN(const std::uint16_t group, r.u16());
    TLS13_TRY_ASSIGN(const bytes key, r.vec(2, 1, 0xffff));
    if (shares.size() == max_shares) return decode_errc::too_many_items;
    for (const auto& s : shares)
      if (s.group == group) return protocol_errc::illegal_parameter;
    shares.push_back({group, key});
  }
  return shares;
}

result<key_share_entry> decode_key_share_sh(bytes body) noexcept {
  return whole(body, [](reader& r) -> result<key_share_entry> {
    TLS13_TRY_ASSIGN(const std::uint16_t group, r.u16());
    TLS13_TRY_ASSIGN(const bytes key, r.vec(2, 1, 0xffff));
    return key_share_entry{group, key};
  });
}

result<std::uint16_t> decode_key_share_hrr(bytes body) noexcept {
  return whole(body, [](reader& r) { return r.u16(); });
}

result<bytes> decode_server_name(bytes body) noexcept {
  if (body.empty()) return bytes{};
  return whole(body, [](reader& outer) -> result<bytes> {
    TLS13_TRY_ASSIGN(reader r, outer.sub(2, 1, 0xffff));
    bytes host;
    bool seen = false;
    while (!r.empty()) {
      TLS13_TRY_ASSIGN(const std::uint8_t type, r.u8());
      TLS13_TRY_ASSIGN(const bytes name, r.vec(2, 1, 0xffff));
      if (type != 0) continue;                  // RFC 6066: only host_name(0) is defined; others are skipped
      if (seen) return decode_errc::bad_value;  // at most one name per type
      seen = true;
      host = name;
    }
    return host;
  });
}

result<std::vector<bytes>> decode_alpn(bytes body, std::size_t max_protocols) {
  reader outer(body);
  TLS13_TRY_ASSIGN(reader r, outer.sub(2, 2, 0xffff));
  TLS13_TRY(outer.expect_end());
  std::vector<bytes> names;
  while (!r.empty()) {
    TLS13_TRY_ASSIGN(const bytes name, r.vec(1, 1, 0xff));
    if (names.size() == max_protocols) return decode_errc::too_many_items;
    names.push_back(name);
  }
  return names;
}

result<std::vector<std::vector<std::byte>>> decode_certificate_authorities(bytes body,
                                                                           std::size_t max_names) {
  reader outer(body);
  TLS13_TRY_ASSIGN(reader r, outer.sub(2, 3, 0xffff));
  TLS13_TRY(outer.expect_end());
  std::vector<std::vector<std::byte>> names;
  while (!r.empty()) {
    TLS13_TRY_ASSIGN(const bytes name, r.vec(2, 1, 0xffff));
    // Servers may list a whole trust store: every name is checked, the first max_names are kept.
    if (names.size() < max_names) names.emplace_back(name.begin(), name.end());
  }
  return names;
}

result<bytes> decode_cookie(bytes body) noexcept {
  return whole(body, [](reader& r) { return r.vec(2, 1, 0xffff); });
}

result<bool> decode_status_request_ch(bytes body) noexcept {
  return whole(body, [](reader& r) -> result<bool> {
    TLS13_TRY_ASSIGN(const std::uint8_t type, r.u8());
    if (type != status_type_ocsp) {
      (void)r.fixed(r.remaining());  // another status type: its request is not ours to read
      return false;
    }
    TLS13_TRY(r.vec(2, 0, 0xffff));  // responder_id_list
    TLS13_TRY(r.vec(2, 0, 0xffff));  // request_extensions
    return true;
  });
}

result<bytes> decode_certificate_status(bytes body) noexcept {
  return whole(body, [](reader& r) -> result<bytes> {
    TLS13_TRY_ASSIGN(const std::uint8_t type, r.u8());
    if (type != status_type_ocsp) return decode_errc::bad_value;
    return r.vec(3, 1, 0xffffff);
  });
}

result<bytes> decode_psk_modes(bytes body) noexcept {
  return whole(body, [](reader& r) { return r.vec(1, 1, 0xff); });
}

result<std::uint16_t> decode_record_size_limit(bytes body) noexcept {
  TLS13_TRY_ASSIGN(const std::uint16_t limit, whole(body, [](reader& r) { return r.u16(); }));
  if (limit < 64) return protocol_errc::illegal_parameter;  // RFC 8449 §4
  return limit;
}

result<offered_psks> decode_pre_shared_key_ch(bytes body, std::size_t max_identities) {
  reader outer(body);
  offered_psks out;
  TLS13_TRY_ASSIGN(reader ids, outer.sub(2, 7, 0xffff));
  while (!ids.empty()) {
    TLS13_TRY_ASSIGN(const bytes identity, ids.vec(2, 1, 0xffff));
    TLS13_TRY_ASSIGN(const std::uint32_t age, ids.u32());
    if (out.identities.size() == max_identities) return decode_errc::too_many_items;
    out.identities.push_back({identity, age});
  }
  const std::size_t binders_start = outer.position();
  TLS13_TRY_ASSIGN(reader binders, outer.sub(2, 33, 0xffff));
  TLS13_TRY(outer.expect_end());
  out.binders_size = body.size() - binders_start;
  while (!binders.empty()) {
    TLS13_TRY_ASSIGN(const bytes binder, binders.vec(1, 32, 255));
    if (out.binders.size() == out.identities.size()) return protocol_errc::illegal_parameter;
    out.binders.push_back(binder);
  }
  if (out.binders.size() != out.identities.size()) return protocol_errc::illegal_parameter;
  return out;
}

result<std::uint16_t> decode_pre_shared_key_sh(bytes body) noexcept {
  return whole(body, [](reader& r) { return r.u16(); });
}

}  // namespace tls13::handshake
