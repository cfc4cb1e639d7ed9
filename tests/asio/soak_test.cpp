// Full-duplex soak of tls13::stream on a multi-threaded io_context (scripts/test.sh also runs it
// under ThreadSanitizer): several connections, each stream on its own strand, each side with one
// async_read and one async_write outstanding at all times, a KeyUpdate asking for the peer's every
// few writes, a bounded number of bytes each way (checked byte for byte), then both sides shut down
// at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tls13/asio.hpp"

// No TSan suppression: the shared trust anchor's libcrypto extension cache, which OpenSSL fills
// lazily on first use (a write TSan reported from concurrent verifications), is filled when the
// anchor is added (trust_store::add_der), so verifications on several threads only read it.

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using tls_stream = tls13::stream<tcp::socket>;

constexpr int connections = 4, threads = 4;
constexpr std::size_t bytes_each_way = 4 * 1024 * 1024;
constexpr int key_update_every = 8;  // writes

std::string pki(const char* name) { return std::string(TLS13_VECTORS_DIR) + "/pki/" + name; }

// The byte at `offset` of what the side with `seed` sends.
char pattern(std::uint32_t seed, std::size_t offset) {
  return static_cast<char>(((offset * 2654435761u) >> 13) ^ seed);
}

// One end of a connection. Every handler runs on the stream's strand (the socket's executor).
struct side {
  tls_stream s;
  std::uint32_t seed, peer_seed, rng;
  std::vector<char> out, in = std::vector<char>(20000);
  std::size_t written = 0, received = 0;
  int writes = 0, key_updates = 0, mismatches = 0;
  int overlapped = 0;  // reads that completed while a write (or key update) was outstanding
  bool writing = false, write_done = false, read_done = false, shut_down = false;
  error_code error;  // the first error of any operation

  side(net::io_context& io, tls13::context& ctx, std::uint32_t seed_, std::uint32_t peer_seed_)
      : s(net::make_strand(io), ctx), seed(seed_), peer_seed(peer_seed_), rng(seed_ * 7919u + 1) {}

  bool failed(error_code ec) {
    if (ec && !error) error = ec;
    return static_cast<bool>(ec);
  }
  // Write sizes from 1 byte to a little over three records.
  std::size_t next_size() {
    rng = rng * 1103515245u + 12345u;
    return 1 + (rng >> 8) % (3 * 16384 + 100);
  }

  void start(tls13::stream_base::handshake_type type) {
    net::dispatch(s.get_executor(), [this, type] {
      s.async_handshake(type, [this](error_code ec) {
        if (failed(ec)) return;
        write();
        read();
      });
    });
  }
  void write() {
    if (written == bytes_each_way) {
      write_done = true;
      return maybe_shutdown();
    }
    if (++writes % key_update_every == 0) {
      writing = true;
      s.async_key_update(true, [this](error_code ec) {
        writing = false;
        if (failed(ec)) return;
        ++key_updates;
        write_data();
      });
      return;
    }
    write_data();
  }
  void write_data() {
    const std::size_t n = std::min(bytes_each_way - written, next_size());
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = pattern(seed, written + i);
    writing = true;
    net::async_write(s, net::buffer(out), [this](error_code ec, std::size_t n2) {
      writing = false;
      if (failed(ec)) return;
      written += n2;
      write();
    });
  }
  void read() {
    if (received == bytes_each_way) {
      read_done = true;
      return maybe_shutdown();
    }
    s.async_read_some(net::buffer(in), [this](error_code ec, std::size_t n) {
      if (failed(ec)) return;
      overlapped += writing ? 1 : 0;
      for (std::size_t i = 0; i < n; ++i) mismatches += in[i] != pattern(peer_seed, received + i) ? 1 : 0;
      received += n;
      read();
    });
  }
  // Both directions are done: close_notify, and wait for the peer's (both sides do this at once).
  void maybe_shutdown() {
    if (!write_done || !read_done) return;
    s.async_shutdown([this](error_code ec) { shut_down = !failed(ec); });
  }
};

TEST(AsioSoak, FullDuplexWithKeyUpdatesOnFourThreads) {
  tls13::context server_ctx(tls13::context::tls_server), client_ctx(tls13::context::tls_client);
  server_ctx.use_certificate_chain_file(pki("server-ecdsa-chain.pem"));
  server_ctx.use_private_key_file(pki("server-ecdsa-key.pem"), tls13::context::file_format::pem);
  client_ctx.load_verify_file(pki("ca.pem"));
  client_ctx.set_verify_mode(net::ssl::verify_peer);

  net::io_context io(threads);
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  std::vector<std::unique_ptr<side>> servers, clients;
  for (int i = 0; i < connections; ++i) {
    const auto a = static_cast<std::uint32_t>(2 * i + 1), b = static_cast<std::uint32_t>(2 * i + 2);
    servers.push_back(std::make_unique<side>(io, server_ctx, a, b));
    clients.push_back(std::make_unique<side>(io, client_ctx, b, a));
    clients.back()->s.set_server_name("localhost");
    clients.back()->s.next_layer().connect(acceptor.local_endpoint());
    acceptor.accept(servers.back()->s.next_layer());
  }
  for (int i = 0; i < connections; ++i) {
    servers[i]->start(tls13::stream_base::server);
    clients[i]->start(tls13::stream_base::client);
  }
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back([&] { io.run(); });
  for (auto& t : pool) t.join();

  for (auto* group : {&servers, &clients}) {
    for (auto& p : *group) {
      SCOPED_TRACE(group == &servers ? "server" : "client");
      EXPECT_FALSE(p->error) << p->error.message();
      EXPECT_EQ(p->written, bytes_each_way);
      EXPECT_EQ(p->received, bytes_each_way);
      EXPECT_EQ(p->mismatches, 0);
      EXPECT_EQ(p->key_updates, p->writes / key_update_every);
      EXPECT_GT(p->overlapped, 0);  // full duplex: the read and the write were outstanding together
      EXPECT_TRUE(p->shut_down);
    }
  }
}

}  // namespace
