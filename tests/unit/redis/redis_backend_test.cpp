// The Redis backend against a private redis-server: anti-replay, the single-use session store and
// shared ticket keys as a fleet sees them (two "servers" = two store objects with their own
// connection pools), AUTH, and failing closed when Redis is down, slow or hostile.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "pair.hpp"
#include "redis_server.hpp"
#include "tls13/redis.hpp"
#include "tls13/session.hpp"

namespace tls13 {
namespace {

using namespace std::chrono_literals;
using test::redis_server;

bytes as_id(const std::string& s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }
std::vector<std::byte> blob(const std::string& s) {
  const auto b = as_id(s);
  return {b.begin(), b.end()};
}
auto now() { return std::chrono::system_clock::now(); }

TEST(RedisBackend, AntiReplayFreshThenReplayed) {
  redis_server srv;
  TLS13_START_REDIS(srv);
  auto ar = make_redis_anti_replay(srv.options(), 10s);
  EXPECT_EQ(ar->check_and_insert(as_id("hello-1"), now()), replay_verdict::fresh);
  EXPECT_EQ(ar->check_and_insert(as_id("hello-1"), now()), replay_verdict::replayed);
  EXPECT_EQ(ar->check_and_insert(as_id("hello-2"), now()), replay_verdict::fresh);
  // Binary ids (NUL, CR, LF) are ids like any other.
  const std::string binary("\0\r\n\xff", 4);
  EXPECT_EQ(ar->check_and_insert(as_id(binary), now()), replay_verdict::fresh);
  EXPECT_EQ(ar->check_and_insert(as_id(binary), now()), replay_verdict::replayed);
  EXPECT_EQ(ar->errors(), 0u);
}

TEST(RedisBackend, AntiReplayForgetsAfterTheWindow) {
  redis_server srv;
  TLS13_START_REDIS(srv);
  auto ar = make_redis_anti_replay(srv.options(), 1s);
  EXPECT_EQ(ar->check_and_insert(as_id("short"), now()), replay_verdict::fresh);
  EXPECT_EQ(ar->check_and_insert(as_id("short"), now()), replay_verdict::replayed);
  std::this_thread::sleep_for(1300ms);
  EXPECT_EQ(ar->check_and_insert(as_id("short"), now()), replay_verdict::fresh);
}

TEST(RedisBackend, TwoServersOfAFleetSeeEachOthersIds) {
  redis_server srv;
  TLS13_START_REDIS(srv);
  auto a = make_redis_anti_replay(srv.options(), 10s);
  auto b = make_redis_anti_replay(srv.options(), 10s);
  EXPECT_EQ(a->check_and_insert(as_id("x"), now()), replay_verdict::fresh);
  EXPECT_EQ(b->check_and_insert(as_id("x"), now()), replay_verdict::replayed);
  EXPECT_EQ(b->check_and_insert(as_id("y"), now()), replay_verdict::fresh);
  EXPECT_EQ(a->check_and_insert(as_id("y"), now()), replay_verdict::replayed);
  // Another key prefix is another fleet.
  auto opts = srv.options();
  opts.key_prefix = "other:";
  EXPECT_EQ(make_redis_anti_replay(opts, 10s)->check_and_insert(as_id("x"), now()), replay_verdict::fresh);
}

TEST(RedisBackend, SessionStoreTakesOnceAcrossTheFleet) {
  redis_server srv;
  TLS13_START_REDIS(srv);
  auto a = make_redis_session_store(srv.options());
  auto b = make_redis_session_store(srv.options());
  const std::string state("psk\0state\r\n", 11);
  a->put(as_id("id-1"), blob(state), now() + 60s);
  auto got = b->take(as_id("id-1"), now());
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, blob(state));
  EXPECT_FALSE(a->take(as_id("id-1"), now()));  // used once, by whichever server saw it first
  EXPECT_FALSE(b->take(as_id("unknown"), now()));
  EXPECT_EQ(a->errors() + b->errors(), 0u);
}

TEST(RedisBackend, SessionStoreEntriesExpire) {
  redis_server srv;
  TLS13_START_REDIS(srv);
  auto s = make_redis_session_store(srv.options());
  s->put(as_id("gone"), blob("state"), now() - 1s);  // already expired: not even sent
  EXPECT_FALSE(s->take(as_id("gone"), now()));
  s->put(as_id("soon"), blob("state"), now() + 300ms);
  std::this_thread::sleep_for(600ms);
  EXPECT_FALSE(s->take(as_id("soon"), now()));
}

TEST(RedisBackend, TicketKeysPublishedByOneRingOpenOnAnother) {
  redis_server srv;
  TLS13_START_REDIS(srv);
  const auto client = redis_client::create(srv.options());
  auto a = ticket_key_ring::create({.rotate_every = 0s});
  auto b = ticket_key_ring::create({.rotate_every = 0s});
  const auto before = b->seal(as_id("b's own"), now());
  ASSERT_TRUE(before);
  EXPECT_EQ(fetch_ticket_keys(*b, *client, now()).error(), make_error_code(redis_errc::unexpected_reply));

  const auto sealed = a->seal(as_id("session state"), now());
  ASSERT_TRUE(sealed);
  ASSERT_TRUE(publish_ticket_keys(*a, *client));
  auto fetched = fetch_ticket_keys(*b, *client, now());
  ASSERT_TRUE(fetched);
  EXPECT_TRUE(*fetched);
  const auto opened = b->open(*sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, blob("session state"));
  EXPECT_FALSE(b->open(*before));  // b now holds a's keys only
  fetched = fetch_ticket_keys(*b, srv.options(), now());
  ASSERT_TRUE(fetched);
  EXPECT_FALSE(*fetched);  // unchanged: nothing imported

  a->rotate(now());
  ASSERT_TRUE(publish_ticket_keys(*a, srv.options()));
  const auto after = a->seal(as_id("new key"), now());
  EXPECT_TRUE(*fetch_ticket_keys(*b, *client, now()));
  EXPECT_TRUE(b->open(*after));
  EXPECT_TRUE(b->open(*sealed));  // the previous key is kept

  // A blob that is not a key export changes nothing.
  ASSERT_TRUE(client->command({"SET", "tls13:ticket-keys", "garbage"}));
  EXPECT_EQ(fetch_ticket_keys(*b, *client, now()).error(), make_error_code(decode_errc::bad_value));
  EXPECT_TRUE(b->open(*after));
}

TEST(RedisBackend, WorksOverTcp) {
  redis_server srv;
  const auto port = test::free_tcp_port();
  TLS13_START_REDIS(srv, {}, port);
  redis_options o;
  o.host = "127.0.0.1";
  o.port = port;
  o.io_timeout = o.connect_timeout = 2s;
  auto ar = make_redis_anti_replay(o, 10s);
  EXPECT_EQ(ar->check_and_insert(as_id("tcp"), now()), replay_verdict::fresh);
  EXPECT_EQ(ar->check_and_insert(as_id("tcp"), now()), replay_verdict::replayed);
  auto s = make_redis_session_store(o);
  s->put(as_id("t"), blob("v"), now() + 10s);
  EXPECT_EQ(s->take(as_id("t"), now()), blob("v"));
}

TEST(RedisBackend, AuthWithGoodAndBadPasswords) {
  redis_server srv;
  TLS13_START_REDIS(srv, {"--requirepass", "s3cret"});
  auto o = srv.options();
  o.password = "s3cret";
  EXPECT_EQ(make_redis_anti_replay(o, 10s)->check_and_insert(as_id("a"), now()), replay_verdict::fresh);
  o.username = "default";  // Redis 6 ACL form
  EXPECT_EQ(make_redis_anti_replay(o, 10s)->check_and_insert(as_id("b"), now()), replay_verdict::fresh);

  o.password = "wrong";
  const auto bad = redis_client::create(o);
  EXPECT_EQ(bad->command({"PING"}).error(), make_error_code(redis_errc::auth_failed));
  auto ar = make_redis_anti_replay(bad, 10s);
  EXPECT_EQ(ar->check_and_insert(as_id("c"), now()), replay_verdict::replayed);
  EXPECT_EQ(ar->errors(), 1u);
  // No password at all: every command is refused (-NOAUTH), which also fails closed.
  auto none = make_redis_anti_replay(srv.options(), 10s);
  EXPECT_EQ(none->check_and_insert(as_id("d"), now()), replay_verdict::replayed);
  EXPECT_EQ(none->errors(), 1u);
}

TEST(RedisBackend, RedisDownFailsClosedAndRecovers) {
  redis_server srv;
  TLS13_START_REDIS(srv);
  auto o = srv.options();
  o.io_timeout = o.connect_timeout = 300ms;
  const auto client = redis_client::create(o);
  auto ar = make_redis_anti_replay(client, 10s);
  auto ss = make_redis_session_store(client);
  EXPECT_EQ(ar->check_and_insert(as_id("before"), now()), replay_verdict::fresh);
  ss->put(as_id("s"), blob("state"), now() + 60s);

  srv.kill();  // the pooled connection is now dead, and nothing listens on the socket
  EXPECT_EQ(ar->check_and_insert(as_id("during"), now()), replay_verdict::replayed);
  EXPECT_FALSE(ss->take(as_id("s"), now()));
  ss->put(as_id("lost"), blob("state"), now() + 60s);  // best effort: no crash, no hang
  EXPECT_EQ(ar->errors(), 1u);
  EXPECT_EQ(ss->errors(), 2u);
  EXPECT_GE(client->failures(), 3u);

  ASSERT_TRUE(srv.start());  // a new, empty server on the same socket
  EXPECT_EQ(ar->check_and_insert(as_id("during"), now()), replay_verdict::fresh);
  ss->put(as_id("s2"), blob("state"), now() + 60s);
  EXPECT_EQ(ss->take(as_id("s2"), now()), blob("state"));
}

// A listener that never accepts: the connect succeeds (backlog) and the reply never comes.
TEST(RedisBackend, SilentServerTimesOutAndFailsClosed) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
  redis_options o;
  o.port = ntohs(sa.sin_port);
  o.io_timeout = 100ms;
  const auto client = redis_client::create(o);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client->command({"PING"}).error(), make_error_code(redis_errc::timeout));
  auto ar = make_redis_anti_replay(client, 10s);
  EXPECT_EQ(ar->check_and_insert(as_id("x"), now()), replay_verdict::replayed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(ar->errors(), 1u);
  ::close(fd);
}

