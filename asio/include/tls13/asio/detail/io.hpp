// One generic driver for every operation, sync and async (like asio's ssl::detail::io_op): call
// the operation's step; read from or write to the next layer as it asks; repeat. At most one
// next-layer write is in flight: a second writer waits on the stream's gate timer.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "tls13/asio/detail/engine.hpp"

namespace tls13::asio_detail {

// The operations, as steps over the engine.
struct handshake_step_fn {
  step_result operator()(engine& e, bool) const { return e.handshake_step(); }
};
// Client handshake with 0-RTT data: `bytes` of the result is how much of it the server accepted.
template <class ConstBuffers>
struct early_handshake_step_fn {
  ConstBuffers early;
  step_result operator()(engine& e, bool) const { return e.handshake_step(&early); }
};
template <class MutableBuffers>
struct read_step_fn {
  MutableBuffers buffers;
  step_result operator()(engine& e, bool) const { return e.read_step(buffers); }
};
template <class ConstBuffers>
struct write_step_fn {
  ConstBuffers buffers;
  step_result operator()(engine& e, bool wrote) const { return e.write_step(buffers, wrote); }
};
struct key_update_step_fn {
  bool request_peer_update;
  step_result operator()(engine& e, bool wrote) const {
    return e.key_update_step(request_peer_update, wrote);
  }
};
struct shutdown_step_fn {
  bool send_only;
  step_result operator()(engine& e, bool) const { return e.shutdown_step(send_only); }
};

// Synchronous driver.
template <class NextLayer, class Step>
std::size_t run_sync(NextLayer& next, engine& eng, Step step, boost::system::error_code& ec) {
  bool wrote = false;
  std::size_t bytes = 0;
  for (;;) {
    const step_result r = step(eng, wrote);
    bytes = std::max(bytes, r.bytes);
    if (r.what == want::done) {
      ec = r.ec;
      return bytes;
    }
    if (r.what == want::input) {
      boost::system::error_code rec;
      const std::size_t n = next.read_some(eng.input_space(), rec);
      if (rec == boost::asio::error::eof) {
        eng.input_ended();
      } else if (rec) {
        ec = rec;
        return bytes;
      } else {
        eng.input_arrived(n);
      }
      continue;
    }
    boost::system::error_code wec;
    boost::asio::write(next, eng.begin_write(), wec);
    eng.end_write();
    wrote = true;
    if (wec) {
      ec = wec;
      return bytes;
    }
    if (r.what == want::output_done) {
      ec = r.ec;
      return bytes;
    }
  }
}

// Asynchronous driver: an async_compose operation; handlers keep their associated executor,
// allocator and cancellation slot (async_compose does that), and never run inline.
template <class Stream, class Step, bool WithBytes>
class io_op : boost::asio::coroutine {
 public:
  io_op(Stream& s, Step step) : s_(s), step_(std::move(step)) {}

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
    auto& eng = s_.engine_;
    BOOST_ASIO_CORO_REENTER(*this) {
      for (;;) {
        r_ = step_(eng, wrote_);
        bytes_ = std::max(bytes_, r_.bytes);
        if (r_.what == want::done) {
          final_ = r_.ec;
          break;
        }
        if (r_.what == want::input) {
          async_started_ = true;
          BOOST_ASIO_CORO_YIELD s_.next_layer().async_read_some(eng.input_space(), std::move(self));
          if (ec == boost::asio::error::eof) {
            eng.input_ended();
          } else if (ec) {
            final_ = ec;
            break;
          } else {
            eng.input_arrived(n);
          }
          continue;
        }
        while (eng.write_busy()) {
          async_started_ = true;
          BOOST_ASIO_CORO_YIELD s_.gate_.async_wait(std::move(self));
        }
        async_started_ = true;
        BOOST_ASIO_CORO_YIELD boost::asio::async_write(s_.next_layer(), eng.begin_write(), std::move(self));
        eng.end_write();
        s_.gate_.cancel();  // wakes a writer that waited for this one
        wrote_ = true;
        if (ec) {
          final_ = ec;
          break;
        }
        if (r_.what == want::output_done) {
          final_ = r_.ec;
          break;
        }
      }
      if (!async_started_) {
        // Completed without waiting: still not inline (asio's rule), so post first.
        async_started_ = true;
        BOOST_ASIO_CORO_YIELD boost::asio::post(s_.get_executor(), std::move(self));
      }
      if constexpr (WithBytes) {
        self.complete(final_, bytes_);
      } else {
        self.complete(final_);
      }
    }
  }

 private:
  Stream& s_;
  Step step_;
  step_result r_{want::done};
  boost::system::error_code final_;
  std::size_t bytes_ = 0;
  bool wrote_ = false;
  bool async_started_ = false;
};

}  // namespace tls13::asio_detail
