// The Redis backend for fleets (tls13::redis, library libtls13_redis): the shared-state interfaces of
// tls13/session.hpp kept in one Redis server, so every server of a fleet sees the same anti-replay
// ids, the same single-use session entries and the same ticket keys. docs/FLEET.md explains when to
// use which.
//
// The client speaks RESP2 over POSIX sockets (TCP or a Unix socket) with poll() deadlines; it is
// blocking: each store call waits for one Redis round trip (at most io_timeout) on the calling
// thread. Every object here is thread-safe.
//
// Security: session entries hold resumption PSKs and the ticket-key blob holds the ticket keys
// themselves. Whoever can read that Redis can decrypt resumed sessions; run it on a private network
// (or behind a TLS terminator), with AUTH, and never share it with untrusted tenants.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "tls13/errors.hpp"
#include "tls13/session.hpp"
#include "tls13/types.hpp"

namespace tls13 {

enum class redis_errc {
  connect_failed = 1,  // no connection to the server (refused, unreachable, no such socket)
  timeout,             // connect or a reply took longer than its timeout
  io_error,            // send/recv failed, or the server closed the connection
  bad_reply,           // the server sent bytes that are not RESP2
  reply_too_large,     // a reply broke one of the redis_reply_limits
  server_error,        // the server answered with an error reply (-ERR ...)
  auth_failed,         // AUTH was refused
  unexpected_reply,    // a well-formed reply of a type the command does not return
  pool_exhausted,      // every pooled connection stayed busy for the whole io_timeout
};
const std::error_category& redis_category() noexcept;
std::error_code make_error_code(redis_errc) noexcept;

// Bounds on everything the server decides; a reply over any of them is redis_errc::reply_too_large
// and the connection is dropped. Checked before anything is allocated or read.
struct redis_reply_limits {
  std::size_t max_bulk = 1 << 20;   // bytes in one bulk string
  std::size_t max_array = 1024;     // elements in one array
  std::size_t max_depth = 4;        // arrays nested in arrays
  std::size_t max_line = 1024;      // bytes in a simple string, error or integer line
  std::size_t max_total = 4 << 20;  // bytes in one whole reply
};

struct redis_options {
  std::string host = "127.0.0.1";  // an IP address: a host name is resolved without a deadline
  std::uint16_t port = 6379;
  std::string unix_socket;  // non-empty: connect here instead of host:port
  std::string username;     // AUTH username password (Redis 6 ACL); empty: AUTH password
  std::string password;     // empty: no AUTH
  int database = 0;         // SELECT when not 0
  std::string key_prefix = "tls13:";
  // Small on purpose: the handshake that asked waits this long at most, on its own thread.
  std::chrono::milliseconds connect_timeout{100};
  std::chrono::milliseconds io_timeout{100};  // one whole command: request sent and reply read
  std::size_t pool_size = 4;                  // connections open at once (at least 1)
  redis_reply_limits limits;
};

// One RESP2 reply. Strings (simple, error, bulk) are in `str`; nil bulk strings and nil arrays are
// `nil`.
struct redis_reply {
  enum class kind : std::uint8_t { simple, error, integer, bulk, nil, array };
  kind type = kind::nil;
  std::string str;
  std::int64_t integer = 0;
  std::vector<redis_reply> elements;
};

// A pool of connections to one server. command() takes a free connection (connecting, AUTH and
// SELECT first when there is none), sends the command and reads its reply; a connection that failed
// in any way is closed and a new one is made by a later call. Thread-safe.
class redis_client {
 public:
  static std::shared_ptr<redis_client> create(redis_options o);
  virtual ~redis_client() = default;

  // Each argument is sent as a bulk string, so any bytes work. An error reply is a value here
  // (type kind::error), not a failure: callers decide what it means.
  virtual result<redis_reply> command(std::span<const std::string_view> args) const = 0;
  result<redis_reply> command(std::initializer_list<std::string_view> args) const {
    return command(std::span<const std::string_view>(args.begin(), args.size()));
  }
  virtual const redis_options& options() const noexcept = 0;
  // Commands that failed (connect, timeout, I/O, bad reply) since creation.
  virtual std::uint64_t failures() const noexcept = 0;
};

// 0-RTT anti-replay shared by a fleet: `SET <prefix>ar:<hex id> 1 NX PX <window>`. Fresh only when
// this call created the key; any failure (Redis down, slow, AUTH, odd reply) answers `replayed`,
// which only costs the client its 0-RTT. `window` must cover server_config::early_data_age_tolerance
// + 1 s, like bloom_options::window. The caller's `now` is not used: Redis expires the key by its own
// clock, relative to when it received the SET.
class redis_anti_replay : public anti_replay_store {
 public:
  // Calls answered `replayed` because Redis could not be asked (not the genuine replays).
  virtual std::uint64_t errors() const noexcept = 0;
};
std::shared_ptr<redis_anti_replay> make_redis_anti_replay(std::shared_ptr<redis_client> client,
                                                          std::chrono::seconds window);
std::shared_ptr<redis_anti_replay> make_redis_anti_replay(const redis_options& o,
                                                          std::chrono::seconds window);

// Stateful single-use tickets shared by a fleet: put is `SET <prefix>ss:<hex id> <state> PX <ms left>`,
// take is `GETDEL`, so a ticket resumes at most once across every server. put is best effort (a lost
// entry means one full handshake); take answers nothing on any failure.
class redis_session_store : public server_session_store {
 public:
  virtual std::uint64_t errors() const noexcept = 0;  // puts and takes that Redis did not complete
};
std::shared_ptr<redis_session_store> make_redis_session_store(std::shared_ptr<redis_client> client);
std::shared_ptr<redis_session_store> make_redis_session_store(const redis_options& o);

// Ticket keys shared by a fleet: one server rotates its ring and publishes it (`SET <prefix>ticket-keys
// <export_keys()>`); the others fetch it (`GET`) on a timer and import it when it differs from what
// they hold. The blob is the keys themselves, sitting in Redis: see the security note above.
result<void> publish_ticket_keys(const ticket_key_ring& ring, const redis_client& client);
result<void> publish_ticket_keys(const ticket_key_ring& ring, const redis_options& o);
// true: the ring now holds the published keys (they differed); false: it held them already.
// Nothing published yet: redis_errc::unexpected_reply; a bad blob: decode_errc::bad_value (the ring is
// left as it was either way).
result<bool> fetch_ticket_keys(const ticket_key_ring& ring, const redis_client& client,
                               std::chrono::system_clock::time_point now);
result<bool> fetch_ticket_keys(const ticket_key_ring& ring, const redis_options& o,
                               std::chrono::system_clock::time_point now);

}  // namespace tls13

namespace std {
template <>
struct is_error_code_enum<tls13::redis_errc> : true_type {};
}  // namespace std
