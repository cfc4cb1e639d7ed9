// `tls13 client|server`: the sans-I/O core over blocking POSIX sockets, with openssl s_client /
// s_server style flags so it can stand in for them in scripts and interop tests.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tls13/config.hpp"
#include "tls13/connection.hpp"
#include "tls13/keys.hpp"
#include "tls13/session.hpp"
#include "tls13/x509.hpp"
#include "tool_options.hpp"

namespace {

using namespace tls13;

std::string error_line(const std::string& what, std::error_code ec) {
  std::string line = "tls13: " + what;
  if (ec) {
    alert_description d{};
    line += ": " + ec.message();
    if (received_alert(ec, d)) {
      line += " (received alert " + std::string(alert_name(d)) + ")";
    } else if (ec != make_error_code(protocol_errc::truncated)) {
      line += " (sent alert " + std::string(alert_name(to_alert(ec))) + ")";
    }
  }
  return line;
}

[[noreturn]] void die(const std::string& what, std::error_code ec = {}) {
  std::cerr << error_line(what, ec) << "\n";
  std::exit(1);
}

// A connection failed: the server goes on with the next one, the client exits 1.
struct session_failed {};

bool send_all(int fd, bytes data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

// One TLS session over a connected socket: handshake, then shuttle stdin <-> TLS <-> stdout (or run
// the -www responder), closing with close_notify at stdin EOF.
class session {
 public:
  session(int fd, connection conn, const tool::options& o) : fd_(fd), conn_(std::move(conn)), opt_(o) {}

  int run() {
    try {
      return run_session();
    } catch (const session_failed&) {
      return 1;
    }
  }

 private:
  int run_session() {
    if (!drive_until_handshake()) return 1;
    report();
    return opt_.www ? serve_www() : shuttle();
  }

  // Reports the failure, lets the peer read our alert before the socket closes (a reset could
  // destroy it while the peer's own flight is still unread), then abandons the connection.
  [[noreturn]] void fail(const std::string& what, std::error_code ec = {}) {
    std::cerr << error_line(what, ec) << "\n";
    flush();
    ::shutdown(fd_, SHUT_WR);
    pollfd p{fd_, POLLIN, 0};
    std::byte sink[4096];
    for (int i = 0; i < 10 && ::poll(&p, 1, 50) > 0 && ::recv(fd_, sink, sizeof sink, 0) > 0; ++i) {
    }
    throw session_failed{};
  }

  bool flush() {
    if (out_.size() == 0) return true;
    const bool ok = send_all(fd_, out_.data());
    out_.clear();
    return ok;
  }

  // Reads from the socket into inbox_; false at EOF.
  bool fill() {
    std::byte buf[16384 + 512];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    inbox_.insert(inbox_.end(), buf, buf + n);
    return true;
  }

  // Polls the core once; handles flush/need_input internally. Returns the event for the caller.
  result<event> step() {
    for (;;) {
      input_window in{mut_bytes(inbox_.data(), inbox_.size()), 0, eof_};
      auto ev = conn_.poll(in, out_);
      if (!ev) {
        flush();  // the alert
        return ev;
      }
      if (auto* a = std::get_if<events::app_data>(&*ev)) {
        pending_.assign(reinterpret_cast<const char*>(a->payload.data()), a->payload.size());
        conn_.consume_app_data(a->payload.size());
      }
      inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<std::ptrdiff_t>(in.consumed));
      if (std::holds_alternative<events::flush>(*ev)) {
        if (!flush()) fail("transport write failed");
        continue;
      }
      if (std::holds_alternative<events::need_input>(*ev)) {
        if (!flush()) fail("transport write failed");
        return ev;
      }
      return ev;
    }
  }

  bool drive_until_handshake() {
    for (;;) {
      auto ev = step();
      if (!ev) fail("handshake failed", ev.error());
      send_early_data();
      if (std::holds_alternative<events::handshake_done>(*ev)) return flush();
      if (std::holds_alternative<events::app_data>(*ev)) {  // 0-RTT data, before the handshake ends
        std::fwrite(pending_.data(), 1, pending_.size(), stdout);
        std::fflush(stdout);
      }
      if (std::holds_alternative<events::need_input>(*ev)) fill();
    }
  }

  // -early_data f: the file goes out as 0-RTT data as soon as the ClientHello allows it.
  void send_early_data() {
    if (early_sent_ || opt_.early_data_file.empty() || !conn_.can_write_early()) return;
    std::ifstream f(opt_.early_data_file, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto n = conn_.write_early(as_bytes(data.data(), data.size()), out_);
    if (!n) fail("early data failed", n.error());
    early_sent_ = true;
    if (!flush()) fail("transport write failed");
  }

  void report() {
    const auto& i = conn_.info();
    if (opt_.quiet) return;
    if (early_sent_ || i.early_data_accepted)
      std::fprintf(stderr, "Early data: %s\n", i.early_data_accepted ? "accepted" : "rejected");
    std::fprintf(stderr,
                 "Protocol: TLSv1.3\nCiphersuite: %s\nGroup: %s\nALPN: %s\nVerification: "
                 "%s\nHelloRetryRequest: %s\nResumed: %s\n",
                 tool::suite_name(*i.suite), tool::group_name(i.group),
                 i.alpn.empty() ? "(none)" : i.alpn.c_str(), i.peer_authenticated ? "OK" : "none",
                 i.hello_retry ? "yes" : "no", i.resumed ? "yes" : "no");
    if (opt_.role == tool::mode::client && opt_.status)
      std::fprintf(stderr, "OCSP response: %s\n", ocsp_status(i).c_str());
    if (opt_.role == tool::mode::server && !opt_.status_file.empty())
      std::fprintf(stderr, "OCSP stapled: %s\n", i.ocsp_stapled ? "yes" : "no");
  }

  // The stapled response's status for the -status line: none, good, revoked, unknown or invalid.
  static std::string ocsp_status(const session_info& i) {
    if (!i.ocsp_stapled) return "none";
    if (i.peer_chain.size() < 2) return "stapled (no issuer in the chain to check it with)";
    std::string why;
    auto r = verify_ocsp_response(i.ocsp_response, i.peer_chain[0], i.peer_chain[1],
                                  std::chrono::system_clock::now(), {}, &why);
    if (r) return r->status == ocsp_cert_status::good ? "good" : "unknown";
    if (r.error() == make_error_code(certificate_errc::revoked)) return "revoked (" + why + ")";
    return "invalid (" + why + ")";
  }

  // Handles one readable-socket event: returns false when the peer is done.
  bool on_socket() {
    fill();
    return drain();
  }

  // Processes everything already received; false when the peer is done.
  bool drain() {
    for (;;) {
      auto ev = step();
      if (!ev) fail("connection failed", ev.error());
      if (std::holds_alternative<events::app_data>(*ev)) {
        if (opt_.www) return on_request();
        std::fwrite(pending_.data(), 1, pending_.size(), stdout);
        std::fflush(stdout);
        continue;
      }
      if (std::holds_alternative<events::peer_closed>(*ev) || std::holds_alternative<events::closed>(*ev))
        return false;
      return !eof_;  // need_input; at EOF step() has reported truncation already
    }
  }

  int shuttle() {
    bool stdin_open = true;
    if (!drain()) return finish(stdin_open);
    for (;;) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {0, POLLIN, 0}};
      const int n = ::poll(fds, stdin_open ? 2 : 1, -1);
      if (n < 0) fail("poll failed");
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        if (!on_socket()) break;
      }
      if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP))) {
        char buf[16384];
        const ssize_t r = ::read(0, buf, sizeof buf);
        if (r <= 0) {
          stdin_open = false;
          conn_.close(out_);
          flush();
          if (opt_.role == tool::mode::client) ::shutdown(fd_, SHUT_WR);
          continue;
        }
        if (opt_.keyupdate_on_K && r == 2 && buf[0] == 'K' && buf[1] == '\n') {
          if (auto k = conn_.key_update(out_, true); !k) fail("key update failed", k.error());
        } else if (auto w = conn_.write(as_bytes(buf, static_cast<std::size_t>(r)), out_); !w) {
          fail("write failed", w.error());
        }
        if (!flush()) fail("transport write failed");
      }
    }
    return finish(stdin_open);
  }

  int finish(bool stdin_open) {
    if (stdin_open) conn_.close(out_);
    flush();
    return 0;
  }

  bool on_request() {
    request_ += pending_;
    if (request_.find("\r\n\r\n") == std::string::npos) return true;
    const auto& i = conn_.info();
    const std::string body =
        "<html><body><p>Protocol: TLSv1.3</p><p>Ciphersuite: " + std::string(tool::suite_name(*i.suite)) +
        "</p><p>Group: " + tool::group_name(i.group) +
        "</p><p>ALPN: " + (i.alpn.empty() ? "(none)" : i.alpn) + "</p></body></html>\n";
    const std::string resp =
        "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body;
    if (auto w = conn_.write(as_bytes(resp.data(), resp.size()), out_); !w) fail("write failed", w.error());
    conn_.close(out_);
    flush();
    return false;
  }

  int serve_www() {
    if (!drain()) return 0;
    for (;;) {
      pollfd fd{fd_, POLLIN, 0};
      if (::poll(&fd, 1, -1) < 0) fail("poll failed");
      if (!on_socket()) break;
    }
    return 0;
  }

  int fd_;
  connection conn_;
  const tool::options& opt_;
  std::vector<std::byte> inbox_;
  vector_sink out_;
  std::string pending_, request_;
  bool eof_ = false;
  bool early_sent_ = false;
};

