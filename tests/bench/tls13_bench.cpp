// tls13_bench: the side-by-side twin of ../shared/bench/asio_ssl_bench.cpp (the anchor,
// boost::asio::ssl::stream over OpenSSL libssl), over tls13::stream<tcp::socket> and tls13::context instead.
// Same scenarios, options, output lines, process model and coroutines, so `CANDIDATE=.../tls13_bench
// ./run.sh` compares like with like.
//
// Layout: the listening socket (127.0.0.1, ephemeral port) is made, then the process forks. The child
// is the server, the parent the client; each is ONE process with ONE thread running ONE io_context
// (concurrency hint 1). Wall time is taken on the client (steady_clock); CPU time of both processes
// via their CPU clocks; other_cores = CPU used by everything else on the machine during the run.
// TLS 1.3 only, X25519 only, one cipher suite (suite=, default TLS_AES_128_GCM_SHA256), ECDSA P-256
// server cert (cert=/key= PEM), client verifies the chain (verify_peer, cert= as trust anchor) and the host
// name "localhost", sends SNI (set_server_name does both). TCP_NODELAY on both ends. Close = bidirectional
// close_notify (client async_shutdown, server answers with its own), then TCP close; tls=0 mirrors it with
// FINs (shutdown(send) + eof).
// Tickets as in the anchor: the client always offers psk_dhe_ke, so the server sends its default 2 tickets
// after every full handshake; the client keeps only the newest (the anchor's new-session callback) and
// offers it, once, only with resume=1 (the anchor's SSL_set_session).
//
// Usage: tls13_bench SCENARIO [key=value ...]
//   hs     n=2000 clients=1 resume=0 warmup=50  per client coroutine: sequential connect+handshake+close
//   bulk   mib=256 chunk=16384 reps=1 suite=X  one connection; per rep: client writes mib MiB in chunk-byte
//                                               writes, waits for the server's 1-byte ack; value = median rep
//   mem    n=2000                               RSS and heap delta per idle established connection
//   crypto                                      EVP micro-bench of the per-handshake public-key ops
//   common: tls=1|0 cert=PATH key=PATH group=X25519 (tls13 only, not in the anchor: X25519MLKEM768,
//           SecP256r1MLKEM768, SecP384r1MLKEM1024, P-256, P-384; the anchor and the default are X25519)
// Each result is one line: scenario=NAME value=V unit=U [more=...]
#include <arpa/inet.h>
#include <malloc.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tls13/asio.hpp"
#include "tls13/session.hpp"

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

struct Opts {
  std::string scenario, cert, key, suite = "TLS_AES_128_GCM_SHA256", group = "X25519";
  long n = 2000, clients = 1, warmup = 50, mib = 256, chunk = 16384, reps = 1;
  bool tls = true, resume = false;
} O;

static int g_pipe = -1;  // mem: server -> client memory report
static long g_ready = 0, g_accepted = 0;
static pid_t g_child = 0;  // server process

static double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
static void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

