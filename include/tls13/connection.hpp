// The sans-I/O TLS 1.3 connection: one poll(input, output) -> event loop, caller-owned buffers.
//
// Driving it:
//   loop:
//     ev = conn.poll(in, out)           // consumes records from `in`, appends records to `out`
//     need_input     -> read more bytes from the transport, append them to `in` (send what `out`
//                       holds first: a record may wait there for the next flight's company)
//     flush          -> send what `out` holds
//     handshake_done -> the connection is established (info() tells what was negotiated)
//     app_data       -> payload is a view into `in`; call consume_app_data(n) when done with n bytes
//     peer_closed    -> the peer sent close_notify; we may still write, then close()
//     closed         -> both directions are done
// Errors are sticky; the fatal alert (if any) has been appended to `out`: send it, then drop the
// transport.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tls13/errors.hpp"
#include "tls13/types.hpp"

namespace tls13 {

struct client_config;
struct server_config;

// Caller-owned input: the core decrypts records in place inside `bytes` and advances `consumed`.
// The driver drops consumed bytes from the front and appends new ones at the back.
struct input_window {
  mut_bytes bytes;
  std::size_t consumed = 0;
  bool transport_eof = false;  // no more bytes will come (TCP FIN)
  // Optional, outside `bytes`: where the application's data should go (a read's buffer). A record
  // whose plaintext fits is decrypted straight into it: app_data's payload then starts at
  // app_destination.data() and counts as taken in full (no consume_app_data, nothing delivered
  // again). The destination is also written to, then wiped, by a record that turns out not to be
  // application data or fails to open.
  mut_bytes app_destination{};
};

// Caller-owned output: the core appends whole TLS records.
class output_sink {
 public:
  // A writable region of at least n bytes at the end of the pending output.
  virtual mut_bytes prepare(std::size_t n) = 0;
  // Marks n bytes of the last prepare() as written.
  virtual void commit(std::size_t n) noexcept = 0;

 protected:
  ~output_sink() = default;
};

// A simple growable output_sink over a std::vector (drivers, tests).
class vector_sink final : public output_sink {
 public:
  mut_bytes prepare(std::size_t n) override {
    const std::size_t at = committed_;
    if (buf_.size() < at + n) buf_.resize(at + n);
    return {buf_.data() + at, n};
  }
  void commit(std::size_t n) noexcept override { committed_ += n; }
  tls13::bytes data() const noexcept { return {buf_.data(), committed_}; }
  std::size_t size() const noexcept { return committed_; }
  void clear() noexcept { committed_ = 0; }
  // Drops the first n committed bytes (after a partial transport write).
  void consume(std::size_t n) noexcept;

 private:
  std::vector<std::byte> buf_;
  std::size_t committed_ = 0;
};

namespace events {
struct need_input {};
struct flush {};
struct handshake_done {
  bool early_data_accepted = false;
};
struct app_data {
  tls13::bytes payload;  // view into the input window, or into input_window::app_destination
  bool early = false;    // server: 0-RTT data, received before the handshake completed (replayable)
};
struct peer_closed {};
struct closed {};
// Server with server_config::external_anti_replay: 0-RTT for this ClientHello now hinges only on
// whether it is new. Look the id up in the shared anti-replay state (it may take a network round
// trip), answer with connection::resolve_replay_check() and poll again; until then poll() reads
// nothing and returns this event again.
struct replay_check {
  tls13::bytes client_hello_id;  // the first PSK binder; valid until resolve_replay_check()
};
}  // namespace events

using event = std::variant<events::need_input, events::flush, events::handshake_done, events::app_data,
                           events::peer_closed, events::closed, events::replay_check>;

// What the handshake agreed on.
struct session_info {
  std::uint16_t version = 0;  // 0x0304 once negotiated
  std::optional<cipher_suite> suite;
  std::optional<named_group> group;  // none after a psk_ke resumption (no (EC)DHE)
  std::optional<signature_scheme> peer_signature_scheme;
  std::string alpn;         // empty if none was negotiated
  std::string server_name;  // SNI (client: what we sent; server: what the client asked for)
  bool resumed = false;
  bool early_data_accepted = false;  // 0-RTT data was offered and taken
  bool hello_retry = false;
  bool peer_authenticated = false;                 // a peer certificate was verified
  std::vector<std::vector<std::byte>> peer_chain;  // DER, leaf first
  // OCSP stapling. Client: the server stapled a response to its leaf (in ocsp_response, DER; the
  // verifier has checked it when verify_peer is on). Server: we stapled one.
  bool ocsp_stapled = false;
  std::vector<std::byte> ocsp_response;  // client only
  // What the peer offered, in its order (for logging and application policy):
  // signature schemes (server: the ClientHello's signature_algorithms; client: the
  // CertificateRequest's), unknown code points included;
  std::vector<std::uint16_t> peer_signature_schemes;
  std::vector<std::string> peer_alpn_offers;  // server: the ClientHello's ALPN protocols
  // client: the CertificateRequest's certificate_authorities (DER Names, RFC 8446 §4.2.4; the
  // first 256 if the server sent more).
  std::vector<std::vector<std::byte>> peer_certificate_authorities;
  // Server, resumed: the client's ticket age minus ours (RFC 8446 §8.3; positive: the client's
  // clock ran faster). 0-RTT needs -early_data_age_tolerance <= skew <= +1 s (one-sided: a client
  // cannot hold a ticket longer than we have; the second is clock-rate slack).
  std::optional<std::chrono::milliseconds> ticket_age_skew;
};

class connection_core;

class connection {
 public:
  static result<connection> client(std::shared_ptr<const client_config> config, std::string_view server_name);
  static result<connection> server(std::shared_ptr<const server_config> config);