// A "server" that answers every command with `reply`, once per connection.
class fake_server {
 public:
  explicit fake_server(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::listen(fd_, 16);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0 || stop_) {
          if (c >= 0) ::close(c);
          return;
        }
        char buf[512];
        if (::recv(c, buf, sizeof buf, 0) > 0) ::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
        ::shutdown(c, SHUT_WR);
        while (::recv(c, buf, sizeof buf, 0) > 0) {
        }
        ::close(c);
      }
    });
  }
  ~fake_server() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  std::string reply_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::error_code ping_fake(const std::string& reply) {
  fake_server f(reply);
  redis_options o;
  o.port = f.port();
  o.io_timeout = o.connect_timeout = 1s;
  return redis_client::create(o)->command({"PING"}).error();
}

TEST(RedisBackend, HostileRepliesAreRefused) {
  EXPECT_EQ(ping_fake("$99999999999\r\n"), make_error_code(redis_errc::reply_too_large));
  EXPECT_EQ(ping_fake("$-5\r\n"), make_error_code(redis_errc::bad_reply));
  EXPECT_EQ(ping_fake("+OK\r\n+OK\r\n"), make_error_code(redis_errc::bad_reply));  // unasked extra reply
  EXPECT_EQ(ping_fake("$10\r\nabc"), make_error_code(redis_errc::io_error));       // closed mid-reply
  EXPECT_EQ(ping_fake(std::string(5000, '+')), make_error_code(redis_errc::reply_too_large));
  EXPECT_FALSE(ping_fake("+PONG\r\n"));
}

