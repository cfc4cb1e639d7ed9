// The core without Boost: `sans_io_loop host port [cafile]` fetches "/" over TLS 1.3 with a
// blocking socket and prints the response. Verification uses the system trust store unless a CA
// file is given.
#include <netdb.h>
#include <sys/socket.h>

#include <cstdio>

#include "blocking_tls.hpp"
#include "tls13/config.hpp"
#include "tls13/x509.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: sans_io_loop host port [cafile]\n");
    return 2;
  }
  auto cfg = std::make_shared<tls13::client_config>();
  cfg->alpn = {"http/1.1"};
  if (argc > 3) {
    auto roots = tls13::trust_store::create();
    if (!roots || !(*roots)->load_file(argv[3])) return std::fprintf(stderr, "cannot load %s\n", argv[3]), 1;
    cfg->verifier = tls13::make_default_verifier(*roots);
  }
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (::getaddrinfo(argv[1], argv[2], &hints, &res) != 0) return std::fprintf(stderr, "cannot resolve\n"), 1;
  const int fd = ::socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  if (fd < 0 || ::connect(fd, res->ai_addr, res->ai_addrlen) != 0) return std::perror("connect"), 1;
  ::freeaddrinfo(res);

  auto conn = tls13::connection::client(cfg, argv[1]);
  if (!conn) return std::fprintf(stderr, "%s\n", conn.error().message().c_str()), 1;
  example::blocking_tls tls(fd, std::move(*conn));
  auto report = [](const char* step, std::error_code ec) {
    std::fprintf(stderr, "%s failed: %s\n", step, ec.message().c_str());
    return 1;
  };
  if (auto r = tls.handshake(); !r) return report("handshake", r.error());
  if (auto r = tls.write(std::string("GET / HTTP/1.0\r\nHost: ") + argv[1] + "\r\n\r\n"); !r)
    return report("write", r.error());
  for (;;) {
    auto part = tls.read();
    if (!part) return report("read", part.error());
    if (part->empty()) break;
    std::fwrite(part->data(), 1, part->size(), stdout);
  }
  (void)tls.close();
  return 0;
}
