// Small random draws from a per-thread buffer of RAND_bytes output.
//
// A handshake draws a few dozen random octets in several calls (server random, ticket_age_add,
// ticket salts, a client's random and session id). Each RAND_bytes call costs the same whether it
// returns 16 octets or 512: libcrypto's DRBG takes its locks and checks for a fork with getpid(),
// a system call, which on a virtual machine costs about a microsecond. So a thread draws 512 octets
// at once and hands them out; handed-out octets are wiped from the buffer.
//
// Fork safety: the buffer lives in a page marked MADV_WIPEONFORK, which the kernel zeroes in a
// forked child, so a child never repeats its parent's octets (it finds the buffer empty and draws
// its own). Where the kernel or libc lacks MADV_WIPEONFORK, nothing is buffered and every call goes
// to RAND_bytes. The page is also kept out of core dumps (MADV_DONTDUMP).
#pragma once

#include "tls13/types.hpp"

namespace tls13::crypto {

// Fills `out` with CSPRNG octets: requests of up to max_pooled_draw octets from this thread's
// buffer, larger ones straight from RAND_bytes. False if libcrypto's generator failed.
[[nodiscard]] bool pooled_random(mut_bytes out) noexcept;

inline constexpr std::size_t max_pooled_draw = 64;

// Whether this thread's draws are buffered (MADV_WIPEONFORK available). For tests.
[[nodiscard]] bool random_pool_active() noexcept;

}  // namespace tls13::crypto
