// The parity suites (parity_test.cpp, parity_tokens_test.cpp): the same scenarios over
// boost::asio::ssl::stream (libssl) and tls13::stream, each over tcp::socket and beast::tcp_stream.
// A "stack" names the stream template and makes its contexts over the test PKI; a parity_type binds
// a stack to a next layer. Asio, Asio.SSL and Beast are compiled once (asio_impl.cpp).
#pragma once
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <memory>
#include <string>
#include <type_traits>

#include "tls13/asio.hpp"

namespace parity {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

inline std::string pki(const char* name) { return std::string(TLS13_VECTORS_DIR) + "/pki/" + name; }

// boost::asio::ssl::stream over libssl: SNI and host name verification set the asio way.
struct asio_ssl {
  static constexpr bool is_tls13 = false;
  static constexpr const char* name = "asio_ssl";
  template <class Next>
  using stream = net::ssl::stream<Next>;
  using context = net::ssl::context;
  static std::unique_ptr<context> server_context() {
    auto c = std::make_unique<context>(context::tls_server);
    c->set_options(context::no_tlsv1 | context::no_tlsv1_1 | context::no_tlsv1_2);
    c->use_certificate_chain_file(pki("server-ecdsa-chain.pem"));
    c->use_private_key_file(pki("server-ecdsa-key.pem"), context::pem);
    return c;
  }
  static std::unique_ptr<context> client_context(const char* ca) {
    auto c = std::make_unique<context>(context::tls_client);
    c->set_options(context::no_tlsv1 | context::no_tlsv1_1 | context::no_tlsv1_2);
    c->load_verify_file(pki(ca));
    c->set_verify_mode(net::ssl::verify_peer);
    return c;
  }
  template <class Stream>
  static void set_host(Stream& s, const std::string& host) {
    SSL_set_tlsext_host_name(s.native_handle(), host.c_str());
    s.set_verify_callback(net::ssl::host_name_verification(host));
  }
};

// tls13::stream: set_server_name does both.
struct tls13_stack {
  static constexpr bool is_tls13 = true;
  static constexpr const char* name = "tls13";
  template <class Next>
  using stream = tls13::stream<Next>;
  using context = tls13::context;
  static std::unique_ptr<context> server_context() {
    auto c = std::make_unique<context>(context::tls_server);
    c->use_certificate_chain_file(pki("server-ecdsa-chain.pem"));
    c->use_private_key_file(pki("server-ecdsa-key.pem"), context::file_format::pem);
    return c;
  }
  static std::unique_ptr<context> client_context(const char* ca) {
    auto c = std::make_unique<context>(context::tls_client);
    c->load_verify_file(pki(ca));
    c->set_verify_mode(net::ssl::verify_peer);
    return c;
  }
  template <class Stream>
  static void set_host(Stream& s, const std::string& host) {
    s.set_server_name(host);
  }
};

template <class Stack, class Next>
struct parity_type {
  using stack = Stack;
  using next_layer = Next;
  using stream = typename Stack::template stream<Next>;
  static constexpr bool is_tls13 = Stack::is_tls13;
  static constexpr bool has_timeouts = std::is_same_v<Next, beast::tcp_stream>;
};

#if defined(TLS13_PARITY_TLS13_ONLY)
// Sanitizer builds (tests/asio/CMakeLists.txt): the scenarios over tls13::stream only, which is what
// the sanitizers are there to check; the comparison with libssl runs in the default build. This
// halves the compile time, which is long under ASan.
using all_types =
    ::testing::Types<parity_type<tls13_stack, tcp::socket>, parity_type<tls13_stack, beast::tcp_stream>>;
using socket_types = ::testing::Types<parity_type<tls13_stack, tcp::socket>>;
using timeout_types = ::testing::Types<parity_type<tls13_stack, beast::tcp_stream>>;
#else
using all_types =
    ::testing::Types<parity_type<asio_ssl, tcp::socket>, parity_type<tls13_stack, tcp::socket>,
                     parity_type<asio_ssl, beast::tcp_stream>, parity_type<tls13_stack, beast::tcp_stream>>;
using socket_types =
    ::testing::Types<parity_type<asio_ssl, tcp::socket>, parity_type<tls13_stack, tcp::socket>>;
using timeout_types =
    ::testing::Types<parity_type<asio_ssl, beast::tcp_stream>, parity_type<tls13_stack, beast::tcp_stream>>;
#endif

// Test names: Parity/tls13_tcp_stream.Scenario.
struct type_names {
  template <class T>
  static std::string GetName(int) {
    return std::string(T::stack::name) + (T::has_timeouts ? "_tcp_stream" : "_socket");
  }
};

// The TCP socket under either next layer.
template <class Stream>
tcp::socket& socket_of(Stream& s) {
  auto& lowest = beast::get_lowest_layer(s);
  if constexpr (std::is_same_v<std::remove_reference_t<decltype(lowest)>, tcp::socket>)
    return lowest;
  else
    return lowest.socket();
}

// One io_context, a loopback listener, contexts of the stack, and a server/client stream pair over a
// connected TCP pair (no TLS yet). `ca`: what the client trusts (other-ca.pem: the server's chain
// does not verify).
template <class T>
struct fixture {
  using stream = typename T::stream;
  net::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
  std::unique_ptr<typename T::stack::context> server_ctx = T::stack::server_context();
  std::unique_ptr<typename T::stack::context> client_ctx;
  stream server{io, *server_ctx};
  stream client;

