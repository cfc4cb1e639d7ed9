// tls13_shim: BoringSSL's BoGo test runner drives the tls13 core through this program.
// Protocol: /work/shared/bogo/README.md (and BoringSSL ssl/test/PORTING.md). The runner starts
// `tls13_shim -port P [-shim-id N] [-ipv6] <flags>`; the shim connects back over TCP, runs
// -resume-count + 1 connections, and exits 0 (pass), 1 (failure, reason on stderr) or 89
// (a flag or feature it does not implement).
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "shim_exchange.hpp"
#include "shim_flags.hpp"
#include "shim_setup.hpp"

int main(int argc, char** argv) {
  // As in BoringSSL's shim: the runner treats whatever follows this line on stderr (sanitizer
  // reports printed at exit) as tool output, apart from the shim's own error messages.
  std::atexit([] { std::fputs("--- DONE ---\n", stderr); });
  std::signal(SIGPIPE, SIG_IGN);
  const bogo::parsed_flags flags = bogo::parse_flags(argc - 1, argv + 1);
  if (flags.initial.is_handshaker_supported) {
    // Split handshakes (BoringSSL's handshaker) do not exist here: no -Hints / handoff tests.
    std::printf("No\n");
    return 0;
  }
  bogo::shim_state state;
  for (int i = 0; i <= flags.initial.resume_count; ++i) {
    const bool is_resume = i > 0;
    const bogo::test_config& config = is_resume ? flags.resume : flags.initial;
    state.connection = i;
    if (!bogo::run_connection(config, flags.retry, state, is_resume)) {
      std::fprintf(stderr, "Connection %d failed.\n", i + 1);
      return 1;
    }
    if (config.resumption_delay != 0) state.clock->advance(config.resumption_delay);
  }
  return 0;
}
