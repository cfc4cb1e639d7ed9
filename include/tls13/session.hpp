// Resumption state (RFC 8446 §4.6.1, §2.2): what a client keeps from a NewSessionTicket, the
// store it keeps it in, and the server's ticket-key ring that seals stateless tickets.
//
// Every class here is shared state: one object may serve any number of connections on any number
// of threads at once. Their const members are internally synchronised.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/errors.hpp"
#include "tls13/secret.hpp"
#include "tls13/types.hpp"

namespace tls13 {

// A ticket as the client keeps it: enough to offer it once in a later ClientHello.
struct session_ticket {
  std::vector<std::byte> ticket;     // opaque to the client
  secret psk;                        // HKDF-Expand-Label(resumption_master_secret, "resumption", nonce)
  cipher_suite suite{};              // the PSK may only be used with a suite of the same hash
  std::uint32_t age_add = 0;         // ticket_age_add (§4.6.1)
  std::uint32_t lifetime = 0;        // seconds, as the server sent it (at most 7 days)
  std::uint32_t max_early_data = 0;  // from the ticket's early_data extension
  std::chrono::system_clock::time_point received;  // for the obfuscated ticket age
  std::string alpn;                                // what the original connection negotiated
  // The server's chain (DER, leaf first), kept only with client_config::reverify_on_resume.
  std::vector<std::vector<std::byte>> peer_chain;

  // Versioned binary form, so tickets survive a restart (it holds the PSK: store it like a key).
  std::vector<std::byte> serialize() const;
  // A serialized ticket of this version; anything else is decode_errc::bad_value.
  static result<session_ticket> parse(bytes data);
};

// Where a client keeps tickets, keyed by server name. take() hands each ticket out at most once
// (RFC 8446 Appendix C.4: reusing a ticket lets observers link connections).
class client_ticket_store {
 public:
  virtual ~client_ticket_store() = default;
  virtual void insert(std::string_view server_name, session_ticket ticket) const = 0;
  // The newest unexpired ticket for the name, removed from the store.
  virtual std::optional<session_ticket> take(std::string_view server_name,
                                             std::chrono::system_clock::time_point now) const = 0;
};

// The in-memory store: at most `per_server` tickets per name (oldest dropped first) and
// `max_servers` names (least recently used dropped first). Thread-safe.
std::shared_ptr<client_ticket_store> make_memory_ticket_store(std::size_t per_server = 4,
                                                              std::size_t max_servers = 1024);

// The server's keys for stateless tickets. Each ticket is sealed with an AES-256-GCM key derived by
// HKDF from the ring's current key and a fresh random salt, under a versioned label; the ticket
// names its ring key by id, so tickets sealed under any of the kept previous keys still open.
// rotate() makes a new current key and drops the oldest beyond `keep`; with auto-rotation, seal()
// rotates by itself once the current key is older than the interval. Keys live in memory only and
// are wiped when dropped.
class ticket_key_ring {
 public:
  struct options {
    std::chrono::seconds rotate_every{3600};  // 0: rotate only when rotate() is called
    std::size_t keep = 24;                    // previous keys that still open tickets
  };
  static std::shared_ptr<ticket_key_ring> create(options o);
  static std::shared_ptr<ticket_key_ring> create() { return create(options{}); }
  virtual ~ticket_key_ring() = default;

  // `plaintext` sealed into a ticket. Failure: internal errors only.
  virtual result<std::vector<std::byte>> seal(bytes plaintext,
                                              std::chrono::system_clock::time_point now) const = 0;
  // The plaintext of a ticket we sealed, or std::nullopt (unknown or dropped key, tampering,
  // another format): the handshake then falls back to a full one.
  virtual std::optional<std::vector<std::byte>> open(bytes ticket) const = 0;
  virtual void rotate(std::chrono::system_clock::time_point now) const = 0;

  // For a fleet: every key (current first) as one blob, to import on the other servers. The blob
  // is the keys themselves: move it like a private key.
  virtual std::vector<std::byte> export_keys() const = 0;
  // Replaces the ring's keys with an exported set. Bad blob: decode_errc::bad_value.
  virtual result<void> import_keys(bytes blob, std::chrono::system_clock::time_point now) const = 0;
};

// The stateful alternative to sealed tickets (RFC 8446 §4.6.1, §8.1): the server keeps each
// session's state under a random id and the ticket it sends is only that id. take() removes the
// entry, so every ticket resumes at most once; that also makes 0-RTT under it single use, without
// the anti-replay store. For a fleet, every server that may see the ticket must share the store.
class server_session_store {
 public:
  virtual ~server_session_store() = default;
  // Keeps `state` (it holds the resumption PSK: guard it like a key) under `id` until `expires`.
  virtual void put(bytes id, std::vector<std::byte> state,
                   std::chrono::system_clock::time_point expires) const = 0;
  // The state under `id`, removed from the store; nothing if unknown, already taken or expired.
  virtual std::optional<std::vector<std::byte>> take(bytes id,
                                                     std::chrono::system_clock::time_point now) const = 0;
};

// In memory, at most `max_sessions` entries (the oldest dropped first), wiped when dropped.
// Thread-safe.
std::shared_ptr<server_session_store> make_memory_session_store(std::size_t max_sessions = 100000);

// 0-RTT anti-replay (RFC 8446 §8): remembers which ClientHellos (by their PSK binder) carried early
// data inside the freshness window. A false "replayed" only costs the client its 0-RTT (the
// handshake goes on in 1-RTT); "fresh" must never be answered twice for the same id in the window.
// (replay_verdict: tls13/types.hpp)

class anti_replay_store {
 public:
  virtual ~anti_replay_store() = default;
  virtual replay_verdict check_and_insert(bytes client_hello_id,
                                          std::chrono::system_clock::time_point now) const = 0;
};

// A sliding Bloom filter: two generations of `window` each, sized for `expected_per_window` ids at
// `false_positive_rate`; an id is remembered for at least one window. Thread-safe, lock-striped.
struct bloom_options {
  // At least server_config::early_data_age_tolerance + 1 s: a ClientHello passes the age check that
  // long, and must be remembered for all of it.
  std::chrono::seconds window{20};
  std::size_t expected_per_window = 100000;
  double false_positive_rate = 1e-6;
};
std::shared_ptr<anti_replay_store> make_bloom_anti_replay(bloom_options o = {});

}  // namespace tls13
