// A line echo server and client over tls13::stream with C++20 coroutines (co_await), the way one
// writes them with boost::asio::ssl::stream: only the stream and context types differ.
//   coro_echo                                      both in one process over 127.0.0.1 (the demo)
//   coro_echo server PORT [--cert chain.pem] [--key key.pem]
//   coro_echo client HOST PORT MESSAGE... [--cafile ca.pem]
// Without --cert/--key/--cafile the test PKI is used (its server certificate names "localhost").
#include <boost/asio.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "tls13/asio.hpp"

namespace net = boost::asio;
using tcp = net::ip::tcp;
using tls_stream = tls13::stream<tcp::socket>;

namespace {

int server_errors = 0;  // connections that ended with an error (the demo fails on any)

struct options {
  std::string cert = TLS13_EXAMPLE_PKI "/server-ecdsa-chain.pem",
              key = TLS13_EXAMPLE_PKI "/server-ecdsa-key.pem", cafile = TLS13_EXAMPLE_PKI "/ca.pem";
  std::vector<std::string> args;  // the positional ones
};

// One connection: echo every line until the client's close_notify, then answer it with ours.
net::awaitable<void> serve(tls_stream s) {
  co_await s.async_handshake(tls13::stream_base::server, net::use_awaitable);
  std::string buf;
  for (;;) {
    auto [ec, n] =
        co_await net::async_read_until(s, net::dynamic_buffer(buf), '\n', net::as_tuple(net::use_awaitable));
    if (ec == net::error::eof) break;  // close_notify: the client is done
    if (ec) throw boost::system::system_error(ec);
    co_await net::async_write(s, net::buffer(buf, n), net::use_awaitable);
    buf.erase(0, n);
  }
  co_await s.async_shutdown(net::use_awaitable);
}

// Accepts `connections` connections (-1: forever), each in its own coroutine.
net::awaitable<void> listen(tcp::acceptor& acceptor, tls13::context& ctx, int connections) {
  for (int i = 0; connections < 0 || i < connections; ++i) {
    tls_stream s(co_await acceptor.async_accept(net::use_awaitable), ctx);
    net::co_spawn(acceptor.get_executor(), serve(std::move(s)), [](std::exception_ptr e) {
      try {
        if (e) std::rethrow_exception(e);
      } catch (const std::exception& x) {
        ++server_errors;
        std::cerr << "server: " << x.what() << "\n";
      }
    });
  }
}

// Sends each message as a line and prints the echo; then close_notify both ways.
net::awaitable<void> client(std::string host, std::string port, std::vector<std::string> messages,
                            tls13::context& ctx) {
  auto ex = co_await net::this_coro::executor;
  tls_stream s(ex, ctx);
  s.set_server_name(host);  // SNI, and the name the certificate must carry
  tcp::resolver resolver(ex);
  co_await net::async_connect(s.next_layer(), co_await resolver.async_resolve(host, port, net::use_awaitable),
                              net::use_awaitable);
  co_await s.async_handshake(tls13::stream_base::client, net::use_awaitable);
  std::cout << "connected: " << host << ":" << port << (s.session()->resumed ? " (resumed)" : "") << "\n";
  std::string buf;
  for (const auto& m : messages) {
    co_await net::async_write(s, net::buffer(m + "\n"), net::use_awaitable);
    const std::size_t n =
        co_await net::async_read_until(s, net::dynamic_buffer(buf), '\n', net::use_awaitable);
    std::cout << "echo: " << buf.substr(0, n - 1) << "\n";
    if (buf.compare(0, n - 1, m) != 0) throw std::runtime_error("the echo differs from what was sent");
    buf.erase(0, n);
  }
  co_await s.async_shutdown(net::use_awaitable);  // send close_notify and wait for the server's
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
    net::co_spawn(io, client("localhost", port, {"hello", "over tls13", "bye"}, client_ctx), rethrow);
    io.run();
    std::cout << "coro_echo: done\n";
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
      << "usage: coro_echo [server PORT | client HOST PORT MESSAGE...] [--cert F] [--key F] [--cafile F]\n";
  return 2;
} catch (const std::exception& e) {
  std::cerr << "coro_echo: " << e.what() << "\n";
  return 1;
}
