// The demo scripts/demo.sh runs: a TLS 1.3 server and client from this library talking over real
// loopback TCP, each driven through the sans-I/O core (examples/blocking_tls.hpp). The client
// verifies the server's chain against a test CA and the name "localhost", sends an HTTP request,
// and both sides print what they negotiated. (The Beast HTTPS demo replaces this once the Asio
// adapter lands.)
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdio>
#include <iostream>
#include <thread>

#include "blocking_tls.hpp"
#include "tls13/config.hpp"
#include "tls13/keys.hpp"
#include "tls13/x509.hpp"

namespace {

using namespace tls13;

std::string pki(const char* name) { return std::string(TLS13_DEMO_PKI) + "/" + name; }

const char* suite_name(cipher_suite s) {
  switch (s) {
    case cipher_suite::aes_128_gcm_sha256:
      return "TLS_AES_128_GCM_SHA256";
    case cipher_suite::aes_256_gcm_sha384:
      return "TLS_AES_256_GCM_SHA384";
    case cipher_suite::chacha20_poly1305_sha256:
      return "TLS_CHACHA20_POLY1305_SHA256";
  }
  return "?";
}

const char* group_name(named_group g) {
  switch (g) {
    case named_group::x25519:
      return "X25519";
    case named_group::secp256r1:
      return "P-256";
    case named_group::secp384r1:
      return "P-384";
    default:
      return "?";
  }
}

void print_info(const char* who, const session_info& i) {
  std::printf("[%s] TLS 1.3, %s, %s, ALPN %s, peer verified: %s\n", who, suite_name(*i.suite),
              i.group ? group_name(*i.group) : "none (psk_ke)", i.alpn.empty() ? "-" : i.alpn.c_str(),
              i.peer_authenticated ? "yes" : "no");
}

[[noreturn]] void fail(const char* what, std::error_code ec) {
  std::fprintf(stderr, "demo: %s: %s\n", what, ec.message().c_str());
  std::exit(1);
}

std::shared_ptr<const server_config> make_server_config() {
  auto chain = load_certificate_chain_file(pki("server-ecdsa-chain.pem"));
  auto key = private_key::from_pem_file(pki("server-ecdsa-key.pem"));
  if (!chain) fail("load certificate chain", chain.error());
  if (!key) fail("load private key", key.error());
  auto ck = std::make_shared<certified_key>();
  ck->chain = std::move(*chain);
  ck->key = std::make_shared<private_key>(std::move(*key));
  auto cfg = std::make_shared<server_config>();
  cfg->certificates.push_back(ck);
  cfg->alpn = {"http/1.1"};
  return cfg;
}

std::shared_ptr<const client_config> make_client_config() {
  auto roots = trust_store::create();
  if (!roots) fail("trust store", roots.error());
  if (auto r = (*roots)->load_file(pki("ca.pem")); !r) fail("load CA", r.error());
  auto cfg = std::make_shared<client_config>();
  cfg->verifier = make_default_verifier(*roots);
  cfg->alpn = {"h2", "http/1.1"};
  return cfg;
}

void serve_one(int listener) {
  const int fd = ::accept(listener, nullptr, nullptr);
  auto conn = connection::server(make_server_config());
  if (!conn) fail("server config", conn.error());
  example::blocking_tls tls(fd, std::move(*conn));
  if (auto r = tls.handshake(); !r) fail("server handshake", r.error());
  print_info("server", tls.connection().info());
  std::string request;
  while (request.find("\r\n\r\n") == std::string::npos) {
    auto part = tls.read();
    if (!part) fail("server read", part.error());
    if (part->empty()) return;
    request += *part;
  }
  std::printf("[server] request: %s\n", request.substr(0, request.find("\r\n")).c_str());
  const std::string body = "hello from tls13 over TLS 1.3\n";
  (void)tls.write("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                  "\r\nConnection: close\r\n\r\n" + body);
  (void)tls.close();
}

}  // namespace

int main() {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("demo: listen");
    return 1;
  }
  std::printf("[server] listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
  std::thread server(serve_one, listener);

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("demo: connect");
    return 1;
  }
  auto conn = connection::client(make_client_config(), "localhost");
  if (!conn) fail("client config", conn.error());
  example::blocking_tls tls(fd, std::move(*conn));
  if (auto r = tls.handshake(); !r) fail("client handshake", r.error());
  print_info("client", tls.connection().info());
  if (auto r = tls.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"); !r) fail("client write", r.error());
  std::string response;
  for (;;) {
    auto part = tls.read();
    if (!part) fail("client read", part.error());
    if (part->empty()) break;  // the server's close_notify
    response += *part;
  }
  (void)tls.close();
  server.join();
  ::close(listener);
  std::printf("[client] response:\n%s", response.c_str());
  return response.find("200 OK") != std::string::npos ? 0 : 1;
}
