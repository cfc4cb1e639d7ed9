// The sync API, redirect_error / bind_executor and resumption across streams of one context.
#include "asio_test_support.hpp"

namespace {
using namespace asio_test;

// The peer's close_notify (eof), a TCP close without it (stream_truncated), cancellation and
// timeouts run over both asio::ssl::stream and tls13::stream in parity_test.cpp.

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

}  // namespace

namespace {
using namespace asio_test;

// A connected, handshaken pair on one io_context.
struct tls_pair {
  net::io_context& io;
  tls_stream server, client;
  tls_pair(net::io_context& io_, contexts& c, listener& l)
      : io(io_), server(io_, c.server), client(io_, c.client) {
    client.set_server_name("localhost");
    l.acceptor.async_accept(beast::get_lowest_layer(server).socket(),
                            [](beast::error_code ec) { EXPECT_FALSE(ec); });
    beast::get_lowest_layer(client).connect(l.endpoint());
    io.run();
    io.restart();
    server.async_handshake(tls13::stream_base::server, [](beast::error_code ec) { EXPECT_FALSE(ec); });
    client.async_handshake(tls13::stream_base::client, [](beast::error_code ec) { EXPECT_FALSE(ec); });
    io.run();
    io.restart();
  }
};

TEST(AsioStream, RedirectErrorAndBindExecutorTokens) {
  net::io_context io;
  contexts c;
  listener l(io);
  tls_pair p(io, c, l);
  auto strand = net::make_strand(io);
  bool on_strand = false;
  std::string msg = "via strand";
  net::async_write(p.client, net::buffer(msg),
                   net::bind_executor(strand, [&](beast::error_code ec, std::size_t n) {
                     EXPECT_FALSE(ec);
                     EXPECT_EQ(n, msg.size());
                     on_strand = strand.running_in_this_thread();
                   }));
  std::string got(msg.size(), '\0');
  net::async_read(p.server, net::buffer(got), [](beast::error_code ec, std::size_t) { EXPECT_FALSE(ec); });
  io.run();
  io.restart();
  EXPECT_TRUE(on_strand);
  EXPECT_EQ(got, msg);
  // redirect_error in a coroutine: the peer's close_notify arrives as eof without an exception.
  beast::error_code redirected;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        char b;
        co_await p.server.async_read_some(net::buffer(&b, 1),
                                          net::redirect_error(net::use_awaitable, redirected));
      },
      net::detached);
  p.client.async_shutdown(tls13::shutdown_mode::send_only, [](beast::error_code ec) { EXPECT_FALSE(ec); });
  io.run();
  EXPECT_EQ(redirected, net::error::eof);
}

// Streams made from the same contexts resume: the client context keeps the tickets the server
// sends after the handshake (they arrive with the first read), and the next handshake uses one.
TEST(AsioStream, ASecondConnectionFromTheSameContextsResumes) {
  net::io_context io;
  contexts c;
  listener l(io);
  {
    tls_pair first(io, c, l);
    EXPECT_FALSE(first.client.session()->resumed);
    char byte = 0;
    net::async_write(first.server, net::buffer("x", 1),
                     [](beast::error_code ec, std::size_t) { EXPECT_FALSE(ec); });
    net::async_read(first.client, net::buffer(&byte, 1),
                    [](beast::error_code ec, std::size_t) { EXPECT_FALSE(ec); });
    io.run();
    io.restart();
    EXPECT_EQ(byte, 'x');
  }
  tls_pair second(io, c, l);
  EXPECT_TRUE(second.client.session()->resumed);
  EXPECT_TRUE(second.server.session()->resumed);
  // Turned off on the client context: a full handshake.
  c.client.set_ticket_store(nullptr);
  tls_pair third(io, c, l);
  EXPECT_FALSE(third.client.session()->resumed);
}

}  // namespace
