#include "redis/connection.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "redis/resp.hpp"
#include "tls13/secret.hpp"

namespace tls13::redis_detail {
namespace {

constexpr std::size_t initial_buffer = 4096;

int remaining_ms(clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
  return left <= 0 ? 0 : left > 60000 ? 60000 : static_cast<int>(left);
}

// A non-blocking connect to one address, finished by poll() before the deadline. Returns the fd or -1.
int connect_one(const sockaddr* addr, socklen_t len, int family, clock::time_point deadline) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, addr, len) == 0) return fd;
  if (errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  int err = 0;
  socklen_t err_len = sizeof err;
  if (::poll(&p, 1, remaining_ms(deadline)) != 1 ||
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0 || err != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

result<int> connect_unix(const std::string& path, clock::time_point deadline) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) return redis_errc::connect_failed;
  std::memcpy(sa.sun_path, path.data(), path.size());
  const int fd = connect_one(reinterpret_cast<const sockaddr*>(&sa), sizeof sa, AF_UNIX, deadline);
  if (fd < 0) return clock::now() >= deadline ? redis_errc::timeout : redis_errc::connect_failed;
  return fd;
}

// getaddrinfo blocks without a deadline of its own; a numeric address (the default) resolves at once.
result<int> connect_tcp(const std::string& host, std::uint16_t port, clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list) != 0)
    return redis_errc::connect_failed;
  int fd = -1;
  for (addrinfo* a = list; a != nullptr && fd < 0 && clock::now() < deadline; a = a->ai_next)
    fd = connect_one(a->ai_addr, a->ai_addrlen, a->ai_family, deadline);
  ::freeaddrinfo(list);
  if (fd < 0) return clock::now() >= deadline ? redis_errc::timeout : redis_errc::connect_failed;
  const int one = 1;  // one small request, one small reply: never wait for Nagle
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool is_ok(const redis_reply& r) { return r.type == redis_reply::kind::simple && r.str == "OK"; }

}  // namespace

result<std::unique_ptr<connection>> connection::open(const redis_options& o) {
  const auto connect_deadline = clock::now() + o.connect_timeout;
  TLS13_TRY_ASSIGN(const int fd, o.unix_socket.empty() ? connect_tcp(o.host, o.port, connect_deadline)
                                                       : connect_unix(o.unix_socket, connect_deadline));
  std::unique_ptr<connection> c(new connection(fd, o.limits));
  const auto deadline = clock::now() + o.io_timeout;
  if (!o.password.empty()) {
    const std::string_view with_user[] = {"AUTH", o.username, o.password};
    const std::string_view without_user[] = {"AUTH", o.password};
    const auto r =
        o.username.empty() ? c->round_trip(without_user, deadline) : c->round_trip(with_user, deadline);
    if (!r) return r.error();
    if (!is_ok(*r)) return redis_errc::auth_failed;
  }
  if (o.database != 0) {
    const std::string db = std::to_string(o.database);
    const std::string_view select[] = {"SELECT", db};
    TLS13_TRY_ASSIGN(const redis_reply r, c->round_trip(select, deadline));
    if (!is_ok(r)) return redis_errc::server_error;
  }
  return c;
}

connection::~connection() {
  secure_wipe(in_);
  ::close(fd_);
}

bool connection::looks_alive() const {
  pollfd p{fd_, POLLIN, 0};
  // Readable while idle means EOF, an error, or bytes nobody asked for: none of them can be used.
  return ::poll(&p, 1, 0) == 0;
}

result<void> connection::wait(short events, clock::time_point deadline) {
  for (;;) {
    pollfd p{fd_, events, 0};
    const int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return {};
    if (n == 0) return redis_errc::timeout;
    if (errno != EINTR) return redis_errc::io_error;
  }
}

result<void> connection::send_all(bytes data, clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data = data.subspan(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      TLS13_TRY(wait(POLLOUT, deadline));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return redis_errc::io_error;
    }
  }
  return {};
}

// Doubles the buffer into a new allocation and wipes the old one, so received secrets never stay
// behind in memory given back to the allocator.
void connection::grow() {
  std::vector<std::byte> bigger(in_.empty() ? initial_buffer : in_.size() * 2);
  std::copy(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(filled_), bigger.begin());
  secure_wipe(in_);
  in_.swap(bigger);
}

result<redis_reply> connection::read_reply(clock::time_point deadline) {
  for (;;) {
    if (filled_ > 0) {
      redis_reply r;
      TLS13_TRY_ASSIGN(const std::size_t used, parse_reply(bytes(in_.data(), filled_), limits_, r));
      if (used != 0) {
        // We send one command at a time: anything after its reply was never asked for.
        if (used != filled_) return redis_errc::bad_reply;
        return r;
      }
    }
    if (filled_ == in_.size()) {
      if (filled_ >= limits_.max_total) return redis_errc::reply_too_large;
      grow();
    }
    const ssize_t n = ::recv(fd_, in_.data() + filled_, in_.size() - filled_, 0);
    if (n > 0) {
      filled_ += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      TLS13_TRY(wait(POLLIN, deadline));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return redis_errc::io_error;  // EOF or a socket error
    }
  }
}

result<redis_reply> connection::round_trip(std::span<const std::string_view> args,
                                           clock::time_point deadline) {
  std::vector<std::byte> request;
  encode_command(args, request);
  const result<void> sent = send_all(request, deadline);
  secure_wipe(request);  // it may carry a password or a PSK
  if (!sent) return sent.error();
  auto reply = read_reply(deadline);
  secure_wipe(mut_bytes(in_.data(), filled_));
  filled_ = 0;
  return reply;
}

}  // namespace tls13::redis_detail