TEST(RedisBackend, NothingListening) {
  redis_options o;
  o.unix_socket = "/nonexistent/tls13-redis.sock";
  EXPECT_EQ(redis_client::create(o)->command({"PING"}).error(), make_error_code(redis_errc::connect_failed));
  o.unix_socket = std::string(200, 'x');  // longer than sun_path
  EXPECT_EQ(redis_client::create(o)->command({"PING"}).error(), make_error_code(redis_errc::connect_failed));
  EXPECT_EQ(make_redis_session_store(o)->take(as_id("x"), now()), std::nullopt);
  EXPECT_STREQ(redis_category().name(), "tls13.redis");
  EXPECT_FALSE(make_error_code(redis_errc::timeout).message().empty());
}

// End to end: a ticket issued by server A of a fleet resumes once on server B, both stateful over
// Redis; a second copy of the ticket resumes nowhere.
TEST(RedisBackend, StatefulTicketFromOneServerResumesOnAnother) {
  redis_server srv;
  TLS13_START_REDIS(srv);
  auto store = make_memory_ticket_store();
  auto client = std::make_shared<client_config>();
  client->verifier = test::test_verifier();
  client->ticket_store = store;
  auto server_a = std::make_shared<server_config>();
  server_a->certificates.push_back(test::load_key("server-ecdsa-chain.pem", "server-ecdsa-key.pem"));
  server_a->tickets_after_full_handshake = 1;
  server_a->tickets_after_resumption = 0;
  auto server_b = std::make_shared<server_config>(*server_a);
  server_a->session_store = make_redis_session_store(srv.options());
  server_b->session_store = make_redis_session_store(srv.options());
  auto connect = [&](const std::shared_ptr<server_config>& server) {
    auto p = test::make_pair(client, server, "localhost");
    EXPECT_TRUE(p.handshake()) << p.client.error.message() << " / " << p.server.error.message();
    const std::string ping = "ping";
    EXPECT_TRUE(p.server.conn->write(as_bytes(ping.data(), ping.size()), p.server.out));
    EXPECT_TRUE(p.run());
    return p.client.conn->info().resumed;
  };
  EXPECT_FALSE(connect(server_a));
  auto kept = store->take("localhost", now());
  ASSERT_TRUE(kept);
  auto copy = session_ticket::parse(kept->serialize());
  ASSERT_TRUE(copy);
  store->insert("localhost", std::move(*kept));
  EXPECT_TRUE(connect(server_b));
  store->insert("localhost", std::move(*copy));
  EXPECT_FALSE(connect(server_a));
}

}  // namespace
}  // namespace tls13
