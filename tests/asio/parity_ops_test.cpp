// Parity of tls13::stream with boost::asio::ssl::stream (libssl), continued from parity_test.cpp:
// cancellation and KeyUpdate over both stacks and both next layers.
#include "parity_support.hpp"

namespace {
using namespace parity;

TYPED_TEST_SUITE(Parity, all_types, type_names);

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

}  // namespace
