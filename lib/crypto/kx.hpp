// Ephemeral (EC)DHE key exchange for X25519, P-256 and P-384 (RFC 8446 §4.2.8.2, §7.4) over
// EVP_PKEY. The public interface is tls13::key_exchange (tls13/crypto_provider.hpp); this header
// is what the default provider builds on.
#pragma once

#include <cstddef>
#include <memory>

#include "tls13/crypto_provider.hpp"

namespace tls13::crypto {

// Whether lib/crypto implements `g` as a plain (EC)DHE group.
bool kx_supported(named_group g) noexcept;
// Size of a KeyShareEntry.key_exchange for `g` (32, 65, 97); 0 when unsupported.
std::size_t kx_share_size(named_group g) noexcept;

// A fresh key pair from libcrypto's DRBG: the one prepare_key_exchange(g) made on this thread if
// there is one, else made now. Unsupported group: internal_errc::invalid_argument.
result<std::unique_ptr<key_exchange>> generate_key_exchange(named_group g);
// Makes the next generate_key_exchange(g) on this thread cheap: computes a key pair now, while the
// caller has nothing better to do. At most one per group and thread, each handed out once; one made
// before a fork() is discarded in the child. Does nothing for an unsupported group or on failure.
void prepare_key_exchange(named_group g) noexcept;
// Bumped in the child of every fork() once any spare was made (pthread_atfork): a spare remembers the
// generation it was made in and is not handed out in another.
unsigned spare_generation() noexcept;
// Whether this thread holds a spare for `g` that generate_key_exchange would hand out now.
bool key_exchange_prepared(named_group g) noexcept;

// tls13::key_exchange_from_private (tests, RFC 8448 traces).
result<std::unique_ptr<key_exchange>> key_exchange_from_private(named_group g, bytes private_key);

}  // namespace tls13::crypto
