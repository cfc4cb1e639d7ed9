// Parity of tls13::stream with boost::asio::ssl::stream (libssl): closure, shutdown, certificate
// failure and timeouts, each scenario run over both stacks and both next layers (tcp::socket,
// beast::tcp_stream) with the same assertions. Where the stacks differ, the test asserts each one's
// behaviour and says why. Cancellation and KeyUpdate are in parity_ops_test.cpp, Beast HTTP in
// parity_http_test.cpp: one binary, three files, so that the parts compile in parallel (the whole took
// ~200 s in one file, the longest compile of the tree).
#include "parity_support.hpp"

namespace {
using namespace parity;

TYPED_TEST_SUITE(Parity, all_types, type_names);
TYPED_TEST_SUITE(ParityTimeout, timeout_types, type_names);

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

}  // namespace
