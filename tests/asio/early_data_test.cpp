// 0-RTT through tls13::stream over loopback TCP: the client sends early data with its handshake and
// learns whether it was taken; the server reads it before the client's Finished (in_early_data())
// and answers at 0.5-RTT. Refusals (0-RTT off, the anti-replay store, a reused stateful ticket)
// leave the client to resend. Coroutines, plain callbacks, deferred and the sync API.
#include <atomic>

#include "asio_test_support.hpp"

namespace {
using namespace asio_test;
using namespace net::experimental::awaitable_operators;

const std::string early_request = "GET /early HTTP/1.1\r\n\r\n";
// Large, so that the server's write is still in flight while its concurrent read takes the client's
// Finished and has tickets to send (they must wait for that write, not start a second one).
const std::string answer = "answer at 0.5-RTT" + std::string(2 << 20, '.');
const std::string after = "after the handshake";

// Contexts with 0-RTT on both ends.
struct zero_rtt_contexts : contexts {
  zero_rtt_contexts() {
    server.set_max_early_data(16384);
    client.set_early_data(true);
  }
};

// An anti-replay store that has seen everything.
struct always_replayed final : tls13::anti_replay_store {
  mutable std::atomic<int> asked{0};
  tls13::replay_verdict check_and_insert(tls13::bytes, std::chrono::system_clock::time_point) const override {
    ++asked;
    return tls13::replay_verdict::replayed;
  }
};

// A client ticket store that hands out its newest ticket again and again (what an attacker who
// copied the ticket could do; the normal stores hand each ticket out once).
struct reusing_ticket_store final : tls13::client_ticket_store {
  mutable std::mutex mu;
  mutable std::vector<std::byte> saved;
  void insert(std::string_view, tls13::session_ticket t) const override {
    std::lock_guard lock(mu);
    saved = t.serialize();
  }
  std::optional<tls13::session_ticket> take(std::string_view,
                                            std::chrono::system_clock::time_point) const override {
    std::lock_guard lock(mu);
    if (saved.empty()) return std::nullopt;
    auto t = tls13::session_ticket::parse(saved);
    if (!t) return std::nullopt;
    return std::move(*t);
  }
};

// A next layer that records whether two reads or two writes were ever in flight at once (the
// stream must never do that, whatever its reads and writes do concurrently).
struct checked_socket {
  using executor_type = tcp::socket::executor_type;
  tcp::socket sock;
  int reads = 0, writes = 0;
  bool overlap = false;

  explicit checked_socket(tcp::socket s) : sock(std::move(s)) {}
  explicit checked_socket(const executor_type& ex) : sock(ex) {}
  checked_socket(checked_socket&&) = delete;  // the handlers below point at this object
  executor_type get_executor() { return sock.get_executor(); }
  template <class Token>
  auto async_connect(const tcp::endpoint& ep, Token&& token) {
    return sock.async_connect(ep, std::forward<Token>(token));
  }
  template <class Buffers, class Handler>
  void async_read_some(const Buffers& b, Handler&& h) {
    if (++reads > 1) overlap = true;
    sock.async_read_some(b, tracked<std::decay_t<Handler>>{std::forward<Handler>(h), &reads});
  }
  template <class Buffers, class Handler>
  void async_write_some(const Buffers& b, Handler&& h) {
    if (++writes > 1) overlap = true;
    sock.async_write_some(b, tracked<std::decay_t<Handler>>{std::forward<Handler>(h), &writes});
  }

 private:
  // Counts the operation as finished, then runs the stream's handler (on its executor).
  template <class Handler>
  struct tracked {
    Handler h;
    int* count;
    using executor_type = net::associated_executor_t<Handler, tcp::socket::executor_type>;
    executor_type get_executor() const noexcept {
      return net::get_associated_executor(h, tcp::socket::executor_type(net::system_executor()));
    }
    void operator()(beast::error_code ec, std::size_t n) {
      --*count;
      std::move(h)(ec, n);
    }
  };
};

void run(net::io_context& io) {
  io.restart();
  io.run_for(std::chrono::seconds(20));
  EXPECT_TRUE(io.stopped()) << "the test timed out";
}

template <class Awaitable>
void spawn(net::io_context& io, Awaitable a) {
  net::co_spawn(io, std::move(a), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      ADD_FAILURE() << x.what();
    }
  });
}