  explicit fixture(const char* ca = "ca.pem")
      : client_ctx(T::stack::client_context(ca)), client(io, *client_ctx) {
    T::stack::set_host(client, "localhost");
    // Loopback: connect() completes from the listen backlog, then accept() takes it.
    socket_of(client).connect(acceptor.local_endpoint());
    acceptor.accept(socket_of(server));
  }

  // Runs the io_context until it has no work, and makes it runnable again.
  void run() {
    io.run();
    io.restart();
  }

  // Runs handlers one at a time until `done()` holds or there is no work left.
  template <class Pred>
  void run_until(Pred done) {
    while (!done() && io.run_one() != 0) {
    }
    if (io.stopped()) io.restart();
  }

  // Both handshakes, to completion; returns {server's error, client's error}.
  std::pair<error_code, error_code> handshake() {
    error_code s_ec = net::error::would_block, c_ec = net::error::would_block;
    server.async_handshake(stream::server, [&](error_code ec) { s_ec = ec; });
    client.async_handshake(stream::client, [&](error_code ec) { c_ec = ec; });
    run();
    return {s_ec, c_ec};
  }
  void connect() {
    auto [s, c] = handshake();
    ASSERT_FALSE(s) << s.message();
    ASSERT_FALSE(c) << c.message();
  }
};

// The typed suites of parity_test.cpp and parity_ops_test.cpp: one fixture type for both files.
template <class T>
class Parity : public ::testing::Test {};
template <class T>
class ParityTimeout : public ::testing::Test {};

// The peer's close_notify is net::error::eof; the side that shut down first completes its
// send-and-wait shutdown once the other side answers with its own close_notify.
template <class T>
void shutdown_first(fixture<T>& f, typename T::stream& first, typename T::stream& second) {
  error_code first_ec = net::error::would_block, read_ec, second_ec = net::error::would_block;
  char byte = 0;
  second.async_read_some(net::buffer(&byte, 1), [&](error_code ec, std::size_t n) {
    read_ec = ec;
    EXPECT_EQ(n, 0u);
    second.async_shutdown([&](error_code ec2) { second_ec = ec2; });
  });
  first.async_shutdown([&](error_code ec) { first_ec = ec; });
  f.run();
  EXPECT_EQ(read_ec, net::error::eof) << read_ec.message();
  EXPECT_FALSE(first_ec) << first_ec.message();
  EXPECT_FALSE(second_ec) << second_ec.message();
}

}  // namespace parity
