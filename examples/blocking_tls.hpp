// The smallest complete driver of the sans-I/O core: a TLS connection over a blocking POSIX socket.
// handshake(), read(), write() and close() loop over connection::poll() exactly as an event loop
// would: flush what the core produced, read when it needs input, hand over application data.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tls13/connection.hpp"

namespace example {

class blocking_tls {
 public:
  blocking_tls(int fd, tls13::connection conn) : fd_(fd), conn_(std::move(conn)) {}
  ~blocking_tls() { ::close(fd_); }

  const tls13::connection& connection() const { return conn_; }

  // Runs until the handshake completes.
  tls13::result<void> handshake() {
    for (;;) {
      TLS13_TRY_ASSIGN(auto ev, poll_once());
      if (std::holds_alternative<tls13::events::handshake_done>(ev)) return flush();
    }
  }

  // Reads application data until at least one byte or the peer's close_notify (empty string).
  tls13::result<std::string> read() {
    for (;;) {
      TLS13_TRY_ASSIGN(auto ev, poll_once());
      if (auto* a = std::get_if<tls13::events::app_data>(&ev)) {
        std::string s(reinterpret_cast<const char*>(a->payload.data()), a->payload.size());
        conn_.consume_app_data(a->payload.size());
        return s;
      }
      if (std::holds_alternative<tls13::events::peer_closed>(ev) ||
          std::holds_alternative<tls13::events::closed>(ev))
        return std::string();
    }
  }

  tls13::result<void> write(std::string_view text) {
    TLS13_TRY(conn_.write(tls13::as_bytes(text.data(), text.size()), out_));
    return flush();
  }

  tls13::result<void> close() {
    conn_.close(out_);
    return flush();
  }

 private:
  // One poll(): flushes and reads as the core asks, returns the other events.
  tls13::result<tls13::event> poll_once() {
    for (;;) {
      // Keep the bytes of a partly read record in front; drop what the core consumed.
      inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<std::ptrdiff_t>(consumed_));
      tls13::input_window in{tls13::mut_bytes(inbox_.data(), inbox_.size()), 0, eof_};
      auto ev = conn_.poll(in, out_);
      consumed_ = in.consumed;
      if (!ev) {
        (void)flush();  // the alert that explains the failure
        return ev.error();
      }
      if (std::holds_alternative<tls13::events::flush>(*ev)) {
        TLS13_TRY(flush());
      } else if (std::holds_alternative<tls13::events::need_input>(*ev)) {
        TLS13_TRY(flush());
        std::byte buf[17 * 1024];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0)
          eof_ = true;
        else
          inbox_.insert(inbox_.end(), buf, buf + n);
      } else {
        return ev;
      }
    }
  }

  tls13::result<void> flush() {
    auto data = out_.data();
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return tls13::internal_errc::invalid_state;
      data = data.subspan(static_cast<std::size_t>(n));
    }
    out_.clear();
    return {};
  }

  int fd_;
  tls13::connection conn_;
  std::vector<std::byte> inbox_;
  std::size_t consumed_ = 0;
  tls13::vector_sink out_;
  bool eof_ = false;
};

}  // namespace example