// A full handshake that leaves the client's context holding tickets: the server writes a byte
// after its handshake, so the client reads (and stores) the NewSessionTickets before it.
void prime(net::io_context& io, listener& l, zero_rtt_contexts& c) {
  auto server = [&]() -> net::awaitable<void> {
    tls_stream s(co_await l.acceptor.async_accept(net::use_awaitable), c.server);
    co_await s.async_handshake(tls13::stream_base::server, net::use_awaitable);
    EXPECT_FALSE(s.in_early_data());
    co_await net::async_write(s, net::buffer("x", 1), net::use_awaitable);
    co_await s.async_shutdown(net::use_awaitable);
  };
  auto client = [&]() -> net::awaitable<void> {
    tls_stream s(co_await net::this_coro::executor, c.client);
    s.set_server_name("localhost");
    co_await beast::get_lowest_layer(s).async_connect(l.endpoint(), net::use_awaitable);
    // No ticket yet: no 0-RTT is possible, nothing is accepted, the request goes after.
    const std::size_t n =
        co_await s.async_handshake_with_early_data(net::buffer(early_request), net::use_awaitable);
    EXPECT_EQ(n, 0u);
    EXPECT_FALSE(s.early_data_accepted());
    EXPECT_FALSE(s.session()->resumed);
    char x;
    co_await net::async_read(s, net::buffer(&x, 1), net::use_awaitable);
    co_await s.async_shutdown(net::use_awaitable);
  };
  spawn(io, server());
  spawn(io, client());
  run(io);
}

template <class Stream>
bool overlapped(Stream& s) {
  if constexpr (std::is_same_v<typename Stream::next_layer_type, checked_socket>)
    return s.next_layer().overlap;
  else
    return false;
}

struct server_seen {
  bool overlap = false;
  bool resumed = false, accepted = false;
  bool early_after_handshake = false, early_after_first_read = false, early_at_end = true;
  std::uint64_t early_bytes = 0;
  std::string request, rest;
};

// Reads the request (early or not), then writes the answer while it reads the rest: the answer
// goes out at 0.5-RTT when the request was early, and the read meanwhile takes EndOfEarlyData,
// the client's Finished and our tickets' write (full duplex on one stream).
template <class Stream = tls_stream>
net::awaitable<void> zero_rtt_server(tcp::acceptor& acc, tls13::context& ctx, server_seen& seen) {
  Stream s(co_await acc.async_accept(net::use_awaitable), ctx);
  co_await s.async_handshake(tls13::stream_base::server, net::use_awaitable);
  seen.resumed = s.session()->resumed;
  seen.accepted = s.early_data_accepted();
  seen.early_after_handshake = s.in_early_data();
  seen.request.resize(early_request.size());
  co_await net::async_read(s, net::buffer(seen.request), net::use_awaitable);
  seen.early_after_first_read = s.in_early_data();
  seen.rest.resize(after.size());
  co_await (net::async_write(s, net::buffer(answer), net::use_awaitable) &&
            net::async_read(s, net::buffer(seen.rest), net::use_awaitable));
  seen.early_at_end = s.in_early_data();
  seen.early_bytes = s.early_bytes_read();
  co_await s.async_shutdown(net::use_awaitable);
  seen.overlap = overlapped(s);
}

struct client_seen {
  bool overlap = false;
  std::size_t accepted = 0;
  bool resumed = false, early_data_accepted = false;
  std::string answer;
};