  connection(connection&&) noexcept;
  connection& operator=(connection&&) noexcept;
  ~connection();

  // The only driver entry point: consume records from `in`, append records to `out`, say what's next.
  result<event> poll(input_window& in, output_sink& out);
  // After app_data: n bytes of the payload were taken; the rest is delivered again by the next poll().
  void consume_app_data(std::size_t n) noexcept;

  // Encrypts application data into records; may accept fewer bytes than given (record limits).
  // After handshake_done; a server may also write once its Finished is out (0.5-RTT, RFC 8446
  // §4.4.4), e.g. to answer early data at once, though the client is not authenticated until
  // handshake_done. can_write() says whether write() is allowed now.
  result<std::size_t> write(bytes plaintext, output_sink& out);
  bool can_write() const noexcept;
  // Server: 0-RTT was accepted and the client's Finished has not arrived yet, so application data
  // delivered now is early data that an attacker could have replayed (RFC 8446 §8, RFC 8470).
  bool in_early_data() const noexcept;
  // Client, 0-RTT: true from the first poll() (ClientHello sent with early_data) until the server's
  // answer is known. write_early() then sends up to the ticket's max_early_data bytes in all (may
  // take fewer). handshake_done{early_data_accepted} says whether the server took them; if not,
  // resend what is still needed with write().
  bool can_write_early() const noexcept;
  // The answer to events::replay_check: fresh (0-RTT accepted) or replayed (refused; the handshake
  // goes on in 1-RTT). Without a pending check: internal_errc::invalid_state.
  result<void> resolve_replay_check(replay_verdict verdict);
  result<std::size_t> write_early(bytes plaintext, output_sink& out);
  // Queues close_notify (half-close: reading goes on until the peer closes).
  void close(output_sink& out);
  // Ends the connection at once with an error alert of the application's choosing (e.g. it refuses
  // the peer after the handshake; RFC 8446 §6.2): the alert is appended to `out` (unless close()
  // already sent close_notify, after which nothing more may be sent, §6.1), keys are wiped, and
  // every later call fails with internal_errc::aborted. For an orderly end use close().
  void abort(alert_description alert, output_sink& out);
  // Sends a KeyUpdate; with request_peer_update the peer must update its sending keys too.
  result<void> key_update(output_sink& out, bool request_peer_update);

  bool is_handshaking() const noexcept;
  // Records produced while reading (KeyUpdate reply, alert) wait in the sink: flush them.
  bool wants_write() const noexcept;
  // For a driver about to wait for the peer mid-handshake, or done with the connection (its
  // close_notify sent): lets the crypto provider compute now, in time that would be idle, the key
  // pair the next handshake on this thread will need (the group this one uses;
  // crypto_provider::prepare_key_exchange). Does nothing until this connection's own key share is
  // made, nor on a resumed server before its handshake is over (the client's Finished follows our
  // flight at once), and works once per connection.
  void prepare_next_handshake() noexcept;
  const session_info& info() const noexcept;
  // RFC 8446 §7.5 exporter (RFC 5705 interface), after the handshake.
  result<void> export_keying_material(mut_bytes out, std::string_view label, bytes context) const;

 private:
  explicit connection(std::unique_ptr<connection_core> core) noexcept;
  std::unique_ptr<connection_core> core_;
};

}  // namespace tls13
