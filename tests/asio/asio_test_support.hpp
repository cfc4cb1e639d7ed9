// Shared set-up of the Asio adapter tests: contexts over the test PKI and a loopback listener.
#pragma once
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <future>
#include <thread>

#include "tls13/asio.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using tls_stream = tls13::stream<beast::tcp_stream>;

static_assert(beast::is_async_stream<tls_stream>::value);
static_assert(beast::is_sync_stream<tls_stream>::value);
static_assert(std::is_same_v<beast::lowest_layer_type<tls_stream>, beast::tcp_stream>);
static_assert(std::is_same_v<tls13::stream<tcp::socket>::lowest_layer_type, tcp::socket>);

namespace asio_test {

inline std::string pki(const char* name) { return std::string(TLS13_VECTORS_DIR) + "/pki/" + name; }

struct contexts {
  tls13::context server{tls13::context::tls_server};
  tls13::context client{tls13::context::tls_client};
  contexts() {
    server.use_certificate_chain_file(pki("server-ecdsa-chain.pem"));
    server.use_private_key_file(pki("server-ecdsa-key.pem"), tls13::context::file_format::pem);
    server.set_alpn_protocols({"http/1.1"});
    client.load_verify_file(pki("ca.pem"));
    client.set_verify_mode(net::ssl::verify_peer);
    client.set_alpn_protocols({"http/1.1"});
  }
};

// A listening socket on 127.0.0.1 with an ephemeral port.
struct listener {
  tcp::acceptor acceptor;
  explicit listener(net::io_context& io)
      : acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {}
  tcp::endpoint endpoint() const { return acceptor.local_endpoint(); }
};

}  // namespace asio_test