// Sends the request as early data, resends what was not taken, reads the answer, writes more.
template <class Stream = tls_stream>
net::awaitable<void> zero_rtt_client(tcp::endpoint ep, tls13::context& ctx, client_seen& seen,
                                     bool send_early = true) {
  Stream s(co_await net::this_coro::executor, ctx);
  s.set_server_name("localhost");
  co_await beast::get_lowest_layer(s).async_connect(ep, net::use_awaitable);
  if (send_early)
    seen.accepted =
        co_await s.async_handshake_with_early_data(net::buffer(early_request), net::use_awaitable);
  else
    co_await s.async_handshake(tls13::stream_base::client, net::use_awaitable);
  seen.resumed = s.session()->resumed;
  seen.early_data_accepted = s.early_data_accepted();
  if (seen.accepted < early_request.size())
    co_await net::async_write(s, net::buffer(early_request.substr(seen.accepted)), net::use_awaitable);
  seen.answer.resize(answer.size());
  co_await net::async_read(s, net::buffer(seen.answer), net::use_awaitable);
  co_await net::async_write(s, net::buffer(after), net::use_awaitable);
  auto [ec] = co_await s.async_shutdown(net::as_tuple(net::use_awaitable));
  EXPECT_FALSE(ec) << ec.message();
  seen.overlap = overlapped(s);
}

TEST(AsioEarlyData, AcceptedReadBeforeFinishedAndAnsweredAtHalfRtt) {
  net::io_context io;
  zero_rtt_contexts c;
  listener l(io);
  prime(io, l, c);
  // Over a next layer that checks that the stream never has two reads or two writes in flight.
  using checked_stream = tls13::stream<checked_socket>;
  server_seen srv;
  client_seen cli;
  spawn(io, zero_rtt_server<checked_stream>(l.acceptor, c.server, srv));
  spawn(io, zero_rtt_client<checked_stream>(l.endpoint(), c.client, cli));
  run(io);
  EXPECT_FALSE(srv.overlap);
  EXPECT_FALSE(cli.overlap);
  EXPECT_EQ(cli.accepted, early_request.size());
  EXPECT_TRUE(cli.resumed);
  EXPECT_TRUE(cli.early_data_accepted);
  EXPECT_EQ(cli.answer, answer);
  EXPECT_TRUE(srv.resumed);
  EXPECT_TRUE(srv.accepted);
  EXPECT_TRUE(srv.early_after_handshake);   // the handshake completed before the client's Finished
  EXPECT_TRUE(srv.early_after_first_read);  // the request was early data
  EXPECT_FALSE(srv.early_at_end);           // the later read took EndOfEarlyData and Finished
  EXPECT_EQ(srv.early_bytes, early_request.size());
  EXPECT_EQ(srv.request, early_request);
  EXPECT_EQ(srv.rest, after);
}

// A server that speaks first after accepting 0-RTT (0.5-RTT data before it reads anything, §4.4.4):
// its handshake completes with its whole flight out, so that write goes through at once.
TEST(AsioEarlyData, AcceptedServerWritesBeforeItReads) {
  net::io_context io;
  zero_rtt_contexts c;
  listener l(io);
  prime(io, l, c);
  const std::string greeting = "220 ready";
  std::string got_greeting(greeting.size(), '\0'), got_request(early_request.size(), '\0');
  bool server_in_early = false;
  std::size_t accepted = 0;
  auto server = [&]() -> net::awaitable<void> {
    tls_stream s(co_await l.acceptor.async_accept(net::use_awaitable), c.server);
    co_await s.async_handshake(tls13::stream_base::server, net::use_awaitable);
    server_in_early = s.in_early_data();
    co_await net::async_write(s, net::buffer(greeting), net::use_awaitable);
    co_await net::async_read(s, net::buffer(got_request), net::use_awaitable);
    co_await s.async_shutdown(net::use_awaitable);
  };
  auto client = [&]() -> net::awaitable<void> {
    tls_stream s(co_await net::this_coro::executor, c.client);
    s.set_server_name("localhost");
    co_await beast::get_lowest_layer(s).async_connect(l.endpoint(), net::use_awaitable);
    accepted = co_await s.async_handshake_with_early_data(net::buffer(early_request), net::use_awaitable);
    if (accepted < early_request.size())
      co_await net::async_write(s, net::buffer(early_request.substr(accepted)), net::use_awaitable);
    co_await net::async_read(s, net::buffer(got_greeting), net::use_awaitable);
    co_await s.async_shutdown(net::use_awaitable);
  };
  spawn(io, server());
  spawn(io, client());
  run(io);
  EXPECT_EQ(accepted, early_request.size());
  EXPECT_TRUE(server_in_early);  // the handshake completed before the client's Finished
  EXPECT_EQ(got_greeting, greeting);
  EXPECT_EQ(got_request, early_request);
}

