// RFC 8446 §7.1-§7.3 key schedule phases; every formula is quoted next to its code.
#include "keyschedule/key_schedule.hpp"

#include <array>

#include "crypto/hkdf.hpp"
#include "keyschedule/hkdf_label.hpp"
#include "tls13/errors.hpp"

namespace tls13::keyschedule {
namespace {

// "If a given secret is not available, then the 0-value consisting of a string of Hash.length
// bytes set to zeros is used" (§7.1).
bytes zeros(crypto::hash_alg h) noexcept {
  static constexpr std::array<std::byte, crypto::max_hash_size> z{};
  return {z.data(), crypto::hash_size(h)};
}

// HKDF-Extract(salt = Derive-Secret(prev, "derived", ""), ikm); `prev` is wiped afterwards.
result<secret> extract_next(crypto::hash_alg h, secret& prev, bytes ikm) noexcept {
  if (prev.empty()) return internal_errc::invalid_state;
  auto derived = derive_secret_empty(h, prev.view(), "derived");
  prev.clear();
  if (!derived) return derived.error();
  return crypto::hkdf_extract(h, derived->view(), ikm);
}

// Without a PSK the Early Secret and its "derived" secret are the same for every handshake
// (HKDF-Extract(0, 0) and Derive-Secret(that, "derived", "")): computed once per hash, on first use.
struct zero_psk_constants {
  secret early, derived;  // both empty if the computation failed (then every handshake retries)
};

zero_psk_constants make_zero_psk(crypto::hash_alg h) noexcept {
  zero_psk_constants c;
  auto early = crypto::hkdf_extract(h, zeros(h), zeros(h));
  if (!early) return c;
  auto derived = derive_secret_empty(h, early->view(), "derived");
  if (!derived) return c;
  c.early = std::move(*early);
  c.derived = std::move(*derived);
  return c;
}

const zero_psk_constants& zero_psk(crypto::hash_alg h) noexcept {
  static const zero_psk_constants sha256 = make_zero_psk(crypto::hash_alg::sha256);
  static const zero_psk_constants sha384 = make_zero_psk(crypto::hash_alg::sha384);
  return h == crypto::hash_alg::sha256 ? sha256 : sha384;
}

}  // namespace

// ---- detail::keyed_secret --------------------------------------------------------------------

result<secret> detail::keyed_secret::derive(std::string_view label,
                                            const crypto::digest& transcript) const noexcept {
  if (!valid()) return internal_errc::invalid_state;
  return derive_secret(hash_, secret_.view(), label, transcript);
}

result<secret> detail::keyed_secret::derive_empty(std::string_view label) const noexcept {
  if (!valid()) return internal_errc::invalid_state;
  return derive_secret_empty(hash_, secret_.view(), label);
}

// ---- traffic_secret ---------------------------------------------------------------------------

result<traffic_secret> traffic_secret::import(crypto::hash_alg h, bytes s) noexcept {
  if (s.size() != crypto::hash_size(h)) return internal_errc::invalid_argument;
  return traffic_secret(h, secret::from(s));
}

result<traffic_keys> traffic_secret::keys(crypto::aead_alg aead) const noexcept {
  if (!valid()) return internal_errc::invalid_state;
  TLS13_TRY_ASSIGN(secret key,
                   hkdf_expand_label(hash_, secret_.view(), "key", {}, crypto::aead_key_size(aead)));
  TLS13_TRY_ASSIGN(secret iv, hkdf_expand_label(hash_, secret_.view(), "iv", {}, crypto::aead_nonce_size));
  return traffic_keys{aead, std::move(key), std::move(iv)};
}

result<secret> traffic_secret::finished_key() const noexcept {
  if (!valid()) return internal_errc::invalid_state;
  return hkdf_expand_label(hash_, secret_.view(), "finished", {}, crypto::hash_size(hash_));
}

result<traffic_secret> traffic_secret::next() && noexcept {
  if (!valid()) return internal_errc::invalid_state;
  auto n = hkdf_expand_label(hash_, secret_.view(), "traffic upd", {}, crypto::hash_size(hash_));
  secret_.clear();
  if (!n) return n.error();
  return traffic_secret(hash_, std::move(*n));
}

// ---- binder_key, resumption_master_secret ----------------------------------------------------

result<secret> binder_key::finished_key() const noexcept {
  if (!valid()) return internal_errc::invalid_state;
  return hkdf_expand_label(hash_, secret_.view(), "finished", {}, crypto::hash_size(hash_));
}

result<secret> resumption_master_secret::resumption_psk(bytes ticket_nonce) const noexcept {
  if (!valid()) return internal_errc::invalid_state;
  return hkdf_expand_label(hash_, secret_.view(), "resumption", ticket_nonce, crypto::hash_size(hash_));
}

// ---- early_secret -----------------------------------------------------------------------------

result<early_secret> early_secret::create(crypto::hash_alg h) noexcept {
  if (const zero_psk_constants& c = zero_psk(h); !c.early.empty())
    return early_secret(h, c.early.clone(), true);
  TLS13_TRY_ASSIGN(secret s, crypto::hkdf_extract(h, zeros(h), zeros(h)));
  return early_secret(h, std::move(s));
}

result<early_secret> early_secret::from_psk(crypto::hash_alg h, bytes psk) noexcept {
  if (psk.empty()) return internal_errc::invalid_argument;
  TLS13_TRY_ASSIGN(secret s, crypto::hkdf_extract(h, zeros(h), psk));
  return early_secret(h, std::move(s));
}

result<binder_key> early_secret::binder(psk_kind kind) const noexcept {
  TLS13_TRY_ASSIGN(secret s, derive_empty(kind == psk_kind::external ? "ext binder" : "res binder"));
  return binder_key(hash_, std::move(s));
}

result<traffic_secret> early_secret::client_early_traffic(const crypto::digest& client_hello) const noexcept {
  TLS13_TRY_ASSIGN(secret s, derive("c e traffic", client_hello));
  return traffic_secret(hash_, std::move(s));
}

result<early_exporter_master_secret> early_secret::early_exporter(
    const crypto::digest& client_hello) const noexcept {
  TLS13_TRY_ASSIGN(secret s, derive("e exp master", client_hello));
  return early_exporter_master_secret(hash_, std::move(s));
}

result<handshake_secret> early_secret::into_handshake_secret(bytes ecdhe_shared_secret) && noexcept {
  if (ecdhe_shared_secret.empty()) {
    secret_.clear();
    return internal_errc::invalid_argument;
  }
  if (zero_psk_ && !secret_.empty()) {  // the "derived" salt is the precomputed constant
    secret_.clear();
    TLS13_TRY_ASSIGN(secret s,
                     crypto::hkdf_extract(hash_, zero_psk(hash_).derived.view(), ecdhe_shared_secret));
    return handshake_secret(hash_, std::move(s));
  }
  TLS13_TRY_ASSIGN(secret s, extract_next(hash_, secret_, ecdhe_shared_secret));
  return handshake_secret(hash_, std::move(s));
}

result<handshake_secret> early_secret::into_handshake_secret_without_ecdhe() && noexcept {
  TLS13_TRY_ASSIGN(secret s, extract_next(hash_, secret_, zeros(hash_)));
  return handshake_secret(hash_, std::move(s));
}

// ---- handshake_secret -------------------------------------------------------------------------

result<traffic_secret> handshake_secret::client_handshake_traffic(
    const crypto::digest& ch_to_sh) const noexcept {
  TLS13_TRY_ASSIGN(secret s, derive("c hs traffic", ch_to_sh));
  return traffic_secret(hash_, std::move(s));
}

result<traffic_secret> handshake_secret::server_handshake_traffic(
    const crypto::digest& ch_to_sh) const noexcept {
  TLS13_TRY_ASSIGN(secret s, derive("s hs traffic", ch_to_sh));
  return traffic_secret(hash_, std::move(s));
}

result<master_secret> handshake_secret::into_master_secret() && noexcept {
  TLS13_TRY_ASSIGN(secret s, extract_next(hash_, secret_, zeros(hash_)));
  return master_secret(hash_, std::move(s));
}

// ---- master_secret ----------------------------------------------------------------------------

result<traffic_secret> master_secret::client_application_traffic(
    const crypto::digest& ch_to_server_fin) const noexcept {
  TLS13_TRY_ASSIGN(secret s, derive("c ap traffic", ch_to_server_fin));
  return traffic_secret(hash_, std::move(s));
}

result<traffic_secret> master_secret::server_application_traffic(
    const crypto::digest& ch_to_server_fin) const noexcept {
  TLS13_TRY_ASSIGN(secret s, derive("s ap traffic", ch_to_server_fin));
  return traffic_secret(hash_, std::move(s));
}

result<exporter_master_secret> master_secret::exporter(
    const crypto::digest& ch_to_server_fin) const noexcept {
  TLS13_TRY_ASSIGN(secret s, derive("exp master", ch_to_server_fin));
  return exporter_master_secret(hash_, std::move(s));
}

result<resumption_master_secret> master_secret::resumption(
    const crypto::digest& ch_to_client_fin) const noexcept {
  TLS13_TRY_ASSIGN(secret s, derive("res master", ch_to_client_fin));
  return resumption_master_secret(hash_, std::move(s));
}

}  // namespace tls13::keyschedule
