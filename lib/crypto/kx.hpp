// Ephemeral (EC)DHE key exchange for X25519, P-256 and P-384 (RFC 8446 §4.2.8.2, §7.4) over
// EVP_PKEY. The public interface is tls13::key_exchange (tls13/crypto_provider.hpp); this header
// is what the default provider builds on.
#pragma once

#include <cstddef>
#include <memory>

#include "crypto/ossl_ptr.hpp"
#include "tls13/crypto_provider.hpp"

namespace tls13::crypto {

// Whether lib/crypto implements `g` as a plain (EC)DHE group.
bool kx_supported(named_group g) noexcept;
// Size of a KeyShareEntry.key_exchange for `g` (32, 65, 97); 0 when unsupported.
std::size_t kx_share_size(named_group g) noexcept;

// A fresh key pair from libcrypto's DRBG: this thread's spare for `g` if there is one
// (crypto/spare_keys.hpp), else made now. Unsupported group: internal_errc::invalid_argument.
result<std::unique_ptr<key_exchange>> generate_key_exchange(named_group g);
// Makes the next generate_key_exchange(g) on this thread cheap: computes the key pair now, while the
// caller has nothing better to do, and keeps it as the thread's spare. Does nothing for an
// unsupported group, when a spare is there already, or on failure.
void prepare_key_exchange(named_group g) noexcept;

// A client's key share that check_peer_share accepted. For the NIST curves it keeps the key libcrypto
// imported and checked, so that answering does not import and check the same point a second time.
struct checked_share {
  named_group group{};
  bytes octets;          // the caller's buffer: answer_later copies what it needs
  detail::pkey_ptr key;  // null for X25519, whose octets are used as they are
};

// Whether a client's key share for `g` can be answered: its length and encoding, and for the NIST
// curves that the point is on the curve (what key_exchange::complete() would refuse before deriving),
// for X25519 that it is not of small order (its secret would be all zero, RFC 8446 §7.4.2).
// Refused: protocol_errc::illegal_parameter; unsupported group: internal_errc::invalid_argument.
result<checked_share> check_peer_share(named_group g, bytes share);

// A key_answer around our key pair `kx`: key_share() is its public key, finish() completes it with
// the checked share `peer`. A key pair of ours on peer.group derives with peer.key directly; any other
// key_exchange (a subclass's) gets complete() with a copy of peer.octets.
std::unique_ptr<key_answer> answer_later(std::unique_ptr<key_exchange> kx, checked_share peer);

// tls13::key_exchange_from_private (tests, RFC 8448 traces).
result<std::unique_ptr<key_exchange>> key_exchange_from_private(named_group g, bytes private_key);

}  // namespace tls13::crypto