TEST(AsioEarlyData, RefusedByAServerWithZeroRttOffTheClientResends) {
  net::io_context io;
  zero_rtt_contexts c;
  listener l(io);
  prime(io, l, c);                 // the tickets allow early data...
  c.server.set_max_early_data(0);  // ...but new handshakes of this server refuse it (a snapshot)
  server_seen srv;
  client_seen cli;
  spawn(io, zero_rtt_server(l.acceptor, c.server, srv));
  spawn(io, zero_rtt_client(l.endpoint(), c.client, cli));
  run(io);
  EXPECT_EQ(cli.accepted, 0u);
  EXPECT_TRUE(cli.resumed);
  EXPECT_FALSE(cli.early_data_accepted);
  EXPECT_EQ(cli.answer, answer);
  EXPECT_TRUE(srv.resumed);
  EXPECT_FALSE(srv.accepted);
  EXPECT_FALSE(srv.early_after_handshake);
  EXPECT_FALSE(srv.early_after_first_read);
  EXPECT_EQ(srv.early_bytes, 0u);
  EXPECT_EQ(srv.request, early_request);  // once: the skipped early copy never reaches the application
  EXPECT_EQ(srv.rest, after);
}

TEST(AsioEarlyData, APlainHandshakeDoesNotOfferZeroRtt) {
  net::io_context io;
  zero_rtt_contexts c;
  auto store = std::make_shared<always_replayed>();
  c.server.set_anti_replay(store);
  listener l(io);
  prime(io, l, c);
  server_seen srv;
  client_seen cli;
  spawn(io, zero_rtt_server(l.acceptor, c.server, srv));
  spawn(io, zero_rtt_client(l.endpoint(), c.client, cli, false));
  run(io);
  EXPECT_TRUE(cli.resumed);
  EXPECT_FALSE(cli.early_data_accepted);
  EXPECT_TRUE(srv.resumed);
  EXPECT_FALSE(srv.early_after_handshake);
  EXPECT_EQ(store->asked.load(), 0);  // no early_data extension: nothing to check
  EXPECT_EQ(srv.request, early_request);
  EXPECT_EQ(cli.answer, answer);
}

