// The blocking-socket driver of the BoGo shim.
#include "shim_transport.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <variant>

namespace bogo {
namespace {

using namespace tls13;

std::error_code last_errno() { return {errno, std::generic_category()}; }

int try_connect(int family, int port) {
  const int fd = ::socket(family, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<std::uint16_t>(port));
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<std::uint16_t>(port));
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&ss), len) == 0) return fd;
  ::close(fd);
  return -1;
}

bool send_all(int fd, bytes data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

std::size_t be(bytes b, std::size_t at, std::size_t n) {
  std::size_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | std::to_integer<std::size_t>(b[at + i]);
  return v;
}

// The extension types of a ClientHello body (after the 4-byte header); empty if malformed.
std::vector<std::uint16_t> hello_extension_types(bytes body) {
  std::vector<std::uint16_t> out;
  std::size_t at = 2 + 32;  // legacy_version, random
  auto skip = [&](std::size_t len_bytes) {
    if (at + len_bytes > body.size()) return false;
    at += len_bytes + be(body, at, len_bytes);
    return at <= body.size();
  };
  if (!skip(1) || !skip(2) || !skip(1) || at + 2 > body.size()) return {};  // session_id, suites, compression
  const std::size_t end = at + 2 + be(body, at, 2);
  if (end > body.size()) return {};
  for (at += 2; at + 4 <= end; at += 4 + be(body, at + 2, 2))
    out.push_back(static_cast<std::uint16_t>(be(body, at, 2)));
  return out;
}

}  // namespace

std::optional<std::vector<std::uint16_t>> first_client_hello_extensions(bytes stream) {
  std::vector<std::byte> message;
  for (std::size_t at = 0; at + 5 <= stream.size();) {
    const std::size_t len = be(stream, at + 3, 2);
    if (at + 5 + len > stream.size()) break;
    if (stream[at] != std::byte{22}) return std::vector<std::uint16_t>{};  // not a handshake record
    message.insert(message.end(), stream.begin() + static_cast<std::ptrdiff_t>(at + 5),
                   stream.begin() + static_cast<std::ptrdiff_t>(at + 5 + len));
    at += 5 + len;
    if (message.size() < 4) continue;
    if (message[0] != std::byte{1}) return std::vector<std::uint16_t>{};
    const std::size_t body = be(message, 1, 3);
    if (message.size() >= 4 + body) return hello_extension_types(bytes(message).subspan(4, body));
  }
  return std::nullopt;
}

