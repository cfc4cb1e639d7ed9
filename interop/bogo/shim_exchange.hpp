// BoGo shim: one connection of a test, as BoringSSL's DoConnection / DoExchange run it:
// handshake, -expect-* checks, exporter, -shim-writes-first, the echo loop, shutdown.
#pragma once

#include "shim_flags.hpp"
#include "shim_setup.hpp"

namespace bogo {

// False after printing the reason on stderr.
bool run_connection(const test_config& c, shim_state& state, bool is_resume);

}  // namespace bogo
