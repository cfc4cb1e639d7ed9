// The handshake order as data (RFC 8446 §2, Appendix A): for each state, the messages that may
// arrive and the states each may lead to. Anything not in the table is unexpected_message.
// Handlers pick the next state; the engine checks the pick against the row, so a handler cannot
// take the connection somewhere the table does not allow. PSK and 0-RTT are rows, not branches.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace tls13::handshake {

enum class state : std::uint8_t {
  // client (Appendix A.1)
  client_start,          // nothing sent yet
  client_wait_sh,        // ClientHello sent
  client_wait_sh_retry,  // second ClientHello sent after a HelloRetryRequest
  client_wait_ee,        // handshake keys installed
  client_wait_cert_cr,   // certificate-based: Certificate or CertificateRequest next
  client_wait_cert,      // after CertificateRequest
  client_wait_cv,        // after the server Certificate
  client_wait_finished,  // PSK, or after CertificateVerify
  // server (Appendix A.2)
  server_start,          // waiting for the first ClientHello
  server_wait_ch_retry,  // HelloRetryRequest sent, waiting for the second ClientHello
  server_wait_eoed,      // 0-RTT accepted: early data until EndOfEarlyData
  server_wait_cert,      // CertificateRequest sent
  server_wait_cv,        // client Certificate (non-empty) received
  server_wait_finished,  // waiting for the client Finished
  // both
  connected,
  count_
};

// What arrived: a handshake message, with a HelloRetryRequest told apart from a ServerHello.
enum class incoming : std::uint8_t {
  client_hello,
  server_hello,
  hello_retry_request,
  encrypted_extensions,
  certificate_request,
  certificate,
  certificate_verify,
  finished,
  end_of_early_data,
  new_session_ticket,
  key_update,
};

inline constexpr std::size_t max_targets = 4;

struct transition {
  state from;
  incoming msg;
  std::array<state, max_targets> to;  // filled from the front; unused slots repeat the last target
  std::uint8_t target_count;
};

namespace detail {
template <class... S>
constexpr transition row(state from, incoming msg, S... to) {
  static_assert(sizeof...(S) >= 1 && sizeof...(S) <= max_targets);
  transition t{from, msg, {to...}, static_cast<std::uint8_t>(sizeof...(S))};
  for (std::size_t i = sizeof...(S); i < max_targets; ++i) t.to[i] = t.to[sizeof...(S) - 1];
  return t;
}
}  // namespace detail

// The enumerators are spelled bare inside the table only (they would clash with message structs).
namespace table {
using enum state;
using enum incoming;

inline constexpr transition transitions[] = {
    // Client, §2 full handshake / §2.1 HRR / §2.2 PSK.
    detail::row(client_wait_sh, server_hello, client_wait_ee),
    detail::row(client_wait_sh, hello_retry_request, client_wait_sh_retry),
    detail::row(client_wait_sh_retry, server_hello, client_wait_ee),
    detail::row(client_wait_ee, encrypted_extensions, client_wait_cert_cr, client_wait_finished),
    detail::row(client_wait_cert_cr, certificate_request, client_wait_cert),
    detail::row(client_wait_cert_cr, certificate, client_wait_cv),
    detail::row(client_wait_cert, certificate, client_wait_cv),
    detail::row(client_wait_cv, certificate_verify, client_wait_finished),
    detail::row(client_wait_finished, finished, connected),
    // Server: the first ClientHello may lead to HRR, to 0-RTT, to client auth, or straight to Finished.
    detail::row(server_start, client_hello, server_wait_ch_retry, server_wait_eoed, server_wait_cert,
                server_wait_finished),
    detail::row(server_wait_ch_retry, client_hello, server_wait_cert, server_wait_finished),
    detail::row(server_wait_eoed, end_of_early_data, server_wait_cert, server_wait_finished),
    // An empty client Certificate skips CertificateVerify (§4.4.2.4).
    detail::row(server_wait_cert, certificate, server_wait_cv, server_wait_finished),
    detail::row(server_wait_cv, certificate_verify, server_wait_finished),
    detail::row(server_wait_finished, finished, connected),
    // Post-handshake (§4.6). Which side may receive what is checked against the role by the engine:
    // NewSessionTicket only reaches clients; post-handshake CertificateRequest is refused.
    detail::row(connected, new_session_ticket, connected),
    detail::row(connected, key_update, connected),
};
}  // namespace table
using table::transitions;

// Names for logs, tests and docs/STATE_MACHINE.md.
constexpr const char* name(state s) noexcept {
  constexpr const char* names[] = {"client_start",         "client_wait_sh",       "client_wait_sh_retry",
                                   "client_wait_ee",       "client_wait_cert_cr",  "client_wait_cert",
                                   "client_wait_cv",       "client_wait_finished", "server_start",
                                   "server_wait_ch_retry", "server_wait_eoed",     "server_wait_cert",
                                   "server_wait_cv",       "server_wait_finished", "connected"};
  static_assert(std::size(names) == static_cast<std::size_t>(state::count_));
  return names[static_cast<std::size_t>(s)];
}
constexpr const char* name(incoming m) noexcept {
  constexpr const char* names[] = {"ClientHello",         "ServerHello",        "HelloRetryRequest",
                                   "EncryptedExtensions", "CertificateRequest", "Certificate",
                                   "CertificateVerify",   "Finished",           "EndOfEarlyData",
                                   "NewSessionTicket",    "KeyUpdate"};
  return names[static_cast<std::size_t>(m)];
}

// The row for (from, msg), or nullptr: the message is unexpected in that state.
constexpr const transition* find_transition(state from, incoming msg) noexcept {
  for (const auto& t : transitions)
    if (t.from == from && t.msg == msg) return &t;
  return nullptr;
}

constexpr bool allows(const transition& t, state next) noexcept {
  for (std::size_t i = 0; i < t.target_count; ++i)
    if (t.to[i] == next) return true;
  return false;
}

namespace detail {
constexpr bool rows_unique() {
  for (std::size_t i = 0; i < std::size(transitions); ++i)
    for (std::size_t j = i + 1; j < std::size(transitions); ++j)
      if (transitions[i].from == transitions[j].from && transitions[i].msg == transitions[j].msg)
        return false;
  return true;
}
// Every state other than the starting ones and `connected` is entered by some row, and every
// state that waits for a message has a row leaving it: no dead ends, no orphans.
constexpr bool states_connected() {
  for (std::size_t s = 0; s < static_cast<std::size_t>(state::count_); ++s) {
    const auto st = static_cast<state>(s);
    bool entered = st == state::client_start || st == state::client_wait_sh || st == state::server_start;
    bool left = st == state::client_start;
    for (const auto& t : transitions) {
      if (t.from == st) left = true;
      for (std::size_t i = 0; i < t.target_count; ++i) entered = entered || t.to[i] == st;
    }
    if (!entered || !left) return false;
  }
  return true;
}
}  // namespace detail

static_assert(detail::rows_unique(), "two rows for the same (state, message)");
static_assert(detail::states_connected(), "a state is unreachable or has no way out");

}  // namespace tls13::handshake