int connect_to(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) die("cannot resolve " + host);
  int fd = -1;
  for (auto* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(res);
  if (fd < 0) die("cannot connect to " + host + ":" + port);
  return fd;
}

int listen_on(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res) != 0)
    die("bad -accept address");
  const int fd = ::socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || ::bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, 16) != 0)
    die("cannot listen on " + port);
  ::freeaddrinfo(res);
  return fd;
}

// -sess_in / -sess_out: one serialized session_ticket per file (it holds the PSK: mode 0600).
void load_session(const std::string& path, const std::string& sni, const client_ticket_store& store) {
  std::ifstream f(path, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto t = session_ticket::parse(bytes(reinterpret_cast<const std::byte*>(data.data()), data.size()));
  if (!t) die("cannot read session from " + path, t.error());
  store.insert(sni, std::move(*t));
}

void save_session(const std::string& path, const std::string& sni, const client_ticket_store& store) {
  auto t = store.take(sni, std::chrono::system_clock::now());
  if (!t) {
    std::fprintf(stderr, "tls13: no session ticket received, %s not written\n", path.c_str());
    return;
  }
  const auto blob = t->serialize();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ::write(fd, blob.data(), blob.size()) != static_cast<ssize_t>(blob.size()))
    die("cannot write " + path);
  ::close(fd);
}