TEST(AsioEarlyData, RefusedByTheAntiReplayStoreWithPlainCallbacks) {
  net::io_context io;
  zero_rtt_contexts c;
  auto store = std::make_shared<always_replayed>();
  c.server.set_anti_replay(store);
  listener l(io);
  prime(io, l, c);
  EXPECT_EQ(store->asked.load(), 0);  // no early data was offered on the first connection

  // The server, as coroutines; the client with plain callbacks.
  server_seen srv;
  spawn(io, zero_rtt_server(l.acceptor, c.server, srv));
  tls_stream client(io, c.client);
  client.set_server_name("localhost");
  std::size_t accepted = 99;
  std::string got(answer.size(), '\0');
  bool done = false;
  beast::get_lowest_layer(client).async_connect(l.endpoint(), [&](beast::error_code e1) {
    ASSERT_FALSE(e1) << e1.message();
    client.async_handshake_with_early_data(
        net::buffer(early_request), [&](beast::error_code e2, std::size_t n) {
          ASSERT_FALSE(e2) << e2.message();
          accepted = n;
          net::async_write(client, net::buffer(early_request), [&](beast::error_code e3, std::size_t) {
            ASSERT_FALSE(e3) << e3.message();
            net::async_read(client, net::buffer(got), [&](beast::error_code e4, std::size_t) {
              ASSERT_FALSE(e4) << e4.message();
              net::async_write(client, net::buffer(after), [&](beast::error_code e5, std::size_t) {
                ASSERT_FALSE(e5) << e5.message();
                client.async_shutdown([&](beast::error_code e6) {
                  EXPECT_FALSE(e6) << e6.message();
                  done = true;
                });
              });
            });
          });
        });
  });
  run(io);
  EXPECT_TRUE(done);
  EXPECT_EQ(accepted, 0u);
  EXPECT_GE(store->asked.load(), 1);
  EXPECT_TRUE(client.session()->resumed);
  EXPECT_FALSE(client.early_data_accepted());
  EXPECT_EQ(got, answer);
  EXPECT_TRUE(srv.resumed);
  EXPECT_FALSE(srv.accepted);
  EXPECT_FALSE(srv.early_after_handshake);
  EXPECT_EQ(srv.early_bytes, 0u);
  EXPECT_EQ(srv.request, early_request);
  EXPECT_EQ(srv.rest, after);
}

TEST(AsioEarlyData, StatefulSessionStoreTicketsResumeWithZeroRttOnce) {
  net::io_context io;
  zero_rtt_contexts c;
  // Single-use tickets need no anti-replay check: a store that refuses everything changes nothing.
  auto replay = std::make_shared<always_replayed>();
  c.server.set_anti_replay(replay);
  c.server.set_session_store(tls13::make_memory_session_store());
  c.server.set_num_tickets(1, 1);
  auto tickets = std::make_shared<reusing_ticket_store>();
  c.client.set_ticket_store(tickets);
  listener l(io);
  prime(io, l, c);
  std::vector<std::byte> ticket;
  {
    std::lock_guard lock(tickets->mu);
    ticket = tickets->saved;
  }
  ASSERT_FALSE(ticket.empty());

  server_seen srv;
  client_seen cli;
  spawn(io, zero_rtt_server(l.acceptor, c.server, srv));
  spawn(io, zero_rtt_client(l.endpoint(), c.client, cli));
  run(io);
  EXPECT_EQ(cli.accepted, early_request.size());
  EXPECT_TRUE(srv.accepted);
  EXPECT_TRUE(srv.early_after_first_read);
  EXPECT_EQ(srv.request, early_request);
  EXPECT_EQ(replay->asked.load(), 0);

  // The same ticket once more (a copy an attacker kept): the store gave it out already, so the
  // handshake is a full one and the early data is refused. The deferred token this time.
  {
    std::lock_guard lock(tickets->mu);
    tickets->saved = ticket;
  }
  server_seen srv2;
  spawn(io, zero_rtt_server(l.acceptor, c.server, srv2));
  tls_stream client(io, c.client);
  client.set_server_name("localhost");
  std::size_t accepted = 99;
  std::string got(answer.size(), '\0');
  auto client_side = [&]() -> net::awaitable<void> {
    co_await beast::get_lowest_layer(client).async_connect(l.endpoint(), net::use_awaitable);
    auto op = client.async_handshake_with_early_data(net::buffer(early_request), net::deferred);
    accepted = co_await std::move(op)(net::use_awaitable);
    co_await net::async_write(client, net::buffer(early_request.substr(accepted)), net::use_awaitable);
    co_await net::async_read(client, net::buffer(got), net::use_awaitable);
    co_await net::async_write(client, net::buffer(after), net::use_awaitable);
    co_await client.async_shutdown(net::use_awaitable);
  };
  spawn(io, client_side());
  run(io);
  EXPECT_EQ(accepted, 0u);
  EXPECT_FALSE(client.session()->resumed);
  EXPECT_FALSE(srv2.resumed);
  EXPECT_FALSE(srv2.accepted);
  EXPECT_EQ(srv2.request, early_request);
  EXPECT_EQ(got, answer);
}

