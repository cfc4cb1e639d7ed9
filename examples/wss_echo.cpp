// A WebSocket-over-TLS (wss://) echo server and client: Beast's
// websocket::stream<tls13::stream<beast::tcp_stream>>, written as with beast::ssl_stream. Closing
// the WebSocket closes TLS too (close_notify both ways, through tls13's async_teardown).
//   wss_echo                                      both in one process over 127.0.0.1 (the demo)
//   wss_echo server PORT [--cert chain.pem] [--key key.pem]
//   wss_echo client HOST PORT MESSAGE... [--cafile ca.pem]
// Without --cert/--key/--cafile the test PKI is used (its server certificate names "localhost").
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "tls13/asio.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using wss_stream = websocket::stream<tls13::stream<beast::tcp_stream>>;

namespace {

int server_errors = 0;  // connections that ended with an error (the demo fails on any)

struct options {
  std::string cert = TLS13_EXAMPLE_PKI "/server-ecdsa-chain.pem",
              key = TLS13_EXAMPLE_PKI "/server-ecdsa-key.pem", cafile = TLS13_EXAMPLE_PKI "/ca.pem";
  std::vector<std::string> args;  // the positional ones
};

// One connection: the TLS handshake (bounded by a timeout on the TCP layer), the WebSocket
// handshake, then every message echoed until the client closes.
net::awaitable<void> serve(tcp::socket socket, tls13::context& ctx) {
  wss_stream ws(std::move(socket), ctx);
  beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
  co_await ws.next_layer().async_handshake(tls13::stream_base::server, net::use_awaitable);
  beast::get_lowest_layer(ws).expires_never();  // the WebSocket has its own timeouts
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  co_await ws.async_accept(net::use_awaitable);
  beast::flat_buffer buf;
  for (;;) {
    auto [ec, n] = co_await ws.async_read(buf, net::as_tuple(net::use_awaitable));
    if (ec == websocket::error::closed) co_return;  // the client's close frame, answered by Beast
    if (ec) throw boost::system::system_error(ec);
    ws.text(ws.got_text());
    co_await ws.async_write(buf.data(), net::use_awaitable);
    buf.consume(n);
  }
}

// Accepts `connections` connections (-1: forever), each in its own coroutine.
net::awaitable<void> listen(tcp::acceptor& acceptor, tls13::context& ctx, int connections) {
  for (int i = 0; connections < 0 || i < connections; ++i) {
    auto socket = co_await acceptor.async_accept(net::use_awaitable);
    net::co_spawn(acceptor.get_executor(), serve(std::move(socket), ctx), [](std::exception_ptr e) {
      try {
        if (e) std::rethrow_exception(e);
      } catch (const std::exception& x) {
        ++server_errors;
        std::cerr << "server: " << x.what() << "\n";
      }
    });
  }
}

// Sends each message and prints its echo, then closes the WebSocket (and so TLS and TCP).
net::awaitable<void> client(std::string host, std::string port, std::vector<std::string> messages,
                            tls13::context& ctx) {
  auto ex = co_await net::this_coro::executor;
  wss_stream ws(ex, ctx);
  ws.next_layer().set_server_name(host);  // SNI, and the name the certificate must carry
  tcp::resolver resolver(ex);
  beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
  co_await beast::get_lowest_layer(ws).async_connect(
      co_await resolver.async_resolve(host, port, net::use_awaitable), net::use_awaitable);
  co_await ws.next_layer().async_handshake(tls13::stream_base::client, net::use_awaitable);
  beast::get_lowest_layer(ws).expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  co_await ws.async_handshake(host + ":" + port, "/", net::use_awaitable);
  std::cout << "connected: wss://" << host << ":" << port << "/ (TLS 1.3, "
            << (ws.next_layer().session()->resumed ? "resumed" : "full handshake") << ")\n";
  beast::flat_buffer buf;
  for (const auto& m : messages) {
    co_await ws.async_write(net::buffer(m), net::use_awaitable);
    co_await ws.async_read(buf, net::use_awaitable);
    const std::string echo = beast::buffers_to_string(buf.data());
    std::cout << "echo: " << echo << "\n";
    if (echo != m) throw std::runtime_error("the echo differs from what was sent");
    buf.consume(buf.size());
  }
  co_await ws.async_close(websocket::close_code::normal, net::use_awaitable);
}

void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

}  // namespace

int main(int argc, char** argv) try {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--cert" || a == "--key" || a == "--cafile") && i + 1 < argc)
      (a == "--cert" ? o.cert : a == "--key" ? o.key : o.cafile) = argv[++i];
    else
      o.args.push_back(a);
  }
  net::io_context io;
  tls13::context server_ctx(tls13::context::tls_server), client_ctx(tls13::context::tls_client);
  server_ctx.use_certificate_chain_file(o.cert);
  server_ctx.use_private_key_file(o.key, tls13::context::file_format::pem);
  client_ctx.load_verify_file(o.cafile);
  client_ctx.set_verify_mode(net::ssl::verify_peer);

  if (o.args.empty()) {  // the demo: one server connection, one client
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const std::string port = std::to_string(acceptor.local_endpoint().port());
    net::co_spawn(io, listen(acceptor, server_ctx, 1), rethrow);
    net::co_spawn(io, client("localhost", port, {"hello", "over wss and tls13", "bye"}, client_ctx), rethrow);
    io.run();
    std::cout << "wss_echo: done\n";
    return server_errors == 0 ? 0 : 1;
  }
  if (o.args[0] == "server" && o.args.size() == 2) {
    tcp::acceptor acceptor(io, tcp::endpoint(tcp::v4(), static_cast<unsigned short>(std::stoi(o.args[1]))));
    std::cerr << "listening on port " << o.args[1] << "\n";
    net::co_spawn(io, listen(acceptor, server_ctx, -1), rethrow);
    io.run();
    return 0;
  }
  if (o.args[0] == "client" && o.args.size() >= 4) {
    net::co_spawn(io, client(o.args[1], o.args[2], {o.args.begin() + 3, o.args.end()}, client_ctx), rethrow);
    io.run();
    return 0;
  }
  std::cerr
      << "usage: wss_echo [server PORT | client HOST PORT MESSAGE...] [--cert F] [--key F] [--cafile F]\n";
  return 2;
} catch (const std::exception& e) {
  std::cerr << "wss_echo: " << e.what() << "\n";
  return 1;
}