int connect_to_runner(const test_config& c) {
  int fd = -1;
  if (c.ipv6) {
    fd = try_connect(AF_INET6, c.port);
  } else if (c.shim_id) {
    fd = try_connect(AF_INET, c.port);
  } else {
    // Older runners (no -shim-id) listen on ::1 if they can, else on 127.0.0.1; try both as
    // BoringSSL's shim does.
    fd = try_connect(AF_INET6, c.port);
    if (fd < 0) fd = try_connect(AF_INET, c.port);
  }
  if (fd < 0) {
    std::fprintf(stderr, "connect to port %d failed: %s\n", c.port, std::strerror(errno));
    return -1;
  }
  if (c.shim_id) {
    std::byte id[8];
    for (int i = 0; i < 8; ++i) id[i] = static_cast<std::byte>((*c.shim_id >> (8 * i)) & 0xff);
    if (!send_all(fd, id)) {
      std::fprintf(stderr, "writing the shim ID failed: %s\n", std::strerror(errno));
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

tls_socket::~tls_socket() {
  // Half-close and drain before closing, as BoringSSL's shim does, so the runner never sees a reset.
  ::shutdown(fd_, SHUT_WR);
  char buf[1024];
  while (::recv(fd_, buf, sizeof buf, 0) > 0) {
  }
  ::close(fd_);
}

result<void> tls_socket::flush() {
  if (out_.size() == 0) return {};
  if (hold_back_) {
    // The rest stays in out_, in front of whatever the core appends next: our records can only
    // follow it on the wire.
    hold_back_ = false;
    if (!send_all(fd_, out_.data().first(1))) return last_errno();
    out_.consume(1);
    return {};
  }
  const bool ok = send_all(fd_, out_.data());
  out_.clear();
  if (!ok) return last_errno();
  return {};
}

result<event> tls_socket::next_event(bool return_flush) {
  for (;;) {
    // Drop what the core consumed; a partly read record (or undelivered data) stays in front.
    inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<std::ptrdiff_t>(consumed_));
    input_window in{mut_bytes(inbox_.data(), inbox_.size()), 0, eof_};
    auto ev = conn_.poll(in, out_);
    consumed_ = in.consumed;
    if (!ev) {
      (void)flush();  // the alert that explains the failure
      return ev.error();
    }
    if (std::holds_alternative<events::flush>(*ev)) {
      TLS13_TRY(flush());
      if (return_flush) return ev;
      continue;
    }
    if (!std::holds_alternative<events::need_input>(*ev)) return ev;
    TLS13_TRY(flush());
    std::byte buf[16 * 1024 + 512];
    ssize_t n;
    do {
      n = ::recv(fd_, buf, sizeof buf, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno != ECONNRESET) return last_errno();
    if (n <= 0) {
      eof_ = true;
    } else {
      inbox_.insert(inbox_.end(), buf, buf + n);
      if (!client_ && !hello_ext_) {
        received_.insert(received_.end(), buf, buf + n);
        hello_ext_ = first_client_hello_extensions(received_);
        if (hello_ext_) received_ = {};
      }
    }
  }
}

result<void> tls_socket::handshake() {
  for (bool hello_sent = !client_;;) {
    TLS13_TRY_ASSIGN(auto ev, next_event(/*return_flush=*/!hello_sent));
    if (std::holds_alternative<events::flush>(ev)) {
      // The client's first flush is its ClientHello: with 0-RTT offered, BoringSSL's handshake
      // returns here, in early data.
      hello_sent = true;
      if (conn_.can_write_early()) {
        early_ = offered_early_ = true;
        return {};
      }
      continue;
    }
    if (auto* done = std::get_if<events::handshake_done>(&ev)) {
      TLS13_TRY(on_handshake_done(*done));
      return flush();
    }
    // Accepted 0-RTT data (server): BoringSSL's handshake has returned by now (it does so once its
    // flight is out); the data stays with the core for read().
    if (auto* a = std::get_if<events::app_data>(&ev); a != nullptr && a->early) {
      early_ = accepted_ = true;
      return flush();
    }
    // Only a close_notify (peer_closed) can come here: the handshake did not finish.
    return internal_errc::invalid_state;
  }
}

result<void> tls_socket::on_handshake_done(const events::handshake_done& done) {
  const bool was_offered_early = client_ && early_;
  early_ = false;
  complete_ = true;
  accepted_ = done.early_data_accepted;
  if (was_offered_early && !accepted_) {
    rejected_ = true;
    return policy_errc::early_data_rejected;
  }
  return {};
}

result<void> tls_socket::finish_handshake() {
  while (!complete_) {
    TLS13_TRY_ASSIGN(auto ev, next_event());
    auto* done = std::get_if<events::handshake_done>(&ev);
    if (done == nullptr) return internal_errc::invalid_state;  // the peer closed first
    TLS13_TRY(on_handshake_done(*done));
  }
  return flush();
}

result<std::size_t> tls_socket::next_whole_record() {
  inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<std::ptrdiff_t>(consumed_));
  consumed_ = 0;
  for (;;) {
    if (inbox_.size() >= 5) {
      const std::size_t len = 5 + be(inbox_, 3, 2);
      if (inbox_.size() >= len) return len;
    }
    std::byte buf[16 * 1024 + 512];
    ssize_t n;
    do {
      n = ::recv(fd_, buf, sizeof buf, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return last_errno();
    if (n == 0) return std::size_t{0};
    inbox_.insert(inbox_.end(), buf, buf + n);
  }
}

result<void> tls_socket::run_until_message(std::uint8_t message) {
  bool server_hello = false;
  for (;;) {
    TLS13_TRY_ASSIGN(const std::size_t len, next_whole_record());
    if (len == 0) return protocol_errc::truncated;
    const auto type = std::to_integer<unsigned>(inbox_[0]);
    bool target = false;
    if (!server_hello && type == 22 && len > 5 && inbox_[5] == std::byte{2}) {
      server_hello = true;
      target = message == 2;
    } else if (server_hello && type == 23) {
      target = true;  // message 8: the first record under the handshake keys starts with it
    }
    // The core sees exactly this record.
    for (bool done = false; !done;) {
      input_window in{mut_bytes(inbox_.data(), len), consumed_, false};
      auto ev = conn_.poll(in, out_);
      consumed_ = in.consumed;
      if (!ev) {
        (void)flush();
        return ev.error();
      }
      if (std::holds_alternative<events::flush>(*ev)) {
        TLS13_TRY(flush());
      } else if (std::holds_alternative<events::need_input>(*ev)) {
        done = true;
      } else {
        std::fprintf(stderr, "Handshake unexpectedly succeeded.\n");
        return internal_errc::invalid_state;
      }
    }
    if (target) return flush();
  }
}

result<std::size_t> tls_socket::read(std::byte* out, std::size_t max, bool peek) {
  for (;;) {
    auto ev = next_event();
    if (!ev) {
      // An unclean EOF ends the read loop like a close_notify (BoringSSL: SSL_ERROR_SYSCALL, 0);
      // the caller decides whether that is acceptable (-check-close-notify).
      if (ev.error() == make_error_code(protocol_errc::truncated)) return std::size_t{0};
      return ev.error();
    }
    if (auto* done = std::get_if<events::handshake_done>(&*ev)) {
      TLS13_TRY(on_handshake_done(*done));
      continue;
    }
    if (auto* a = std::get_if<events::app_data>(&*ev)) {
      const std::size_t n = std::min(max, a->payload.size());
      std::memcpy(out, a->payload.data(), n);
      if (peek) {
        // Without consume_app_data the same bytes must come back.
        TLS13_TRY_ASSIGN(auto again, next_event());
        auto* b = std::get_if<events::app_data>(&again);
        if (b == nullptr || b->payload.size() < n || std::memcmp(b->payload.data(), out, n) != 0) {
          std::fprintf(stderr, "peeked data changed before it was read\n");
          return internal_errc::invalid_state;
        }
      }
      conn_.consume_app_data(n);
      return n;
    }
    if (std::holds_alternative<events::peer_closed>(*ev) || std::holds_alternative<events::closed>(*ev)) {
      peer_close_notify_ = true;
      return std::size_t{0};
    }
  }
}

result<void> tls_socket::write_all(bytes data, std::size_t max_fragment) {
  while (!data.empty()) {
    const std::size_t chunk = max_fragment == 0 ? data.size() : std::min(max_fragment, data.size());
    if (!complete_ && !client_) {
      // BoringSSL's server writes right after its flight (0.5-RTT data, RFC 8446 §2.3), before the
      // client's Finished; so does ours once its Finished is out (connection::can_write).
      if (!conn_.can_write()) unimplemented("server write before its own flight is out");
      TLS13_TRY_ASSIGN(const std::size_t n, conn_.write(data.first(chunk), out_));
      if (n == 0) return internal_errc::invalid_state;
      data = data.subspan(n);
      continue;
    }
    if (!complete_) {
      // Client in early data: 0-RTT data while the ticket allows it, then the handshake.
      if (conn_.can_write_early()) {
        TLS13_TRY_ASSIGN(const std::size_t n, conn_.write_early(data.first(chunk), out_));
        if (n > 0) {
          data = data.subspan(n);
          continue;
        }
      }
      TLS13_TRY(flush());
      TLS13_TRY(finish_handshake());
      continue;
    }
    TLS13_TRY_ASSIGN(const std::size_t n, conn_.write(data.first(chunk), out_));
    if (n == 0) return internal_errc::invalid_state;
    data = data.subspan(n);
  }
  return flush();
}

result<void> tls_socket::key_update() {
  TLS13_TRY(conn_.key_update(out_, false));
  return flush();
}

result<void> tls_socket::send_close_notify() {
  conn_.close(out_);
  return flush();
}

result<void> tls_socket::send_fatal_alert(alert_description alert) {
  conn_.abort(alert, out_);
  return flush();
}

result<void> tls_socket::wait_for_close_notify() {
  if (peer_close_notify_) return {};
  for (;;) {
    TLS13_TRY_ASSIGN(auto ev, next_event());
    if (std::holds_alternative<events::app_data>(ev)) {
      std::fprintf(stderr,
                   "application data while waiting for close_notify :APPLICATION_DATA_ON_SHUTDOWN:\n");
      return internal_errc::invalid_state;
    }
    if (std::holds_alternative<events::peer_closed>(ev) || std::holds_alternative<events::closed>(ev)) {
      peer_close_notify_ = true;
      return {};
    }
  }
}

}  // namespace bogo
