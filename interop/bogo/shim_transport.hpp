// BoGo shim: the sans-I/O connection over a blocking TCP socket, with BoringSSL's SSL_read /
// SSL_write / SSL_shutdown shapes (read at most n bytes, write all, close_notify both ways).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "shim_flags.hpp"
#include "tls13/connection.hpp"

namespace bogo {

// Connects to the runner (127.0.0.1 or ::1) and writes the shim ID if the runner gave one.
// Returns the socket or -1 after printing the reason.
int connect_to_runner(const test_config& c);

class tls_socket {
 public:
  tls_socket(int fd, tls13::connection conn) : fd_(fd), conn_(std::move(conn)) {}
  ~tls_socket();
  tls_socket(const tls_socket&) = delete;
  tls_socket& operator=(const tls_socket&) = delete;

  tls13::connection& conn() { return conn_; }

  // Runs the handshake to completion (and flushes our last flight).
  tls13::result<void> handshake();
  // Up to `max` bytes of application data; 0 once the peer closed (close_notify or, unclean, EOF).
  // With `peek`, the data is read twice before it is taken (-peek-then-read).
  tls13::result<std::size_t> read(std::byte* out, std::size_t max, bool peek);
  // Writes everything, in records of at most `max_fragment` bytes (0: the library's limit).
  tls13::result<void> write_all(tls13::bytes data, std::size_t max_fragment = 0);
  tls13::result<void> key_update();
  // Sends close_notify.
  tls13::result<void> send_close_notify();
  // After our close_notify: reads until the peer's. Application data or EOF first is an error.
  tls13::result<void> wait_for_close_notify();

  bool peer_closed_cleanly() const { return peer_close_notify_; }
  bool transport_eof() const { return eof_; }

 private:
  // One poll(); flush and need_input are handled here, other events returned.
  tls13::result<tls13::event> next_event();
  tls13::result<void> flush();

  int fd_;
  tls13::connection conn_;
  std::vector<std::byte> inbox_;
  std::size_t consumed_ = 0;
  tls13::vector_sink out_;
  bool eof_ = false;
  bool peer_close_notify_ = false;
};

}  // namespace bogo