TEST(AsioEarlyData, SyncApi) {
  net::io_context io;
  zero_rtt_contexts c;
  listener l(io);
  prime(io, l, c);
  bool early_after_handshake = false, early_after_read = false, early_at_end = true;
  std::string request(early_request.size(), '\0'), rest(after.size(), '\0');
  std::thread server_thread([&] {
    tls_stream s(io, c.server);
    l.acceptor.accept(beast::get_lowest_layer(s).socket());
    s.handshake(tls13::stream_base::server);
    early_after_handshake = s.in_early_data();
    net::read(s, net::buffer(request));
    early_after_read = s.in_early_data();
    net::write(s, net::buffer(answer));
    net::read(s, net::buffer(rest));
    early_at_end = s.in_early_data();
    s.shutdown();
  });
  tls_stream s(io, c.client);
  s.set_server_name("localhost");
  beast::get_lowest_layer(s).connect(l.endpoint());
  beast::error_code ec;
  const std::size_t accepted = s.handshake_with_early_data(net::buffer(early_request), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(accepted, early_request.size());
  std::string got(answer.size(), '\0');
  net::read(s, net::buffer(got));
  net::write(s, net::buffer(after));
  s.shutdown(ec);
  EXPECT_FALSE(ec) << ec.message();
  server_thread.join();
  EXPECT_EQ(got, answer);
  EXPECT_TRUE(early_after_handshake);
  EXPECT_TRUE(early_after_read);
  EXPECT_FALSE(early_at_end);
  EXPECT_EQ(request, early_request);
  EXPECT_EQ(rest, after);
}

// Forwards TCP between a client and a server, record by record from the client, and flips a bit
// in the tag of the client's `corrupt`-th record (1-based).
net::awaitable<void> corrupting_proxy(tcp::acceptor& front, tcp::endpoint server, int corrupt) {
  auto ex = co_await net::this_coro::executor;
  tcp::socket a = co_await front.async_accept(net::use_awaitable);
  tcp::socket b(ex);
  co_await b.async_connect(server, net::use_awaitable);
  auto up = [&]() -> net::awaitable<void> {
    for (int i = 1;; ++i) {
      std::uint8_t header[5];
      auto [ec, n] = co_await net::async_read(a, net::buffer(header), net::as_tuple(net::use_awaitable));
      if (ec) break;
      std::vector<std::uint8_t> body(std::size_t{header[3]} << 8 | header[4]);
      std::tie(ec, n) = co_await net::async_read(a, net::buffer(body), net::as_tuple(net::use_awaitable));
      if (ec) break;
      if (i == corrupt && !body.empty()) body.back() ^= 1;
      const std::array<net::const_buffer, 2> out{net::buffer(header), net::buffer(body)};
      std::tie(ec, n) = co_await net::async_write(b, out, net::as_tuple(net::use_awaitable));
      if (ec) break;
    }
    beast::error_code ignored;
    b.shutdown(tcp::socket::shutdown_send, ignored);
  };
  auto down = [&]() -> net::awaitable<void> {
    std::array<char, 4096> buf;
    for (;;) {
      auto [ec, n] = co_await b.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
      if (ec) break;
      std::tie(ec, n) =
          co_await net::async_write(a, net::buffer(buf.data(), n), net::as_tuple(net::use_awaitable));
      if (ec) break;
    }
    beast::error_code ignored;
    a.shutdown(tcp::socket::shutdown_send, ignored);
  };
  co_await (up() && down());
}

TEST(AsioEarlyData, ABadRecordAfterEarlyDataIsTheErrorOfTheNextReadAndWrite) {
  net::io_context io;
  zero_rtt_contexts c;
  listener l(io), front(io);
  prime(io, l, c);
  // The client's records on the resumed connection: ClientHello, ChangeCipherSpec, the early data,
  // then (after the server's flight) EndOfEarlyData and Finished: the 5th gets a bad tag.
  spawn(io, corrupting_proxy(front.acceptor, l.endpoint(), 5));
  beast::error_code server_read_ec, server_write_ec;
  bool server_early = false;
  std::string request(early_request.size(), '\0');
  auto server = [&]() -> net::awaitable<void> {
    tls_stream s(co_await l.acceptor.async_accept(net::use_awaitable), c.server);
    co_await s.async_handshake(tls13::stream_base::server, net::use_awaitable);
    co_await net::async_read(s, net::buffer(request), net::use_awaitable);
    server_early = s.in_early_data();
    co_await net::async_write(s, net::buffer(answer), net::use_awaitable);  // 0.5-RTT: fine
    char byte;
    std::tie(server_read_ec, std::ignore) =
        co_await s.async_read_some(net::buffer(&byte, 1), net::as_tuple(net::use_awaitable));
    std::tie(server_write_ec, std::ignore) =
        co_await net::async_write(s, net::buffer(answer), net::as_tuple(net::use_awaitable));
  };
  std::size_t accepted = 0;
  std::string got(answer.size(), '\0');
  beast::error_code client_read_ec;
  auto client = [&]() -> net::awaitable<void> {
    tls_stream s(co_await net::this_coro::executor, c.client);
    s.set_server_name("localhost");
    co_await beast::get_lowest_layer(s).async_connect(front.endpoint(), net::use_awaitable);
    accepted = co_await s.async_handshake_with_early_data(net::buffer(early_request), net::use_awaitable);
    co_await net::async_read(s, net::buffer(got), net::use_awaitable);
    char byte;
    std::tie(client_read_ec, std::ignore) =
        co_await s.async_read_some(net::buffer(&byte, 1), net::as_tuple(net::use_awaitable));
  };
  spawn(io, server());
  spawn(io, client());
  run(io);
  EXPECT_EQ(accepted, early_request.size());  // the client cannot know yet
  EXPECT_EQ(request, early_request);
  EXPECT_TRUE(server_early);
  EXPECT_EQ(got, answer);
  EXPECT_TRUE(server_read_ec);
  EXPECT_NE(server_read_ec, net::error::eof);
  EXPECT_TRUE(server_write_ec);  // sticky
  EXPECT_TRUE(client_read_ec);   // the server's alert
  EXPECT_NE(client_read_ec, net::error::eof);
}

// Not 0-RTT, but the same completion path: a buffered server handshake (bytes read before the TLS
// stream took over, as after beast::async_detect_ssl) completes with all of the buffer used, also
// when its last step is a write (our tickets after the client's Finished).
TEST(AsioBufferedHandshake, CompletesWithTheSizeOfTheBuffer) {
  net::io_context io;
  contexts c;
  listener l(io);
  std::size_t used = 0;
  auto server = [&]() -> net::awaitable<void> {
    tls_stream s(co_await l.acceptor.async_accept(net::use_awaitable), c.server);
    char head[5];
    co_await net::async_read(beast::get_lowest_layer(s), net::buffer(head), net::use_awaitable);
    used = co_await s.async_handshake(tls13::stream_base::server, net::buffer(head), net::use_awaitable);
    co_await s.async_shutdown(net::use_awaitable);
  };
  auto client = [&]() -> net::awaitable<void> {
    tls_stream s(co_await net::this_coro::executor, c.client);
    s.set_server_name("localhost");
    co_await beast::get_lowest_layer(s).async_connect(l.endpoint(), net::use_awaitable);
    co_await s.async_handshake(tls13::stream_base::client, net::use_awaitable);
    co_await s.async_shutdown(net::use_awaitable);
  };
  spawn(io, server());
  spawn(io, client());
  run(io);
  EXPECT_EQ(used, 5u);
}

}  // namespace
