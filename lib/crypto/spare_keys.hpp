// Key exchanges made ahead of time (crypto_provider::prepare_key_exchange): while a connection waits
// for its peer, the key pair the next handshake on this thread will need is computed, kept here and
// handed out once. One slot per group (plain or hybrid) and thread. A forked child never receives a
// spare made before the fork, and the forking thread's are wiped there (pthread_atfork), so parent
// and child cannot both use one "ephemeral" key.
#pragma once

#include <memory>

#include "tls13/crypto_provider.hpp"

namespace tls13::crypto {

// This thread's spare for `g`, taken out of its slot; null when there is none usable here.
std::unique_ptr<key_exchange> take_spare(named_group g) noexcept;
// Keeps `kx` as this thread's spare for kx->group() (replacing any).
void keep_spare(std::unique_ptr<key_exchange> kx) noexcept;
// Whether take_spare(g) would hand one out now.
bool spare_ready(named_group g) noexcept;

}  // namespace tls13::crypto
