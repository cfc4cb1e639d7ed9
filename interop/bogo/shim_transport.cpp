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

}  // namespace

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
  const bool ok = send_all(fd_, out_.data());
  out_.clear();
  if (!ok) return last_errno();
  return {};
}

result<event> tls_socket::next_event() {
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
    if (n <= 0)
      eof_ = true;
    else
      inbox_.insert(inbox_.end(), buf, buf + n);
  }
}

result<void> tls_socket::handshake() {
  TLS13_TRY_ASSIGN(auto ev, next_event());
  // Only a close_notify (peer_closed) can come before handshake_done: the handshake did not finish.
  if (!std::holds_alternative<events::handshake_done>(ev)) return internal_errc::invalid_state;
  return flush();
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