struct Cpu {
  double srv = 0, cli = 0, all = 0;  // CPU seconds; all = machine
  Clock::time_point t;
};
static double clock_s(clockid_t c) {
  timespec t{};
  clock_gettime(c, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
static Cpu cpu_now() {
  Cpu c;
  clockid_t id;  // the server's CPU clock
  c.srv = clock_getcpuclockid(g_child, &id) == 0 ? clock_s(id) : NAN;
  c.cli = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  std::ifstream f("/proc/stat");  // cpu user nice system idle iowait irq softirq steal
  std::string tag;                // "cpu"
  double v[8] = {};
  for (f >> tag; double& x : v) f >> x;
  c.all = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / sysconf(_SC_CLK_TCK);
  c.t = Clock::now();
  return c;
}
// One result line (ops per second) plus CPU cost per op for each side.
static void report(const std::string& name, const char* unit, double ops, const Cpu& a, const Cpu& b,
                   double cpu_scale, const char* cpu_unit, const std::string& more, double value = NAN) {
  double el = secs(b.t - a.t), srv = b.srv - a.srv, cli = b.cli - a.cli;  // value: default ops / el
  printf("scenario=%s value=%.1f unit=%s seconds=%.3f other_cores=%.2f %s\n", name.c_str(),
         std::isnan(value) ? ops / el : value, unit, el, std::max(0.0, (b.all - a.all - srv - cli) / el),
         more.c_str());
  printf("scenario=%s_cpu_server value=%.2f unit=%s\n", name.c_str(), cpu_scale * srv / ops, cpu_unit);
  printf("scenario=%s_cpu_client value=%.2f unit=%s\n", name.c_str(), cpu_scale * cli / ops, cpu_unit);
}

struct Mem {
  long rss_kib = 0, heap = 0;
};
static Mem mem_now() {  // VmRSS of this process + glibc heap bytes in use (all arenas + mmapped)
  Mem m;
  std::ifstream f("/proc/self/status");
  for (std::string l; std::getline(f, l);)
    if (l.rfind("VmRSS:", 0) == 0) m.rss_kib = std::stol(l.substr(6));
  struct mallinfo2 mi = mallinfo2();
  m.heap = long(mi.uordblks + mi.hblkhd);
  return m;
}
static Mem g_base;  // server memory baseline (mem scenario)

static std::optional<tls13::cipher_suite> suite_from(const std::string& n) {
  using tls13::cipher_suite;
  if (n == "TLS_AES_128_GCM_SHA256") return cipher_suite::aes_128_gcm_sha256;
  if (n == "TLS_AES_256_GCM_SHA384") return cipher_suite::aes_256_gcm_sha384;
  if (n == "TLS_CHACHA20_POLY1305_SHA256") return cipher_suite::chacha20_poly1305_sha256;
  return std::nullopt;
}
static std::optional<tls13::named_group> group_from(const std::string& n) {
  using tls13::named_group;
  for (auto [name, g] :
       {std::pair{"X25519", named_group::x25519}, std::pair{"P-256", named_group::secp256r1},
        std::pair{"P-384", named_group::secp384r1}, std::pair{"X25519MLKEM768", named_group::x25519_mlkem768},
        std::pair{"SecP256r1MLKEM768", named_group::secp256r1_mlkem768},
        std::pair{"SecP384r1MLKEM1024", named_group::secp384r1_mlkem1024}})
    if (n == name) return g;
  return std::nullopt;
}
static const char* suite_name(std::optional<tls13::cipher_suite> s) {
  for (const char* n : {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"})
    if (s && suite_from(n) == s) return n;
  return "(NONE)";
}

// ---- one connection, TLS or plain TCP, same interface ----
template <bool TLS>
struct Conn;
template <>
struct Conn<true> {
  tls13::stream<tcp::socket> s;
  Conn(tcp::socket&& so, tls13::context& ctx) : s(std::move(so), ctx) {}
  tcp::socket& sock() { return s.next_layer(); }
  tls13::stream<tcp::socket>& io() { return s; }
  awaitable<void> handshake(bool server) {
    if (!server) s.set_server_name("localhost");  // SNI + host name check of the server's certificate
    co_await s.async_handshake(server ? tls13::stream_base::server : tls13::stream_base::client,
                               use_awaitable);
  }
  awaitable<void> close() {  // send close_notify, wait for the peer's, then close the socket
    error_code ec;
    co_await s.async_shutdown(asio::redirect_error(use_awaitable, ec));
    sock().close(ec);
  }
  bool reused() { return s.session() && s.session()->resumed; }
  const char* suite() { return suite_name(s.session() ? s.session()->suite : std::nullopt); }
};
template <>
struct Conn<false> {
  tcp::socket s;
  Conn(tcp::socket&& so, tls13::context&) : s(std::move(so)) {}
  tcp::socket& sock() { return s; }
  tcp::socket& io() { return s; }
  awaitable<void> handshake(bool) { co_return; }
  awaitable<void> close() {  // send FIN, wait for the peer's FIN (eof), then close
    error_code ec;
    char b[256];  // nothing is expected but eof
    s.shutdown(tcp::socket::shutdown_send, ec);
    for (int i = 0; i < 1000 && !ec; ++i)
      co_await s.async_read_some(asio::buffer(b), asio::redirect_error(use_awaitable, ec));
    s.close(ec);
  }
  bool reused() { return false; }
  const char* suite() { return "none"; }
};

// Client ticket store with the anchor's policy (see the top of the file). One thread: no lock needed.
struct NewestTicket final : tls13::client_ticket_store {
  mutable std::optional<tls13::session_ticket> newest;
  void insert(std::string_view, tls13::session_ticket t) const override { newest = std::move(t); }
  std::optional<tls13::session_ticket> take(std::string_view,
                                            std::chrono::system_clock::time_point) const override {
    if (!O.resume) return std::nullopt;
    return std::exchange(newest, std::nullopt);
  }
};

// TLS 1.3 only (all tls13 does), one group (X25519 as in the anchor, unless group=), the one suite;
// tls13::context is neither copyable nor movable.
static void setup_ctx(tls13::context& ctx, bool server) {
  auto suite = suite_from(O.suite);
  if (!suite) throw std::runtime_error("unknown suite " + O.suite);
  auto group = group_from(O.group);
  if (!group) throw std::runtime_error("unknown group " + O.group);
  ctx.set_groups({*group});
  ctx.set_cipher_suites({*suite});
  if (O.cert.empty()) return;  // tls=0
  if (server) {
    ctx.use_certificate_chain_file(O.cert);
    ctx.use_private_key_file(O.key, tls13::context::file_format::pem);
  } else {
    ctx.load_verify_file(O.cert);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    ctx.set_ticket_store(std::make_shared<NewestTicket>());
  }
}

// ---- server: handshake, [mem: write 'R'], read until the peer closes, [bulk: 'A' after the last byte] ----
template <bool TLS>
awaitable<void> serve(tcp::socket so, tls13::context& ctx) {
  Conn<TLS> c(std::move(so), ctx);
  const bool bulk = O.scenario == "bulk";
  std::vector<char> buf(bulk ? 65536 : 256);  // app read buffer (part of the mem figures)
  size_t got = 0, want = size_t(O.mib) << 20;
  try {
    co_await c.handshake(true);
    if (O.scenario == "mem") {
      co_await asio::async_write(c.io(), asio::buffer("R", 1), use_awaitable);
      if (++g_ready == O.n + 1) {  // warmup connection + n idle ones: report {after, before}
        Mem m[2] = {mem_now(), g_base};
        if (write(g_pipe, m, sizeof m) != sizeof m) perror("write");
      }
    }
    for (;;) {  // ends with eof (close_notify / FIN) from the client
      got += co_await c.io().async_read_some(asio::buffer(buf), use_awaitable);
      if (bulk && got % want == 0) co_await asio::async_write(c.io(), asio::buffer("A", 1), use_awaitable);
    }
  } catch (const std::exception&) {
  }
  co_await c.close();
}

template <bool TLS>
awaitable<void> accept_loop(tcp::acceptor& acc, tls13::context& ctx) {
  for (;;) {
    tcp::socket so = co_await acc.async_accept(use_awaitable);
    so.set_option(tcp::no_delay(true));
    if (O.scenario == "mem" && ++g_accepted == 2) g_base = mem_now();  // the warmup conn is gone by now
    asio::co_spawn(acc.get_executor(), serve<TLS>(std::move(so), ctx), asio::detached);
  }
}

template <bool TLS>
static void run_server(int lfd) {
  asio::io_context ioc(1);
  tls13::context ctx(tls13::context::tls_server);
  setup_ctx(ctx, true);
  tcp::acceptor acc(ioc, tcp::v4(), lfd);
  asio::co_spawn(ioc, accept_loop<TLS>(acc, ctx), rethrow);
  ioc.run();
}

// ---- client ----
template <bool TLS>
awaitable<std::unique_ptr<Conn<TLS>>> open(tls13::context& ctx, tcp::endpoint ep) {
  auto c = std::make_unique<Conn<TLS>>(tcp::socket(co_await asio::this_coro::executor), ctx);
  co_await c->sock().async_connect(ep, use_awaitable);
  c->sock().set_option(tcp::no_delay(true));
  co_await c->handshake(false);
  co_return c;
}

struct Stats {
  std::vector<double> lat_us;
  long reused = 0, errors = 0;
};

template <bool TLS>
awaitable<void> hs_client(tls13::context& ctx, tcp::endpoint ep, long n, Stats& st) {
  for (long i = 0; i < n; ++i) {
    try {
      auto t0 = Clock::now();
      auto c = co_await open<TLS>(ctx, ep);  // latency = TCP connect + TLS handshake (client view)
      st.lat_us.push_back(secs(Clock::now() - t0) * 1e6);
      st.reused += c->reused();
      co_await c->close();
    } catch (const std::exception& e) {
      if (st.errors++ == 0) fprintf(stderr, "hs error: %s\n", e.what());
    }
  }
}

template <bool TLS>
awaitable<void> bulk_client(tls13::context& ctx, tcp::endpoint ep, std::string name) {
  auto c = co_await open<TLS>(ctx, ep);
  std::vector<char> chunk(O.chunk, 'x');
  const size_t total = size_t(O.mib) << 20;
  char ack = 0;
  std::vector<double> mbps;  // one figure per rep of `total` bytes (each acked by the server)
  Cpu a = cpu_now();
  for (long r = 0; r < O.reps; ++r) {
    auto t0 = Clock::now();
    for (size_t sent = 0; sent < total; sent += chunk.size())
      co_await asio::async_write(c->io(), asio::buffer(chunk), use_awaitable);
    co_await asio::async_read(c->io(), asio::buffer(&ack, 1), use_awaitable);
    mbps.push_back(total / 1e6 / secs(Clock::now() - t0));
  }
  Cpu b = cpu_now();
  std::sort(mbps.begin(), mbps.end());
  report(name, "MB/s", O.reps * total / 1e6, a, b, 1e3, "ms/MB",  // MB = 10^6 bytes; CPU ms per MB moved
         "bytes=" + std::to_string(total) + " chunk=" + std::to_string(O.chunk) +
             " reps=" + std::to_string(O.reps) + " suite=" + c->suite() + " ack=" + std::string(1, ack),
         mbps[mbps.size() / 2]);
  co_await c->close();
}

template <bool TLS>
awaitable<void> mem_client(tls13::context& ctx, tcp::endpoint ep, long n,
                           std::vector<std::unique_ptr<Conn<TLS>>>& keep) {
  for (long i = 0; i < n; ++i) {
    auto c = co_await open<TLS>(ctx, ep);
    char r;
    co_await asio::async_read(c->io(), asio::buffer(&r, 1), use_awaitable);  // also consumes the tickets
    keep.push_back(std::move(c));
  }
}

static double pct(const std::vector<double>& v, double q) {  // nearest rank; v sorted, q in (0,1]
  return v.empty() ? 0 : v[std::min(v.size(), size_t(std::ceil(q * v.size()))) - 1];
}

template <bool TLS>
static int hs_scenario(asio::io_context& ioc, tls13::context& ctx, tcp::endpoint ep, const std::string& pre) {
  auto run = [&](awaitable<void> aw) {
    asio::co_spawn(ioc, std::move(aw), rethrow), ioc.run(), ioc.restart();
  };
  Stats warm;
  run(hs_client<TLS>(ctx, ep, O.warmup, warm));
  std::vector<Stats> st(O.clients);
  for (auto& s : st) asio::co_spawn(ioc, hs_client<TLS>(ctx, ep, O.n / O.clients, s), rethrow);
  Cpu a = cpu_now();
  ioc.run();  // all client coroutines concurrently
  Cpu b = cpu_now();
  std::vector<double> lat;
  long reused = 0, errors = warm.errors;
  for (auto& s : st)
    lat.insert(lat.end(), s.lat_us.begin(), s.lat_us.end()), reused += s.reused, errors += s.errors;
  std::sort(lat.begin(), lat.end());
  std::string name =
      pre + "hs" + (TLS ? (O.resume ? "_resumed" : "_full") : "") + "_c" + std::to_string(O.clients);
  report(name, "hs/s", lat.size(), a, b, 1e6, "us/hs",  // CPU microseconds per handshake, per side
         "n=" + std::to_string(lat.size()) + " reused=" + std::to_string(reused) +
             " errors=" + std::to_string(errors));
  printf("scenario=%s_lat_p50 value=%.1f unit=us\n", name.c_str(), pct(lat, 0.50));
  printf("scenario=%s_lat_p99 value=%.1f unit=us\n", name.c_str(), pct(lat, 0.99));
  return errors != 0 || (O.resume && reused != long(lat.size()));
}

template <bool TLS>
static int mem_scenario(asio::io_context& ioc, tls13::context& ctx, tcp::endpoint ep,
                        const std::string& pre) {
  auto run = [&](awaitable<void> aw) {
    asio::co_spawn(ioc, std::move(aw), rethrow), ioc.run(), ioc.restart();
  };
  std::vector<std::unique_ptr<Conn<TLS>>> warm, keep;
  keep.reserve(O.n);
  run(mem_client<TLS>(ctx, ep, 1, warm));  // warm up both sides, then close
  run(warm[0]->close()), warm.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Mem b = mem_now();
  run(mem_client<TLS>(ctx, ep, O.n, keep));
  Mem a = mem_now(), s[2];  // s[0] = server after, s[1] = server before
  if (read(g_pipe, s, sizeof s) != sizeof s) throw std::runtime_error("no server memory report");
  auto line = [&](const char* side, double rss_kib, double heap) {
    printf("scenario=%smem_idle_%s value=%.2f unit=KiB/conn heap_kib_per_conn=%.2f n=%ld\n", pre.c_str(),
           side, rss_kib / O.n, heap / 1024.0 / O.n, O.n);
  };
  line("server", s[0].rss_kib - s[1].rss_kib, s[0].heap - s[1].heap);
  line("client", a.rss_kib - b.rss_kib, a.heap - b.heap);
  line("total", s[0].rss_kib - s[1].rss_kib + a.rss_kib - b.rss_kib, s[0].heap - s[1].heap + a.heap - b.heap);
  return 0;
}

template <bool TLS>
static int run_client(unsigned short port) {
  asio::io_context ioc(1);
  tls13::context ctx(tls13::context::tls_client);
  setup_ctx(ctx, false);
  tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), port);
  const std::string pre = TLS ? "tls_" : "tcp_";
  if (O.scenario == "hs") return hs_scenario<TLS>(ioc, ctx, ep, pre);
  if (O.scenario == "bulk") {
    asio::co_spawn(ioc, bulk_client<TLS>(ctx, ep, pre + "bulk" + (TLS ? "_" + O.suite : "")), rethrow);
    return ioc.run(), 0;
  }
  if (O.scenario != "mem") return fprintf(stderr, "unknown scenario %s\n", O.scenario.c_str()), 2;
  return mem_scenario<TLS>(ioc, ctx, ep, pre);
}

// ---- EVP micro-bench of the public-key work libssl does per handshake (same calls, same libcrypto) ----
template <class F>
static double rate(F f) {  // ops per CPU second over >= 1 CPU s (like openssl speed)
  long n = 0;
  double el = 0, t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  for (; el < 1.0; el = clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0, n += 64)
    for (int i = 0; i < 64; ++i) f();
  return n / el;
}

static void crypto_bench() {
  EVP_PKEY* mine = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  EVP_PKEY* peer = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  unsigned char msg[130] = {0}, sig[80], out[32];  // 130 bytes = TLS 1.3 CertificateVerify input (SHA-256)
  size_t len = 0, siglen = 0;
  double kg = rate([] { EVP_PKEY_free(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519")); });
  double dh = rate([&] {
    EVP_PKEY_CTX* c = EVP_PKEY_CTX_new(mine, nullptr);
    EVP_PKEY_derive_init(c);
    EVP_PKEY_derive_set_peer(c, peer);
    len = sizeof out;
    EVP_PKEY_derive(c, out, &len);
    EVP_PKEY_CTX_free(c);
  });
  double sg = rate([&] {
    EVP_MD_CTX* m = EVP_MD_CTX_new();
    EVP_DigestSignInit_ex(m, nullptr, "SHA256", nullptr, nullptr, ec, nullptr);
    siglen = sizeof sig;
    EVP_DigestSign(m, sig, &siglen, msg, sizeof msg);
    EVP_MD_CTX_free(m);
  });
  double vf = rate([&] {
    EVP_MD_CTX* m = EVP_MD_CTX_new();
    EVP_DigestVerifyInit_ex(m, nullptr, "SHA256", nullptr, nullptr, ec, nullptr);
    if (EVP_DigestVerify(m, sig, siglen, msg, sizeof msg) != 1) abort();
    EVP_MD_CTX_free(m);
  });
  const char* names[] = {"x25519_keygen", "x25519_derive", "ecdsap256_sign", "ecdsap256_verify"};
  for (double vals[] = {kg, dh, sg, vf}; int i : {0, 1, 2, 3})
    printf("scenario=crypto_%s value=%.0f unit=op/s\n", names[i], vals[i]);
  EVP_PKEY_free(mine), EVP_PKEY_free(peer), EVP_PKEY_free(ec);
}

static int parse(int argc, char** argv) {  // 0, or the exit status for a bad command line
  if (argc < 2) return fprintf(stderr, "usage: %s hs|bulk|mem|crypto [key=value ...]\n", argv[0]), 2;
  O.scenario = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i], k = a.substr(0, a.find('=')), v = a.substr(a.find('=') + 1);
    long* num = k == "n"         ? &O.n
                : k == "clients" ? &O.clients
                : k == "warmup"  ? &O.warmup
                : k == "mib"     ? &O.mib
                : k == "chunk"   ? &O.chunk
                : k == "reps"    ? &O.reps
                                 : nullptr;
    if (num)
      *num = std::stol(v);
    else if (k == "cert" || k == "key" || k == "suite" || k == "group")
      (k == "cert" ? O.cert : k == "key" ? O.key : k == "suite" ? O.suite : O.group) = v;
    else if (k == "tls" || k == "resume")
      (k == "tls" ? O.tls : O.resume) = v == "1";
    else
      return fprintf(stderr, "unknown option %s\n", a.c_str()), 2;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (int rc = parse(argc, argv)) return rc;
  if (O.scenario == "crypto") return crypto_bench(), 0;
  if (O.tls && (O.cert.empty() || O.key.empty())) return fprintf(stderr, "cert= and key= are required\n"), 2;
  rlimit rl;  // mem: one fd per connection in each process; raise the soft limit to the hard one
  getrlimit(RLIMIT_NOFILE, &rl), rl.rlim_cur = rl.rlim_max, setrlimit(RLIMIT_NOFILE, &rl);

  int lfd = socket(AF_INET, SOCK_STREAM, 0), pfd[2];
  // 127.0.0.1, port chosen by the kernel: every run gets a fresh 4-tuple space (no TIME_WAIT clashes)
  sockaddr_in sa{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}, .sin_zero = {}};
  socklen_t sl = sizeof sa;
  if (bind(lfd, (sockaddr*)&sa, sizeof sa) || listen(lfd, 4096) || getsockname(lfd, (sockaddr*)&sa, &sl) ||
      pipe(pfd))
    return perror("listen"), 1;
  fflush(stdout);
  pid_t pid = g_child = fork();
  if (pid == 0) {  // server process; dies with the client
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(600);
    close(pfd[0]), g_pipe = pfd[1];
    O.tls ? run_server<true>(lfd) : run_server<false>(lfd);
    _exit(0);
  }
  close(lfd), close(pfd[1]), g_pipe = pfd[0];
  alarm(600);  // watchdog: no scenario may hang a run
  int rc = 1;
  try {
    rc = O.tls ? run_client<true>(ntohs(sa.sin_port)) : run_client<false>(ntohs(sa.sin_port));
  } catch (const std::exception& e) {
    fprintf(stderr, "%s: %s\n", O.scenario.c_str(), e.what());
  }
  fflush(stdout);
  kill(pid, SIGTERM);  // the server child started above, by its pid
  waitpid(pid, nullptr, 0);
  return rc;
}
