// Parity of tls13::stream with boost::asio::ssl::stream for every completion token: callbacks,
// use_awaitable, deferred, use_future, as_tuple, redirect_error, bind_executor and yield_context.
// Each test is the same client against the same callback server on both stacks: handshake, an echo,
// the server's close_notify delivered as net::error::eof through the token, and the client's
// shutdown answering it.
#include <boost/asio/error.hpp>  // Boost 1.81's spawn.hpp uses it without including it
#include <boost/asio/spawn.hpp>
#include <future>
#include <thread>

#include "parity_support.hpp"

namespace {
using namespace parity;

template <class T>
class ParityTokens : public ::testing::Test {};
TYPED_TEST_SUITE(ParityTokens, socket_types, type_names);

// The server: handshake, echo four bytes, then shut down first (send and wait for the client's).
template <class Stream>
struct echo_server {
  Stream& s;
  char buf[4] = {};
  bool done = false;
  void start() {
    s.async_handshake(Stream::server, [this](error_code ec) {
      ASSERT_FALSE(ec) << ec.message();
      net::async_read(s, net::buffer(buf), [this](error_code ec2, std::size_t) {
        ASSERT_FALSE(ec2) << ec2.message();
        net::async_write(s, net::buffer(buf), [this](error_code ec3, std::size_t) {
          ASSERT_FALSE(ec3) << ec3.message();
          s.async_shutdown([this](error_code ec4) {
            EXPECT_FALSE(ec4) << ec4.message();
            done = true;
          });
        });
      });
    });
  }
};

TYPED_TEST(ParityTokens, Callbacks) {
  fixture<TypeParam> f;
  echo_server<typename TypeParam::stream> server{f.server};
  server.start();
  auto& c = f.client;
  char back[4] = {}, byte = 0;
  bool initiating = true, done = false;
  // A handler never runs inside the initiating function, even when the operation needs no I/O
  // (a zero-size read completes at once, with no error and no bytes).
  c.async_handshake(TypeParam::stream::client, [&](error_code ec) {
    ASSERT_FALSE(ec) << ec.message();
    initiating = true;
    c.async_read_some(net::mutable_buffer(), [&](error_code ec0, std::size_t n0) {
      EXPECT_FALSE(initiating);
      EXPECT_FALSE(ec0) << ec0.message();
      EXPECT_EQ(n0, 0u);
      net::async_write(c, net::buffer("ping", 4), [&](error_code ec1, std::size_t) {
        ASSERT_FALSE(ec1) << ec1.message();
        net::async_read(c, net::buffer(back), [&](error_code ec2, std::size_t) {
          ASSERT_FALSE(ec2) << ec2.message();
          c.async_read_some(net::buffer(&byte, 1), [&](error_code ec3, std::size_t n3) {
            EXPECT_EQ(ec3, net::error::eof) << ec3.message();
            EXPECT_EQ(n3, 0u);
            c.async_shutdown([&](error_code ec4) {
              EXPECT_FALSE(ec4) << ec4.message();
              done = true;
            });
          });
        });
      });
    });
    initiating = false;
  });
  f.run();
  EXPECT_EQ(std::string(back, 4), "ping");
  EXPECT_TRUE(done);
  EXPECT_TRUE(server.done);
}

TYPED_TEST(ParityTokens, UseAwaitableAsTupleAndRedirectError) {
  fixture<TypeParam> f;
  echo_server<typename TypeParam::stream> server{f.server};
  server.start();
  bool done = false;
  auto client = [&]() -> net::awaitable<void> {
    auto& c = f.client;
    co_await c.async_handshake(TypeParam::stream::client, net::use_awaitable);
    co_await net::async_write(c, net::buffer("ping", 4), net::use_awaitable);
    char back[4] = {}, byte = 0;
    const std::size_t n = co_await net::async_read(c, net::buffer(back), net::use_awaitable);
    EXPECT_EQ(std::string(back, n), "ping");
    // The close_notify three ways: an exception, a tuple, a redirected error_code.
    try {
      co_await c.async_read_some(net::buffer(&byte, 1), net::use_awaitable);
      ADD_FAILURE() << "read after close_notify did not throw";
    } catch (const boost::system::system_error& e) {
      EXPECT_EQ(e.code(), net::error::eof) << e.what();
    }
    auto [ec, n2] = co_await c.async_read_some(net::buffer(&byte, 1), net::as_tuple(net::use_awaitable));
    EXPECT_EQ(ec, net::error::eof) << ec.message();
    EXPECT_EQ(n2, 0u);
    error_code redirected;
    co_await c.async_read_some(net::buffer(&byte, 1), net::redirect_error(net::use_awaitable, redirected));
    EXPECT_EQ(redirected, net::error::eof) << redirected.message();
    auto [sec] = co_await c.async_shutdown(net::as_tuple(net::use_awaitable));
    EXPECT_FALSE(sec) << sec.message();
    done = true;
  };
  net::co_spawn(f.io, client(), [](std::exception_ptr e) { EXPECT_FALSE(e); });
  f.run();
  EXPECT_TRUE(done);
  EXPECT_TRUE(server.done);
}

TYPED_TEST(ParityTokens, Deferred) {
  fixture<TypeParam> f;
  echo_server<typename TypeParam::stream> server{f.server};
  server.start();
  auto& c = f.client;
  // Nothing starts until the deferred operation is invoked: the server's handshake stays pending.
  auto handshake = c.async_handshake(TypeParam::stream::client, net::deferred);
  f.io.poll();
  EXPECT_EQ(socket_of(f.server).available(), 0u);
  error_code hs_ec = net::error::would_block;
  std::move(handshake)([&](error_code ec) { hs_ec = ec; });
  f.run_until([&] { return hs_ec != net::error::would_block; });
  ASSERT_FALSE(hs_ec) << hs_ec.message();
  // A composed chain: write, then read the echo.
  char back[4] = {}, byte = 0;
  auto echo = net::async_write(c, net::buffer("ping", 4), net::deferred([&](error_code ec, std::size_t) {
                                 EXPECT_FALSE(ec) << ec.message();
                                 return net::async_read(c, net::buffer(back), net::deferred);
                               }));
  std::size_t echoed = 0;
  std::move(echo)([&](error_code ec, std::size_t n) {
    EXPECT_FALSE(ec) << ec.message();
    echoed = n;
  });
  f.run_until([&] { return echoed != 0; });
  EXPECT_EQ(std::string(back, echoed), "ping");
  error_code read_ec, shutdown_ec = net::error::would_block;
  c.async_read_some(net::buffer(&byte, 1), net::deferred)([&](error_code ec, std::size_t) { read_ec = ec; });
  f.run_until([&] { return bool(read_ec); });
  EXPECT_EQ(read_ec, net::error::eof) << read_ec.message();
  c.async_shutdown(net::deferred)([&](error_code ec) { shutdown_ec = ec; });
  f.run();
  EXPECT_FALSE(shutdown_ec) << shutdown_ec.message();
  EXPECT_TRUE(server.done);
}

TYPED_TEST(ParityTokens, UseFuture) {
  fixture<TypeParam> f;
  echo_server<typename TypeParam::stream> server{f.server};
  server.start();
  auto& c = f.client;
  auto work = net::make_work_guard(f.io);
  std::thread runner([&] { f.io.run(); });
  c.async_handshake(TypeParam::stream::client, net::use_future).get();
  EXPECT_EQ(net::async_write(c, net::buffer("ping", 4), net::use_future).get(), 4u);
  char back[4] = {}, byte = 0;
  EXPECT_EQ(net::async_read(c, net::buffer(back), net::use_future).get(), 4u);
  EXPECT_EQ(std::string(back, 4), "ping");
  auto eof = c.async_read_some(net::buffer(&byte, 1), net::use_future);
  try {
    eof.get();
    ADD_FAILURE() << "read after close_notify did not throw";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), net::error::eof) << e.what();
  }
  EXPECT_NO_THROW(c.async_shutdown(net::use_future).get());
  work.reset();
  runner.join();
  EXPECT_TRUE(server.done);
}

