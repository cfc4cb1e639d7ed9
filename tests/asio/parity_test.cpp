// Parity of tls13::stream with boost::asio::ssl::stream (libssl): closure, shutdown, certificate
// failure, cancellation, timeouts and Beast HTTP, each scenario run over both stacks and both next
// layers (tcp::socket, beast::tcp_stream) with the same assertions. Where the stacks differ, the test
// asserts each one's behaviour and says why.
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/http.hpp>

#include "parity_support.hpp"

namespace {
using namespace parity;
namespace http = beast::http;

template <class T>
class Parity : public ::testing::Test {};
TYPED_TEST_SUITE(Parity, all_types, type_names);

template <class T>
class ParityTimeout : public ::testing::Test {};
TYPED_TEST_SUITE(ParityTimeout, timeout_types, type_names);

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

TYPED_TEST(Parity, ClientShutsDownFirst) {
  fixture<TypeParam> f;
  f.connect();
  shutdown_first(f, f.client, f.server);
}

TYPED_TEST(Parity, ServerShutsDownFirst) {
  fixture<TypeParam> f;
  f.connect();
  shutdown_first(f, f.server, f.client);
}

TYPED_TEST(Parity, BothShutDownAtOnce) {
  fixture<TypeParam> f;
  f.connect();
  error_code s_ec = net::error::would_block, c_ec = net::error::would_block;
  f.server.async_shutdown([&](error_code ec) { s_ec = ec; });
  f.client.async_shutdown([&](error_code ec) { c_ec = ec; });
  f.run();
  EXPECT_FALSE(s_ec) << s_ec.message();
  EXPECT_FALSE(c_ec) << c_ec.message();
}

// After both close_notify went both ways: reads are eof on both sides; a write fails.
TYPED_TEST(Parity, ReadAndWriteAfterShutdown) {
  fixture<TypeParam> f;
  f.connect();
  shutdown_first(f, f.client, f.server);
  for (auto* s : {&f.client, &f.server}) {
    char byte = 0;
    error_code read_ec, write_ec;
    std::size_t written = 99;
    s->async_read_some(net::buffer(&byte, 1), [&](error_code ec, std::size_t) { read_ec = ec; });
    f.run();
    EXPECT_EQ(read_ec, net::error::eof) << read_ec.message();
    s->async_write_some(net::buffer("x", 1), [&](error_code ec, std::size_t n) {
      write_ec = ec;
      written = n;
    });
    f.run();
    EXPECT_TRUE(write_ec);
    EXPECT_EQ(written, 0u);
    if constexpr (TypeParam::is_tls13) {
      // The core refuses to write after our close_notify.
      EXPECT_EQ(tls13::asio_detail::to_std(write_ec),
                tls13::make_error_code(tls13::internal_errc::invalid_state))
          << write_ec.message();
    } else {
      // SSL_write after SSL_shutdown: SSL_R_PROTOCOL_IS_SHUTDOWN.
      EXPECT_EQ(write_ec.category(), net::error::get_ssl_category()) << write_ec.message();
      EXPECT_EQ(ERR_GET_REASON(static_cast<unsigned long>(write_ec.value())), SSL_R_PROTOCOL_IS_SHUTDOWN)
          << write_ec.message();
    }
  }
}

// The peer's TCP connection ends without close_notify: stream_truncated, on both stacks the same code.
TYPED_TEST(Parity, TcpCloseWithoutCloseNotifyIsStreamTruncated) {
  fixture<TypeParam> f;
  f.connect();
  char byte = 0;
  error_code read_ec;
  f.server.async_read_some(net::buffer(&byte, 1), [&](error_code ec, std::size_t) { read_ec = ec; });
  socket_of(f.client).shutdown(tcp::socket::shutdown_send);
  f.run();
  EXPECT_EQ(read_ec, net::ssl::error::stream_truncated) << read_ec.message();
}

// The client does not trust the server's CA: both handshakes fail. The codes are each stack's own
// (libssl's packed ERR codes against tls13's categories), so each is checked against its stack.
TYPED_TEST(Parity, UntrustedCertificateFailsBothHandshakes) {
  fixture<TypeParam> f("other-ca.pem");
  auto [s_ec, c_ec] = f.handshake();
  ASSERT_TRUE(c_ec);
  ASSERT_TRUE(s_ec);
  if constexpr (TypeParam::is_tls13) {
    EXPECT_EQ(tls13::asio_detail::to_std(c_ec),
              tls13::make_error_code(tls13::certificate_errc::unknown_issuer))
        << c_ec.message();
    // The client's alert (unknown_ca, RFC 8446 §6.2) is the server's error.
    EXPECT_EQ(tls13::asio_detail::to_std(s_ec), tls13::alert_received(tls13::alert_description::unknown_ca))
        << s_ec.message();
  } else {
    EXPECT_EQ(c_ec.category(), net::error::get_ssl_category());
    EXPECT_EQ(ERR_GET_REASON(static_cast<unsigned long>(c_ec.value())), SSL_R_CERTIFICATE_VERIFY_FAILED)
        << c_ec.message();
    EXPECT_EQ(s_ec.category(), net::error::get_ssl_category());
    EXPECT_EQ(ERR_GET_REASON(static_cast<unsigned long>(s_ec.value())), SSL_R_TLSV1_ALERT_UNKNOWN_CA)
        << s_ec.message();
  }
}

// Terminal cancellation of a pending read: operation_aborted; nothing was consumed, so the stream
// reads the peer's next data afterwards.
TYPED_TEST(Parity, CancelPendingRead) {
  fixture<TypeParam> f;
  f.connect();
  net::cancellation_signal cancel;
  char byte = 0;
  error_code read_ec;
  std::size_t got = 99;
  f.server.async_read_some(net::buffer(&byte, 1),
                           net::bind_cancellation_slot(cancel.slot(), [&](error_code ec, std::size_t n) {
                             read_ec = ec;
                             got = n;
                           }));
  net::post(f.io, [&] { cancel.emit(net::cancellation_type::terminal); });
  f.run();
  EXPECT_EQ(read_ec, net::error::operation_aborted) << read_ec.message();
  EXPECT_EQ(got, 0u);
  net::async_write(f.client, net::buffer("y", 1), [](error_code ec, std::size_t) { EXPECT_FALSE(ec); });
  f.server.async_read_some(net::buffer(&byte, 1), [&](error_code ec, std::size_t n) {
    read_ec = ec;
    got = n;
  });
  f.run();
  EXPECT_FALSE(read_ec) << read_ec.message();
  EXPECT_EQ(got, 1u);
  EXPECT_EQ(byte, 'y');
}

// Terminal cancellation of a client handshake waiting for the ServerHello (the server has the
// ClientHello: it peeked at it). The handshake ends with operation_aborted; the client is mid-
// handshake with its ClientHello sent, and calling async_handshake again goes on from there.
TYPED_TEST(Parity, CancelHandshakeWaitingForServer) {
  fixture<TypeParam> f;
  net::cancellation_signal cancel;
  error_code c_ec = net::error::would_block, s_ec = net::error::would_block;
  f.client.async_handshake(TypeParam::stream::client,
                           net::bind_cancellation_slot(cancel.slot(), [&](error_code ec) { c_ec = ec; }));
  char peek = 0;
  socket_of(f.server).async_receive(net::buffer(&peek, 1), tcp::socket::message_peek,
                                    [&](error_code ec, std::size_t) {
                                      ASSERT_FALSE(ec);
                                      cancel.emit(net::cancellation_type::terminal);
                                    });
  f.run();
  EXPECT_EQ(peek, 0x16);  // a handshake record: the ClientHello
  EXPECT_EQ(c_ec, net::error::operation_aborted) << c_ec.message();
  f.server.async_handshake(TypeParam::stream::server, [&](error_code ec) { s_ec = ec; });
  f.client.async_handshake(TypeParam::stream::client, [&](error_code ec) { c_ec = ec; });
  f.run();
  EXPECT_FALSE(s_ec) << s_ec.message();
  EXPECT_FALSE(c_ec) << c_ec.message();
  shutdown_first(f, f.client, f.server);
}

// A KeyUpdate asking for the peer's, mid-stream: data goes both ways afterwards, under the new keys.
// asio::ssl::stream has no member for it: SSL_key_update queues it for the next write (libssl's API);
// tls13::stream has async_key_update, which writes it at once.
TYPED_TEST(Parity, KeyUpdateRequestedMidStream) {
  fixture<TypeParam> f;
  f.connect();
  if constexpr (TypeParam::is_tls13) {
    error_code ku_ec = net::error::would_block;
    f.client.async_key_update(true, [&](error_code ec) { ku_ec = ec; });
    f.run();
    EXPECT_FALSE(ku_ec) << ku_ec.message();
  } else {
    ASSERT_EQ(SSL_key_update(f.client.native_handle(), SSL_KEY_UPDATE_REQUESTED), 1);
  }
  char a = 0, b = 0;
  error_code ec1, ec2;
  net::async_write(f.client, net::buffer("a", 1), [](error_code ec, std::size_t) { EXPECT_FALSE(ec); });
  net::async_read(f.server, net::buffer(&a, 1), [&](error_code ec, std::size_t) {
    ec1 = ec;
    // The server's answering KeyUpdate goes out ahead of this.
    net::async_write(f.server, net::buffer("b", 1), [](error_code ec3, std::size_t) { EXPECT_FALSE(ec3); });
  });
  net::async_read(f.client, net::buffer(&b, 1), [&](error_code ec, std::size_t) { ec2 = ec; });
  f.run();
  EXPECT_FALSE(ec1) << ec1.message();
  EXPECT_FALSE(ec2) << ec2.message();
  EXPECT_EQ(a, 'a');
  EXPECT_EQ(b, 'b');
  shutdown_first(f, f.client, f.server);
}

// beast::tcp_stream's expires_after bounds a read and a handshake: beast::error::timeout.
TYPED_TEST(ParityTimeout, ReadTimesOut) {
  fixture<TypeParam> f;
  f.connect();
  char byte = 0;
  error_code read_ec;
  beast::get_lowest_layer(f.server).expires_after(std::chrono::milliseconds(50));
  f.server.async_read_some(net::buffer(&byte, 1), [&](error_code ec, std::size_t) { read_ec = ec; });
  f.run();
  EXPECT_EQ(read_ec, beast::error::timeout) << read_ec.message();
  // The timeout closed the socket: the stream is done.
  EXPECT_FALSE(socket_of(f.server).is_open());
}

TYPED_TEST(ParityTimeout, HandshakeTimesOut) {
  fixture<TypeParam> f;
  error_code c_ec;
  beast::get_lowest_layer(f.client).expires_after(std::chrono::milliseconds(50));
  f.client.async_handshake(TypeParam::stream::client, [&](error_code ec) { c_ec = ec; });
  f.run();  // the server never answers
  EXPECT_EQ(c_ec, beast::error::timeout) << c_ec.message();
}

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
