// BoGo shim: one connection of a test, as BoringSSL's DoConnection / DoExchange run it:
// handshake, -expect-* checks, exporter, -shim-writes-first, the echo loop, shutdown.
#pragma once

#include "shim_flags.hpp"
#include "shim_setup.hpp"

namespace bogo {

// False after printing the reason on stderr. `retry` is the config of the handshake retried after
// a 0-RTT reject (-on-retry-), used when a resuming client expects that reject.
bool run_connection(const test_config& c, const test_config& retry, shim_state& state, bool is_resume);

}  // namespace bogo