TYPED_TEST(ParityTokens, BindExecutor) {
  fixture<TypeParam> f;
  echo_server<typename TypeParam::stream> server{f.server};
  server.start();
  auto& c = f.client;
  auto strand = net::make_strand(f.io);
  int on_strand = 0;
  char back[4] = {}, byte = 0;
  auto check = [&] { on_strand += strand.running_in_this_thread() ? 1 : 0; };
  c.async_handshake(
      TypeParam::stream::client, net::bind_executor(strand, [&](error_code ec) {
        check();
        ASSERT_FALSE(ec);
        net::async_write(c, net::buffer("ping", 4), net::bind_executor(strand, [&](error_code, std::size_t) {
                           check();
                           net::async_read(
                               c, net::buffer(back), net::bind_executor(strand, [&](error_code, std::size_t) {
                                 check();
                                 c.async_read_some(
                                     net::buffer(&byte, 1),
                                     net::bind_executor(strand, [&](error_code ec3, std::size_t) {
                                       check();
                                       EXPECT_EQ(ec3, net::error::eof);
                                       c.async_shutdown(net::bind_executor(strand, [&](error_code ec4) {
                                         check();
                                         EXPECT_FALSE(ec4);
                                       }));
                                     }));
                               }));
                         }));
      }));
  f.run();
  EXPECT_EQ(on_strand, 5);
  EXPECT_EQ(std::string(back, 4), "ping");
  EXPECT_TRUE(server.done);
}

TYPED_TEST(ParityTokens, YieldContext) {
  fixture<TypeParam> f;
  echo_server<typename TypeParam::stream> server{f.server};
  server.start();
  bool done = false;
  net::spawn(
      f.io,
      [&](net::yield_context yield) {
        auto& c = f.client;
        c.async_handshake(TypeParam::stream::client, yield);
        net::async_write(c, net::buffer("ping", 4), yield);
        char back[4] = {}, byte = 0;
        EXPECT_EQ(net::async_read(c, net::buffer(back), yield), 4u);
        EXPECT_EQ(std::string(back, 4), "ping");
        // The close_notify: into an error_code with yield[ec], as an exception with plain yield.
        error_code ec;
        EXPECT_EQ(c.async_read_some(net::buffer(&byte, 1), yield[ec]), 0u);
        EXPECT_EQ(ec, net::error::eof) << ec.message();
        try {
          c.async_read_some(net::buffer(&byte, 1), yield);
          ADD_FAILURE() << "read after close_notify did not throw";
        } catch (const boost::system::system_error& e) {
          EXPECT_EQ(e.code(), net::error::eof) << e.what();
        }
        c.async_shutdown(yield[ec]);
        EXPECT_FALSE(ec) << ec.message();
        done = true;
      },
      [](std::exception_ptr e) { EXPECT_FALSE(e); });
  f.run();
  EXPECT_TRUE(done);
  EXPECT_TRUE(server.done);
}

}  // namespace
