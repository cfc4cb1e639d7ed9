// Parity of tls13::stream with boost::asio::ssl::stream (libssl), continued from parity_test.cpp:
// Beast HTTP over both stacks and both next layers.
#include <boost/beast/http.hpp>

#include "parity_support.hpp"

namespace {
using namespace parity;
namespace http = beast::http;

TYPED_TEST_SUITE(Parity, all_types, type_names);

// Beast HTTP: a request, and a 100 KB response body (several records), then shutdown.
template <class Stream>
net::awaitable<void> http_server(Stream& s) {
  beast::flat_buffer buf;
  http::request<http::string_body> req;
  co_await http::async_read(s, buf, req, net::use_awaitable);
  http::response<http::string_body> res{http::status::ok, 11};
  res.body() = std::string(100 * 1024, 'b') + std::string(req.target());
  res.prepare_payload();
  co_await http::async_write(s, res, net::use_awaitable);
  co_await s.async_shutdown(net::use_awaitable);
}

template <class Stream>
net::awaitable<std::string> http_client(Stream& s) {
  http::request<http::string_body> req{http::verb::post, "/parity", 11};
  req.body() = "payload";
  req.prepare_payload();
  co_await http::async_write(s, req, net::use_awaitable);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  co_await http::async_read(s, buf, res, net::use_awaitable);
  // The server's close_notify: the client's shutdown answers it.
  char byte = 0;
  auto [ec, n] = co_await s.async_read_some(net::buffer(&byte, 1), net::as_tuple(net::use_awaitable));
  EXPECT_EQ(ec, net::error::eof);
  co_await s.async_shutdown(net::use_awaitable);
  co_return res.body();
}

TYPED_TEST(Parity, BeastHttpRequestAndLargeResponse) {
  fixture<TypeParam> f;
  f.connect();
  bool server_done = false;
  std::string body;
  net::co_spawn(f.io, http_server(f.server), [&](std::exception_ptr e) {
    EXPECT_FALSE(e);
    server_done = true;
  });
  net::co_spawn(f.io, http_client(f.client), [&](std::exception_ptr e, std::string b) {
    EXPECT_FALSE(e);
    body = std::move(b);
  });
  f.run();
  EXPECT_TRUE(server_done);
  EXPECT_EQ(body, std::string(100 * 1024, 'b') + "/parity");
}

}  // namespace
