// Beast HTTP over tls13::stream with coroutines, callbacks, deferred and use_future.
#include "asio_test_support.hpp"

namespace {
using namespace asio_test;

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

}  // namespace
