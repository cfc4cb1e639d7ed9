// beast::websocket::stream over tls13::stream (teardown through ADL).
#include "asio_test_support.hpp"

namespace {
using namespace asio_test;

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
