// The TLS 1.3 key schedule (RFC 8446 §7.1) as a chain of move-only phase types:
//
//   early_secret --(&&, (EC)DHE)--> handshake_secret --(&&)--> master_secret
//
// Each phase derives only the secrets the RFC derives from it, and the step to the next phase
// consumes (and wipes) the previous one, so a secret cannot be used in the wrong phase or after it
// should have been erased (§7.1: "Once all the values which are to be derived from a given secret
// have been computed, that secret SHOULD be erased"). Derived secrets have their own types
// (traffic_secret, binder_key, exporter_master_secret, ...) so that e.g. an exporter cannot be fed
// a traffic secret. Every type here owns a tls13::secret and is wiped when it dies.
//
// Transcript hashes are passed in as crypto::digest values (computed by the caller with
// crypto::transcript_hash) and must be Hash.length octets. A moved-from or consumed object is empty:
// using it returns internal_errc::invalid_state.
#pragma once

#include <cstdint>
#include <string_view>

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "tls13/secret.hpp"
#include "tls13/types.hpp"

namespace tls13::keyschedule {

class early_secret;
class handshake_secret;
class master_secret;

namespace detail {

// A secret together with the hash algorithm of its cipher suite: the state of every type below.
class keyed_secret {
 public:
  crypto::hash_alg hash() const noexcept { return hash_; }
  // False once moved from or consumed.
  bool valid() const noexcept { return !secret_.empty(); }
  // The raw octets: for tests and key logging (SSLKEYLOGFILE) only; never for key derivation.
  bytes view() const noexcept { return secret_.view(); }

  keyed_secret(keyed_secret&&) noexcept = default;
  keyed_secret& operator=(keyed_secret&&) noexcept = default;
  keyed_secret(const keyed_secret&) = delete;
  keyed_secret& operator=(const keyed_secret&) = delete;
  ~keyed_secret() = default;

 protected:
  keyed_secret(crypto::hash_alg h, secret s) noexcept : hash_(h), secret_(std::move(s)) {}
  // Derive-Secret(this, label, transcript); invalid_state when empty.
  result<secret> derive(std::string_view label, const crypto::digest& transcript) const noexcept;
  // Derive-Secret(this, label, "").
  result<secret> derive_empty(std::string_view label) const noexcept;

  crypto::hash_alg hash_;
  secret secret_;
};

}  // namespace detail

// Per-record protection keys of one direction (RFC 8446 §7.3); both are wiped on destruction.
struct traffic_keys {
  crypto::aead_alg aead;
  secret key;  // aead_key_size(aead) octets
  secret iv;   // aead_nonce_size (12) octets
};

// client_early_traffic_secret, [sender]_handshake_traffic_secret or
// [sender]_application_traffic_secret_N.
class traffic_secret : public detail::keyed_secret {
 public:
  // Adopts a traffic secret from elsewhere (tests, QUIC-style key import); `s` must be
  // Hash.length octets (internal_errc::invalid_argument otherwise).
  static result<traffic_secret> import(crypto::hash_alg h, bytes s) noexcept;

  // [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length),
  // [sender]_write_iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length)       (§7.3)
  result<traffic_keys> keys(crypto::aead_alg aead) const noexcept;
  // finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length)    (§4.4.4)
  result<secret> finished_key() const noexcept;
  // application_traffic_secret_N+1 = HKDF-Expand-Label(N, "traffic upd", "", Hash.length) (§7.2).
  // Consumes this generation: it is wiped whether or not the derivation succeeds.
  result<traffic_secret> next() && noexcept;

 private:
  friend class early_secret;
  friend class handshake_secret;
  friend class master_secret;
  traffic_secret(crypto::hash_alg h, secret s) noexcept : keyed_secret(h, std::move(s)) {}
};

// binder_key (§7.1): the Finished-style base key of a PSK binder (§4.2.11.2).
class binder_key : public detail::keyed_secret {
 public:
  // finished_key = HKDF-Expand-Label(binder_key, "finished", "", Hash.length)
  result<secret> finished_key() const noexcept;

