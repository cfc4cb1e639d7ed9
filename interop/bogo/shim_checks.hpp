// BoGo shim: the -expect-* checks of one connection (BoringSSL bssl_shim.cc
// CheckHandshakeProperties and the callbacks that inspect the peer's offers) and the early-data
// checks, over what session_info and the shim's own records say.
#pragma once

#include "shim_flags.hpp"
#include "shim_setup.hpp"
#include "shim_transport.hpp"
#include "tls13/connection.hpp"

namespace bogo {

// The handshake's properties against the test's expectations; false after printing why. Keeps in
// `state` what BoringSSL reports from the session (verify result, peer chain, ...) on a full
// handshake. `in_early`: the handshake is still in 0-RTT (`info` from early_info).
bool check_handshake(const test_config& c, const connection_setup& s, const tls13::session_info& info,
                     bool is_resume, bool in_early, shim_state& state);

// What BoringSSL reports while in early data. Client: the offered session's properties (its suite,
// the ALPN it predicts, its group; the peer's chain and signature come from shim_state anyway).
// Server (0-RTT accepted, client Finished not read yet): the handshake so far.
tls13::session_info early_info(const test_config& c, tls_socket& tls, const shim_state& state);

// -expect-accept-early-data, -expect-reject-early-data and -expect-early-data-reason, once the
// handshake is confirmed. Exits 89 for a reason the shim cannot tell.
bool check_early_data(const test_config& c, const connection_setup& s, const tls_socket& tls,
                      const tls13::session_info& info, const shim_state& state);

}  // namespace bogo
