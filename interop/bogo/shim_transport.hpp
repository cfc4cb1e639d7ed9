// BoGo shim: the sans-I/O connection over a blocking TCP socket, with BoringSSL's SSL_read /
// SSL_write / SSL_shutdown shapes (read at most n bytes, write all, close_notify both ways).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shim_flags.hpp"
#include "tls13/connection.hpp"

namespace bogo {

// Connects to the runner (127.0.0.1 or ::1) and writes the shim ID if the runner gave one.
// Returns the socket or -1 after printing the reason.
int connect_to_runner(const test_config& c);

// The extension types of the first ClientHello at the start of `stream` (the bytes a server
// received, TLS records from the first one), or std::nullopt while it is incomplete. A stream that
// does not start with a parsable ClientHello gives an empty list.
std::optional<std::vector<std::uint16_t>> first_client_hello_extensions(tls13::bytes stream);

class tls_socket {
 public:
  tls_socket(int fd, tls13::connection conn, bool is_client)
      : fd_(fd), conn_(std::move(conn)), client_(is_client) {}
  ~tls_socket();
  tls_socket(const tls_socket&) = delete;
  tls_socket& operator=(const tls_socket&) = delete;

  tls13::connection& conn() { return conn_; }

  // Runs the handshake, as far as BoringSSL's SSL_do_handshake does: to the end, except in 0-RTT.
  // A client that offered 0-RTT stops once its ClientHello is out (early data may be written); a
  // server that accepted 0-RTT stops at the first early data (left to read()). in_early() says so.
  tls13::result<void> handshake();
  // Up to `max` bytes of application data; 0 once the peer closed (close_notify or, unclean, EOF).
  // With `peek`, the data is read twice before it is taken (-peek-then-read). A client in early
  // data finishes the handshake here; a 0-RTT reject is policy_errc::early_data_rejected, as
  // BoringSSL's SSL_read reports SSL_ERROR_EARLY_DATA_REJECTED.
  tls13::result<std::size_t> read(std::byte* out, std::size_t max, bool peek);
  // Writes everything, in records of at most `max_fragment` bytes (0: the library's limit). A client
  // in early data sends 0-RTT data up to the ticket's limit, then finishes the handshake (a reject
  // is early_data_rejected) and sends the rest after it, as BoringSSL's SSL_write.
  tls13::result<void> write_all(tls13::bytes data, std::size_t max_fragment = 0);
  tls13::result<void> key_update();
  // Client in early data: hands the core the server's records one at a time until it has processed
  // the one that holds `message` (2: ServerHello, the plaintext record it starts; 8:
  // EncryptedExtensions, the first record under the handshake keys: the runner puts a record
  // boundary after it). The handshake finishing first is an error.
  tls13::result<void> run_until_message(std::uint8_t message);
  // The next flush puts one byte on the wire and keeps the rest of the output for the flush after
  // it (-read-with-unfinished-write: a transport that took one byte of the write).
  void hold_back_next_flush() { hold_back_ = true; }
  // Sends close_notify.
  tls13::result<void> send_close_notify();
  // Ends the connection with this fatal alert (connection::abort; BoringSSL's SSL_send_fatal_alert).
  tls13::result<void> send_fatal_alert(tls13::alert_description alert);
  // After our close_notify: reads until the peer's. Application data or EOF first is an error.
  tls13::result<void> wait_for_close_notify();

  bool peer_closed_cleanly() const { return peer_close_notify_; }
  bool transport_eof() const { return eof_; }
  // 0-RTT: the client offered early data and has not seen the server's answer yet; or the server
  // accepted it and the handshake is not finished yet.
  bool in_early() const { return early_; }
  bool offered_early() const { return offered_early_; }  // client: 0-RTT was offered
  bool handshake_complete() const { return complete_; }
  bool early_data_accepted() const { return accepted_; }
  bool early_data_rejected() const { return rejected_; }
  // Server: the extension types of the client's first ClientHello, once it arrived.
  const std::optional<std::vector<std::uint16_t>>& client_hello_extensions() const { return hello_ext_; }

 private:
  // One poll(); flush (unless asked for) and need_input are handled here, other events returned.
  tls13::result<tls13::event> next_event(bool return_flush = false);
  tls13::result<void> flush();
  // handshake_done: records the outcome; a client's rejected 0-RTT is early_data_rejected.
  tls13::result<void> on_handshake_done(const tls13::events::handshake_done& done);
  // Client in early data: reads until the handshake is done.
  tls13::result<void> finish_handshake();
  // Reads until inbox_ holds one whole record after the consumed bytes; its size, or 0 at EOF.
  tls13::result<std::size_t> next_whole_record();

  int fd_;
  tls13::connection conn_;
  bool client_;
  std::vector<std::byte> inbox_;
  std::size_t consumed_ = 0;
  tls13::vector_sink out_;
  bool eof_ = false;
  bool peer_close_notify_ = false;
  bool hold_back_ = false;
  bool early_ = false, offered_early_ = false, complete_ = false, accepted_ = false, rejected_ = false;
  std::vector<std::byte> received_;  // server: the stream until the first ClientHello is complete
  std::optional<std::vector<std::uint16_t>> hello_ext_;
};

}  // namespace bogo