 private:
  friend class early_secret;
  binder_key(crypto::hash_alg h, secret s) noexcept : keyed_secret(h, std::move(s)) {}
};

// early_exporter_master_secret: the Secret of TLS-Exporter for 0-RTT (§7.5); see exporter.hpp.
class early_exporter_master_secret : public detail::keyed_secret {
 private:
  friend class early_secret;
  early_exporter_master_secret(crypto::hash_alg h, secret s) noexcept : keyed_secret(h, std::move(s)) {}
};

// exporter_master_secret: the Secret of TLS-Exporter (§7.5); see exporter.hpp.
class exporter_master_secret : public detail::keyed_secret {
 private:
  friend class master_secret;
  exporter_master_secret(crypto::hash_alg h, secret s) noexcept : keyed_secret(h, std::move(s)) {}
};

// resumption_master_secret: the source of the PSKs sent in NewSessionTicket (§4.6.1).
class resumption_master_secret : public detail::keyed_secret {
 public:
  // PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length).
  // ticket_nonce<0..255> (internal_errc::invalid_argument when longer).
  result<secret> resumption_psk(bytes ticket_nonce) const noexcept;

 private:
  friend class master_secret;
  resumption_master_secret(crypto::hash_alg h, secret s) noexcept : keyed_secret(h, std::move(s)) {}
};

// Which binder label a PSK uses (§7.1): "ext binder" for external PSKs, "res binder" for
// resumption PSKs, so that one kind cannot be substituted for the other.
enum class psk_kind : std::uint8_t { external, resumption };

// Early Secret = HKDF-Extract(0, PSK), PSK = Hash.length zeros when no PSK is in use.
class early_secret : public detail::keyed_secret {
 public:
  // Without a PSK: HKDF-Extract(0, 0).
  static result<early_secret> create(crypto::hash_alg h) noexcept;
  // With a PSK (external or from resumption_master_secret::resumption_psk). An empty PSK is
  // internal_errc::invalid_argument.
  static result<early_secret> from_psk(crypto::hash_alg h, bytes psk) noexcept;

  // Derive-Secret(., "ext binder" | "res binder", "")
  result<binder_key> binder(psk_kind kind) const noexcept;
  // Derive-Secret(., "c e traffic", ClientHello)
  result<traffic_secret> client_early_traffic(const crypto::digest& client_hello) const noexcept;
  // Derive-Secret(., "e exp master", ClientHello)
  result<early_exporter_master_secret> early_exporter(const crypto::digest& client_hello) const noexcept;

  // Handshake Secret = HKDF-Extract(Derive-Secret(., "derived", ""), (EC)DHE shared secret).
  // Consumes the early secret. An empty shared secret is internal_errc::invalid_argument.
  result<handshake_secret> into_handshake_secret(bytes ecdhe_shared_secret) && noexcept;
  // The same for psk_ke (PSK-only) handshakes: the (EC)DHE input is Hash.length zeros.
  result<handshake_secret> into_handshake_secret_without_ecdhe() && noexcept;

 private:
  early_secret(crypto::hash_alg h, secret s, bool zero_psk = false) noexcept
      : keyed_secret(h, std::move(s)), zero_psk_(zero_psk) {}
  // Made by create(): the secret, and Derive-Secret(., "derived", ""), are public constants.
  bool zero_psk_ = false;
};

// Handshake Secret.
class handshake_secret : public detail::keyed_secret {
 public:
  // Derive-Secret(., "c hs traffic", ClientHello...ServerHello)
  result<traffic_secret> client_handshake_traffic(const crypto::digest& ch_to_sh) const noexcept;
  // Derive-Secret(., "s hs traffic", ClientHello...ServerHello)
  result<traffic_secret> server_handshake_traffic(const crypto::digest& ch_to_sh) const noexcept;

  // Master Secret = HKDF-Extract(Derive-Secret(., "derived", ""), 0). Consumes the handshake secret.
  result<master_secret> into_master_secret() && noexcept;

 private:
  friend class early_secret;
  handshake_secret(crypto::hash_alg h, secret s) noexcept : keyed_secret(h, std::move(s)) {}
};

// Master Secret.
class master_secret : public detail::keyed_secret {
 public:
  // Derive-Secret(., "c ap traffic", ClientHello...server Finished)
  result<traffic_secret> client_application_traffic(const crypto::digest& ch_to_server_fin) const noexcept;
  // Derive-Secret(., "s ap traffic", ClientHello...server Finished)
  result<traffic_secret> server_application_traffic(const crypto::digest& ch_to_server_fin) const noexcept;
  // Derive-Secret(., "exp master", ClientHello...server Finished)
  result<exporter_master_secret> exporter(const crypto::digest& ch_to_server_fin) const noexcept;
  // Derive-Secret(., "res master", ClientHello...client Finished)
  result<resumption_master_secret> resumption(const crypto::digest& ch_to_client_fin) const noexcept;

 private:
  friend class handshake_secret;
  master_secret(crypto::hash_alg h, secret s) noexcept : keyed_secret(h, std::move(s)) {}
};

}  // namespace tls13::keyschedule
