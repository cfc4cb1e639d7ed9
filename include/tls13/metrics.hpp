// Counters for running TLS in production: how many handshakes completed, resumed, needed a
// HelloRetryRequest or took 0-RTT, which groups and suites were negotiated (e.g. how much traffic
// is post-quantum), and why connections failed (error category, alerts sent and received).
//
// Set one `metrics` in common_config::metrics (or tls13::context::set_metrics) and share it between
// any number of connections on any threads: each counter is a relaxed atomic, so every counter is
// exact, but a snapshot taken while connections run is not one instant across counters (the
// exported series are each monotonic). A connection counts its handshake when it completes, and a
// failure when a fatal error ends it, before or after the handshake; a transport EOF without
// close_notify is counted apart (`truncated`). Use one object per role to see clients and servers apart. No
// counter holds anything secret.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "tls13/types.hpp"

namespace tls13 {

class metrics {
 public:
  // Negotiated groups, in this order; `none` is a psk_ke resumption (no (EC)DHE).
  static constexpr std::array<named_group, 6> counted_groups = {
      named_group::x25519_mlkem768, named_group::secp256r1_mlkem768, named_group::secp384r1_mlkem1024,
      named_group::x25519,          named_group::secp256r1,          named_group::secp384r1};
  static constexpr std::array<cipher_suite, 3> counted_suites = {cipher_suite::aes_128_gcm_sha256,
                                                                 cipher_suite::aes_256_gcm_sha384,
                                                                 cipher_suite::chacha20_poly1305_sha256};
  // Failures by error category, in this order.
  static constexpr std::array<std::string_view, 6> categories = {"decode",      "protocol", "alert",
                                                                 "certificate", "policy",   "internal"};

  struct snapshot {
    std::uint64_t handshakes = 0;     // completed, full or resumed
    std::uint64_t resumed = 0;        // of which resumed with a PSK
    std::uint64_t psk_ke = 0;         // of which without (EC)DHE
    std::uint64_t hello_retries = 0;  // completed handshakes that needed a HelloRetryRequest
    std::uint64_t early_data_accepted = 0;
    std::uint64_t early_data_rejected = 0;  // offered (client) / received (server) but refused
    std::uint64_t peer_authenticated = 0;   // completed with a verified peer certificate
    std::array<std::uint64_t, counted_groups.size() + 2> by_group{};  // + psk_ke (none), + other
    std::array<std::uint64_t, counted_suites.size()> by_suite{};
    // Connections whose transport ended without close_notify (protocol_errc::truncated): not
    // counted as failures, since browsers' unused preconnects and HTTP clients end so routinely.
    std::uint64_t truncated = 0;
    std::uint64_t failures = 0;  // connections that ended with a fatal error (any side)
    std::array<std::uint64_t, categories.size()> failures_by_category{};
    std::array<std::uint64_t, 256> alerts_sent{};      // error alerts we sent, by description
    std::array<std::uint64_t, 256> alerts_received{};  // fatal alerts the peer sent, by description
    std::uint64_t key_updates_sent = 0;
    std::uint64_t key_updates_received = 0;
  };

  snapshot read() const noexcept;
  // The counters in the Prometheus text format (counters only; zero-valued alert lines omitted),
  // each name prefixed with `prefix` and an underscore.
  std::string to_prometheus(std::string_view prefix = "tls13") const;

  // Called by the engine.
  struct completed {
    bool resumed, psk_ke, hello_retry, early_offered, early_accepted, peer_authenticated;
    std::optional<named_group> group;
    cipher_suite suite;
  };
  void on_handshake(const completed& c) noexcept;
  void on_failure(std::error_code ec, bool alert_sent, alert_description sent) noexcept;
  void on_alert_sent(alert_description d) noexcept;  // an application abort()
  void on_key_update(bool sent) noexcept;

 private:
  using counter = std::atomic<std::uint64_t>;
  static void add(counter& c) noexcept { c.fetch_add(1, std::memory_order_relaxed); }

  // Disjoint, so that each exported series is monotonic even in a snapshot that races a handshake.
  counter full_{0}, resumed_dhe_{0}, resumed_psk_ke_{0}, hello_retries_{0}, early_accepted_{0},
      early_rejected_{0}, peer_authenticated_{0}, truncated_{0}, failures_{0}, key_updates_sent_{0},
      key_updates_received_{0};
  std::array<counter, counted_groups.size() + 2> by_group_{};
  std::array<counter, counted_suites.size()> by_suite_{};
  std::array<counter, categories.size()> by_category_{};
  std::array<counter, 256> alerts_sent_{}, alerts_received_{};
};

}  // namespace tls13