int run_client(const tool::options& o) {
  auto cfg = std::make_shared<client_config>();
  tool::apply_common(o, *cfg);
  if (!o.cert.empty()) cfg->client_certificate = tool::load_certified_key(o.cert, o.key);
  if (o.no_verify) cfg->verify_peer = false;
  cfg->request_ocsp = o.status;  // as s_client: status_request only with -status
  const std::string sni = o.servername.empty() ? o.host : o.servername;
  auto store = make_memory_ticket_store();
  cfg->ticket_store = store;
  if (!o.sess_in.empty()) load_session(o.sess_in, sni, *store);
  cfg->enable_early_data = !o.early_data_file.empty();
  cfg->offer_psk_ke = o.allow_no_dhe_kex;
  auto conn = connection::client(cfg, sni);
  if (!conn) die("bad configuration", conn.error());
  const int fd = connect_to(o.host, o.port);
  session s(fd, std::move(*conn), o);
  const int rc = s.run();
  ::close(fd);
  if (!o.sess_out.empty()) save_session(o.sess_out, sni, *store);
  return rc;
}

int run_server(const tool::options& o) {
  auto cfg = std::make_shared<server_config>();
  tool::apply_common(o, *cfg);
  auto key = tool::load_certified_key(o.cert, o.key);
  if (!o.status_file.empty()) {  // staple this DER OCSP response (when still good and fresh)
    auto staple = std::make_shared<ocsp_staple>();
    if (auto r = staple->load_file(o.status_file); !r) die("cannot read " + o.status_file, r.error());
    auto with = std::make_shared<certified_key>(*key);
    with->ocsp = std::move(staple);
    key = std::move(with);
  }
  cfg->certificates.push_back(std::move(key));
  if (o.verify_depth > 0)
    cfg->client_authentication = o.verify_required ? client_auth::required : client_auth::optional;
  if (o.num_tickets >= 0)
    cfg->tickets_after_full_handshake = cfg->tickets_after_resumption =
        static_cast<std::size_t>(o.num_tickets);
  if (o.early_data) cfg->max_early_data = 16384;
  if (o.prefer_no_dhe_kex)
    cfg->psk_ke = psk_ke_use::prefer;
  else if (o.allow_no_dhe_kex)
    cfg->psk_ke = psk_ke_use::instead_of_retry;
  const int lfd = listen_on(o.host, o.port);
  std::fprintf(stderr, "ACCEPT\n");
  int rc = 0;
  for (int i = 0; o.naccept <= 0 || i < o.naccept; ++i) {
    const int fd = ::accept(lfd, nullptr, nullptr);
    if (fd < 0) die("accept failed");
    auto conn = connection::server(cfg);
    if (!conn) die("bad configuration", conn.error());
    session s(fd, std::move(*conn), o);
    rc = s.run();  // a failed connection is reported; the server goes on accepting
    ::close(fd);
  }
  ::close(lfd);
  return rc;
}

}  // namespace

namespace tool {
int run_verify(int argc, char** argv);  // verify_command.cpp: `tls13 verify ...`
}

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "verify") == 0) return tool::run_verify(argc - 1, argv + 1);
  auto opts = tool::parse(argc, argv);
  if (!opts) {
    std::cerr << tool::usage;
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
  return opts->role == tool::mode::client ? run_client(*opts) : run_server(*opts);
}
