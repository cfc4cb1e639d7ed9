// tls13::stream under Beast and Asio: HTTP with coroutines, callbacks, deferred, use_future and the
// sync API; WebSocket over TLS; the error codes users compare against (eof, stream_truncated);
// and the Beast stream traits.
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

namespace {

std::string pki(const char* name) { return std::string(TLS13_VECTORS_DIR) + "/pki/" + name; }

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

net::awaitable<void> http_server(tcp::acceptor& acc, tls13::context& ctx) {
  tls_stream s(co_await acc.async_accept(net::use_awaitable), ctx);
  co_await s.async_handshake(tls13::stream_base::server, net::use_awaitable);
  beast::flat_buffer buf;
  http::request<http::string_body> req;
  co_await http::async_read(s, buf, req, net::use_awaitable);
  http::response<http::string_body> res{http::status::ok, 11};
  res.body() = "hello " + std::string(req.target());
  res.prepare_payload();
  co_await http::async_write(s, res, net::use_awaitable);
  co_await s.async_shutdown(net::use_awaitable);
}

net::awaitable<std::string> http_client(tcp::endpoint ep, tls13::context& ctx, std::string target) {
  tls_stream s(co_await net::this_coro::executor, ctx);
  s.set_server_name("localhost");
  co_await beast::get_lowest_layer(s).async_connect(ep, net::use_awaitable);
  co_await s.async_handshake(tls13::stream_base::client, net::use_awaitable);
  EXPECT_EQ(s.session()->alpn, "http/1.1");
  http::request<http::empty_body> req{http::verb::get, target, 11};
  co_await http::async_write(s, req, net::use_awaitable);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  co_await http::async_read(s, buf, res, net::use_awaitable);
  auto [ec] = co_await s.async_shutdown(net::as_tuple(net::use_awaitable));
  EXPECT_FALSE(ec) << ec.message();
  co_return res.body();
}

TEST(AsioStream, BeastHttpWithCoroutines) {
  net::io_context io;
  contexts c;
  listener l(io);
  net::co_spawn(io, http_server(l.acceptor, c.server), [](std::exception_ptr e) { EXPECT_FALSE(e); });
  std::string body;
  net::co_spawn(io, http_client(l.endpoint(), c.client, "/index"), [&](std::exception_ptr e, std::string b) {
    EXPECT_FALSE(e);
    body = std::move(b);
  });
  io.run();
  EXPECT_EQ(body, "hello /index");
}

TEST(AsioStream, CallbacksDeferredAndFutures) {
  net::io_context io;
  contexts c;
  listener l(io);
  tls_stream server(io, c.server), client(io, c.client);
  client.set_server_name("localhost");
  l.acceptor.async_accept(beast::get_lowest_layer(server).socket(),
                          [](beast::error_code ec) { ASSERT_FALSE(ec); });
  beast::get_lowest_layer(client).connect(l.endpoint());
  io.run();
  io.restart();
  bool server_done = false, client_done = false;
  server.async_handshake(tls13::stream_base::server, [&](beast::error_code ec) {
    EXPECT_FALSE(ec) << ec.message();
    server_done = true;
  });
  // deferred: nothing runs until the deferred operation is invoked with a token.
  auto op = client.async_handshake(tls13::stream_base::client, net::deferred);
  std::move(op)([&](beast::error_code ec) {
    EXPECT_FALSE(ec) << ec.message();
    client_done = true;
  });
  io.run();
  io.restart();
  EXPECT_TRUE(server_done && client_done);
  // use_future from another thread while the io_context runs.
  std::thread runner([&] {
    auto guard = net::make_work_guard(io);
    io.run_for(std::chrono::seconds(5));
  });
  std::string msg = "over a future";
  auto wf = net::async_write(client, net::buffer(msg), net::use_future);
  std::string got(msg.size(), '\0');
  auto rf = net::async_read(server, net::buffer(got), net::use_future);
  EXPECT_EQ(wf.get(), msg.size());
  EXPECT_EQ(rf.get(), msg.size());
  EXPECT_EQ(got, msg);
  io.stop();
  runner.join();
}

TEST(AsioStream, CloseNotifyIsEofAndTcpCloseIsStreamTruncated) {
  net::io_context io;
  contexts c;
  listener l(io);
  tls_stream server(io, c.server), client(io, c.client);
  client.set_server_name("localhost");
  l.acceptor.async_accept(beast::get_lowest_layer(server).socket(), [](beast::error_code) {});
  beast::get_lowest_layer(client).connect(l.endpoint());
  io.run();
  io.restart();
  server.async_handshake(tls13::stream_base::server, [](beast::error_code ec) { EXPECT_FALSE(ec); });
  client.async_handshake(tls13::stream_base::client, [](beast::error_code ec) { EXPECT_FALSE(ec); });
  io.run();
  io.restart();
  // The client sends close_notify only; the server's read ends with net::error::eof.
  char byte;
  beast::error_code read_ec;
  server.async_read_some(net::buffer(&byte, 1), [&](beast::error_code ec, std::size_t) { read_ec = ec; });
  client.async_shutdown(tls13::shutdown_mode::send_only, [](beast::error_code ec) { EXPECT_FALSE(ec); });
  io.run();
  io.restart();
  EXPECT_EQ(read_ec, net::error::eof);

  // A second pair: the client's TCP connection just closes: stream_truncated.
  tls_stream server2(io, c.server), client2(io, c.client);
  client2.set_server_name("localhost");
  l.acceptor.async_accept(beast::get_lowest_layer(server2).socket(), [](beast::error_code) {});
  beast::get_lowest_layer(client2).connect(l.endpoint());
  io.run();
  io.restart();
  server2.async_handshake(tls13::stream_base::server, [](beast::error_code ec) { EXPECT_FALSE(ec); });
  client2.async_handshake(tls13::stream_base::client, [](beast::error_code ec) { EXPECT_FALSE(ec); });
  io.run();
  io.restart();
  server2.async_read_some(net::buffer(&byte, 1), [&](beast::error_code ec, std::size_t) { read_ec = ec; });
  beast::get_lowest_layer(client2).socket().shutdown(tcp::socket::shutdown_both);
  io.run();
  EXPECT_EQ(read_ec, net::ssl::error::stream_truncated);
}

TEST(AsioStream, SyncApiAndCertificateFailure) {
  net::io_context io;
  contexts c;
  listener l(io);
  std::thread server_thread([&] {
    tls_stream s(io, c.server);
    l.acceptor.accept(beast::get_lowest_layer(s).socket());
    s.handshake(tls13::stream_base::server);
    char buf[5];
    net::read(s, net::buffer(buf));
    net::write(s, net::buffer(buf));
    s.shutdown();
  });
  tls_stream s(io, c.client);
  s.set_server_name("localhost");
  beast::get_lowest_layer(s).connect(l.endpoint());
  s.handshake(tls13::stream_base::client);
  net::write(s, net::buffer("hello", 5));
  char back[5];
  net::read(s, net::buffer(back));
  EXPECT_EQ(std::string(back, 5), "hello");
  beast::error_code ec;
  s.shutdown(ec);
  EXPECT_FALSE(ec) << ec.message();
  server_thread.join();

  // A wrong name: the client's handshake fails with the certificate error.
  std::thread server2([&] {
    tls_stream s2(io, c.server);
    l.acceptor.accept(beast::get_lowest_layer(s2).socket());
    beast::error_code e;
    s2.handshake(tls13::stream_base::server, e);
    EXPECT_TRUE(e);
  });
  tls_stream bad(io, c.client);
  bad.set_server_name("not-localhost.example");
  beast::get_lowest_layer(bad).connect(l.endpoint());
  bad.handshake(tls13::stream_base::client, ec);
  EXPECT_EQ(tls13::asio_detail::to_std(ec), tls13::make_error_code(tls13::certificate_errc::name_mismatch))
      << ec.message();
  EXPECT_THROW(bad.handshake(tls13::stream_base::client), boost::system::system_error);
  server2.join();
}

net::awaitable<void> ws_server(tcp::acceptor& acc, tls13::context& ctx) {
  beast::websocket::stream<tls_stream> ws(co_await acc.async_accept(net::use_awaitable), ctx);
  co_await ws.next_layer().async_handshake(tls13::stream_base::server, net::use_awaitable);
  co_await ws.async_accept(net::use_awaitable);
  beast::flat_buffer buf;
  co_await ws.async_read(buf, net::use_awaitable);
  co_await ws.async_write(buf.data(), net::use_awaitable);
  auto [ec, n] = co_await ws.async_read(buf, net::as_tuple(net::use_awaitable));
  EXPECT_EQ(ec, beast::websocket::error::closed);
}

net::awaitable<std::string> ws_client(tcp::endpoint ep, tls13::context& ctx) {
  beast::websocket::stream<tls_stream> ws(co_await net::this_coro::executor, ctx);
  ws.next_layer().set_server_name("localhost");
  co_await beast::get_lowest_layer(ws).async_connect(ep, net::use_awaitable);
  co_await ws.next_layer().async_handshake(tls13::stream_base::client, net::use_awaitable);
  co_await ws.async_handshake("localhost", "/", net::use_awaitable);
  co_await ws.async_write(net::buffer(std::string("echo me")), net::use_awaitable);
  beast::flat_buffer buf;
  co_await ws.async_read(buf, net::use_awaitable);
  co_await ws.async_close(beast::websocket::close_code::normal, net::use_awaitable);
  co_return beast::buffers_to_string(buf.data());
}

TEST(AsioStream, WebSocketOverTls) {
  net::io_context io;
  contexts c;
  listener l(io);
  net::co_spawn(io, ws_server(l.acceptor, c.server), [](std::exception_ptr e) { EXPECT_FALSE(e); });
  std::string echoed;
  net::co_spawn(io, ws_client(l.endpoint(), c.client), [&](std::exception_ptr e, std::string s) {
    EXPECT_FALSE(e);
    echoed = std::move(s);
  });
  io.run();
  EXPECT_EQ(echoed, "echo me");
}

}  // namespace
