// Rotates a ticket_key_ring on an Asio timer: for rings made with rotate_every = 0 (rotation by
// hand), or to run a hook after each rotation, e.g. to export the new keys to the other servers of
// a fleet (ticket_key_ring::export_keys). The ring itself is thread-safe; the rotator only needs an
// executor. Destroying the rotator (or stop()) ends the rotations.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "tls13/session.hpp"

namespace tls13 {

class ticket_key_rotator {
 public:
  using hook = std::function<void(const ticket_key_ring&)>;

  template <class Executor>
  ticket_key_rotator(const Executor& ex, std::shared_ptr<const ticket_key_ring> ring,
                     std::chrono::steady_clock::duration every, hook after = {})
      : state_(std::make_shared<state>(ex, std::move(ring), every, std::move(after))) {
    arm(state_);
  }
  ticket_key_rotator(const ticket_key_rotator&) = delete;
  ticket_key_rotator& operator=(const ticket_key_rotator&) = delete;
  ~ticket_key_rotator() { stop(); }

  void stop() {
    if (!state_) return;
    state_->stopped = true;
    state_->timer.cancel();
    state_.reset();
  }

 private:
  struct state {
    template <class Executor>
    state(const Executor& ex, std::shared_ptr<const ticket_key_ring> r, std::chrono::steady_clock::duration e,
          hook a)
        : timer(ex), ring(std::move(r)), every(e), after(std::move(a)) {}
    boost::asio::steady_timer timer;
    std::shared_ptr<const ticket_key_ring> ring;
    std::chrono::steady_clock::duration every;
    hook after;
    bool stopped = false;
  };

  // The pending wait owns the state, so a rotation in flight outlives stop() safely.
  static void arm(const std::shared_ptr<state>& s) {
    s->timer.expires_after(s->every);
    s->timer.async_wait([s](const boost::system::error_code& ec) {
      if (ec || s->stopped) return;
      s->ring->rotate(std::chrono::system_clock::now());
      if (s->after) s->after(*s->ring);
      arm(s);
    });
  }

  std::shared_ptr<state> state_;
};

}  // namespace tls13
