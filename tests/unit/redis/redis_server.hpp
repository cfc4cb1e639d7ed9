// A private redis-server for one test: its own temporary directory and Unix socket (optionally a TCP
// port too), no persistence, killed when the test ends. When redis-server is not installed the
// fixture skips the test and says so.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tls13/redis.hpp"

extern char** environ;

namespace tls13::test {

// redis-server from $TLS13_REDIS_SERVER or the PATH; empty when there is none.
inline std::string redis_server_binary() {
  if (const char* env = std::getenv("TLS13_REDIS_SERVER"); env != nullptr && *env != '\0') return env;
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const std::filesystem::path candidate = std::filesystem::path(rest.substr(0, colon)) / "redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  }
  return {};
}

// A TCP port nobody listens on right now (the kernel's pick; it may be taken again before we use it,
// which would fail the test loudly rather than wrongly).
inline std::uint16_t free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

class redis_server {
 public:
  redis_server() {
    char tmpl[] = "/tmp/tls13-redis-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) dir_ = tmpl;
  }
  ~redis_server() {
    stop();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  std::string socket_path() const { return dir_ + "/r.sock"; }

  // Starts the server (again, after stop()/kill(), on the same socket) and waits until it answers.
  bool start(std::vector<std::string> extra = {}, std::uint16_t port = 0) {
    const std::string bin = redis_server_binary();
    if (bin.empty() || dir_.empty()) return false;
    std::vector<std::string> args = {bin,
                                     "--port",
                                     std::to_string(port),
                                     "--bind",
                                     "127.0.0.1",
                                     "--unixsocket",
                                     socket_path(),
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--dir",
                                     dir_,
                                     "--logfile",
                                     dir_ + "/redis.log",
                                     "--daemonize",
                                     "no"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    const int rc = ::posix_spawn(&pid_, bin.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      pid_ = -1;
      return false;
    }
    return wait_ready();
  }

  void kill() { signal_and_reap(SIGKILL); }
  void stop() { signal_and_reap(SIGTERM); }

  // Options for this server over its Unix socket, with timeouts that tolerate sanitizer builds.
  redis_options options() const {
    redis_options o;
    o.unix_socket = socket_path();
    o.connect_timeout = std::chrono::milliseconds(2000);
    o.io_timeout = std::chrono::milliseconds(2000);
    return o;
  }

 private:
  // Any reply counts, even -NOAUTH: the server is up.
  bool wait_ready() {
    redis_options o = options();
    o.connect_timeout = o.io_timeout = std::chrono::milliseconds(200);
    const auto client = redis_client::create(o);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      if (client->command({"PING"})) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  void signal_and_reap(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  std::string dir_;
  pid_t pid_ = -1;
};

// Skips the calling test unless a private redis-server could be started.
#define TLS13_START_REDIS(server, ...)                                                       \
  do {                                                                                       \
    if (::tls13::test::redis_server_binary().empty())                                        \
      GTEST_SKIP() << "redis-server is not installed (apt-get install redis-server, or set " \
                      "TLS13_REDIS_SERVER): the Redis backend tests need a private server";  \
    ASSERT_TRUE((server).start(__VA_ARGS__)) << "redis-server did not start or answer PING"; \
  } while (0)

}  // namespace tls13::test
