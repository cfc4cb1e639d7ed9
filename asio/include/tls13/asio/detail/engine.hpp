// The transport-independent half of tls13::stream: the core connection, the input buffer and the
// output buffers, and one step function per operation (handshake, read, write, shutdown). A step
// says what the operation needs next from the transport; the sync and async drivers (stream.hpp,
// io.hpp) do that and call the step again.
#pragma once

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "tls13/asio/error.hpp"
#include "tls13/connection.hpp"

namespace tls13::asio_detail {

enum class want : std::uint8_t {
  done,         // the operation is complete (see ec / bytes)
  input,        // read more from the transport, then step again
  output,       // write the pending output, then step again
  output_done,  // write the pending output, then complete
};

struct step_result {
  want what;
  boost::system::error_code ec{};
  std::size_t bytes = 0;
};

class engine {
 public:
  bool has_connection() const noexcept { return conn_.has_value(); }
  void attach(connection c) { conn_.emplace(std::move(c)); }
  connection* native() noexcept { return conn_ ? &*conn_ : nullptr; }
  const connection* native() const noexcept { return conn_ ? &*conn_ : nullptr; }

  // ---- transport side
  // The input buffer follows the traffic: room for a whole record (17 KiB) while data flows, and a
  // small buffer once the connection has gone quiet (the last read was short and everything read
  // was consumed), so an idle connection with a pending read holds 512 bytes, not 17 KiB.
  static constexpr std::size_t record_room = 17 * 1024, quiet_room = 512, quiet_read = 4096;

  // Room for more input, at least n octets (default: a record, or quiet_room when quiet). While data
  // flows, a read usually ends inside a record; its unconsumed start is moved to the front of the
  // buffer rather than copied into a new one, and a buffer that must grow for it gets room for two
  // records, so one read can take in more than one record.
  boost::asio::mutable_buffer input_space(std::size_t n = 0) {
    const std::size_t held = in_end_ - in_begin_;
    if (n == 0) n = held == 0 && quiet_ ? quiet_room : record_room;
    if (held == 0) in_begin_ = in_end_ = 0;
    if (in_cap_ - in_end_ >= n) return {in_.get() + in_end_, in_cap_ - in_end_};
    if (in_cap_ - held >= n) {
      std::memmove(in_.get(), in_.get() + in_begin_, held);
    } else {
      // Two records' room only while data flows: a quiet connection (a slow or stalled peer) keeps
      // the smallest buffer that holds what it has sent and one more record.
      const std::size_t cap = held == 0 || quiet_ ? held + n : std::max(held + n, 2 * record_room);
      std::unique_ptr<std::byte[]> bigger(new std::byte[cap]);  // no zero-fill: reads write it
      if (held != 0) std::memcpy(bigger.get(), in_.get() + in_begin_, held);
      in_ = std::move(bigger);
      in_cap_ = cap;
    }
    in_begin_ = 0;
    in_end_ = held;
    return {in_.get() + in_end_, in_cap_ - in_end_};
  }
  void input_arrived(std::size_t n) noexcept {
    in_end_ += n;
    quiet_ = n < quiet_read;
  }
  void input_ended() noexcept { eof_ = true; }
  // Everything read so far but not consumed (the buffered handshake hands it in here too).
  void push_input(boost::asio::const_buffer b) {
    auto space = input_space(b.size());
    std::memcpy(space.data(), b.data(), b.size());
    input_arrived(b.size());
  }

  // Takes the pending output for one transport write (at most one write is in flight).
  boost::asio::const_buffer begin_write() {
    std::swap(out_, writing_);
    out_.clear();
    writing_busy_ = true;
    auto d = writing_.data();
    return {d.data(), d.size()};
  }
  void end_write() noexcept {
    writing_.clear();
    writing_busy_ = false;
  }
  bool output_pending() const noexcept { return out_.size() != 0; }
  bool write_busy() const noexcept { return writing_busy_; }
  // Drops the input buffer when it holds nothing (memory per idle connection).
  void release_buffers() noexcept {
    if (in_begin_ == in_end_) {
      in_.reset();
      in_cap_ = in_begin_ = in_end_ = 0;
    }
  }

  // ---- 0-RTT
  // Server: 0-RTT was accepted and the client's Finished has not been read yet: data that reads
  // deliver now is early data, which an attacker may have replayed (RFC 8446 §8, RFC 8470).
  bool in_early_data() const noexcept { return conn_ && conn_->in_early_data(); }
  // Server: the early-data bytes reads have delivered so far.
  std::uint64_t early_bytes_read() const noexcept { return early_read_; }
  // Client: the server accepted our early data (known once the handshake completed). Server: we
  // accepted the client's.
  bool early_data_accepted() const noexcept { return conn_ && conn_->info().early_data_accepted; }

  // ---- operation steps
  // `early` (client only, may be null): sent as 0-RTT data right behind the ClientHello when the
  // ticket allows it. The step completes with the number of those bytes the server accepted.
  // Server with accepted 0-RTT: completes once its flight is written (reads then deliver the early
  // data; the client's EndOfEarlyData and Finished are processed by later reads).
  template <class ConstBuffers = boost::asio::const_buffer>
  step_result handshake_step(const ConstBuffers* early = nullptr);
  template <class MutableBuffers>
  step_result read_step(const MutableBuffers& buffers);
  template <class ConstBuffers>
  step_result write_step(const ConstBuffers& buffers, bool already_written);
  step_result shutdown_step(bool send_only);
  // Queues a KeyUpdate (with request_peer_update the peer must answer with its own) and writes it.
  step_result key_update_step(bool request_peer_update, bool already_written);

 private:
  // app_destination: a read's buffer, where the core may decrypt application data directly.
  result<event> poll(mut_bytes app_destination = {}) {
    input_window in{mut_bytes(in_.get() + in_begin_, in_end_ - in_begin_), 0, eof_, app_destination};
    auto ev = conn_->poll(in, out_);
    in_begin_ += in.consumed;
    // Everything read is consumed (no record is being delivered) and the traffic is quiet: give
    // the big buffer back; the next read starts small.
    if (quiet_ && in_begin_ == in_end_ && in_cap_ > quiet_room) release_buffers();
    return ev;
  }

  static step_result fail(std::error_code ec) { return {want::done, to_boost(ec), 0}; }
  step_result flush_then(want w) { return {output_pending() && !writing_busy_ ? w : want::done}; }

  std::optional<connection> conn_;
  std::unique_ptr<std::byte[]> in_;
  std::size_t in_cap_ = 0, in_begin_ = 0, in_end_ = 0;
  bool quiet_ = false;  // the last transport read was short
  bool eof_ = false;
  vector_sink out_, writing_;
  bool writing_busy_ = false;
  bool close_sent_ = false, peer_closed_ = false;
  bool early_tried_ = false;       // client: the early data went out (or could not)
  std::size_t early_written_ = 0;  // client: early-data bytes sent
  std::uint64_t early_read_ = 0;   // server: early-data bytes delivered by reads
};

template <class ConstBuffers>
step_result engine::handshake_step(const ConstBuffers* early) {
  if (!conn_) return {want::done, boost::asio::error::invalid_argument};
  for (;;) {
    auto ev = poll();
    if (!ev)
      return output_pending() ? step_result{want::output_done, to_boost(ev.error())} : fail(ev.error());
    if (std::holds_alternative<events::flush>(*ev)) {
      // Client: the first flush carries the ClientHello; the early data rides along in the same write.
      if (early != nullptr && !early_tried_) {
        early_tried_ = true;
        if (conn_->can_write_early()) {
          for (auto it = boost::asio::buffer_sequence_begin(*early);
               it != boost::asio::buffer_sequence_end(*early); ++it) {
            const boost::asio::const_buffer b = *it;
            if (b.size() == 0) continue;
            auto r = conn_->write_early(as_bytes(b.data(), b.size()), out_);
            if (!r)
              return output_pending() ? step_result{want::output_done, to_boost(r.error())} : fail(r.error());
            early_written_ += *r;
            if (*r < b.size()) break;  // the ticket's max_early_data is reached
          }
        }
      }
      // Server with accepted 0-RTT: the handshake is complete for the application once our flight
      // is out (0.5-RTT); reads deliver the early data and then take EndOfEarlyData and Finished.
      if (conn_->in_early_data()) return {want::output_done};
      return {want::output};
    }
    if (std::holds_alternative<events::need_input>(*ev)) {
      if (output_pending()) return {want::output};
      if (conn_->in_early_data()) return {want::done};
      // Our flight is out and the peer needs a while to answer: the next handshake's key pair is
      // computed in that time instead of at its start (once per connection).
      conn_->prepare_next_handshake();
      return {want::input};
    }
    if (std::holds_alternative<events::handshake_done>(*ev)) {
      const std::size_t accepted = early != nullptr && conn_->info().early_data_accepted ? early_written_ : 0;
      return {output_pending() ? want::output_done : want::done, {}, accepted};
    }
    // Accepted early data before the client's Finished: left in place for the first read.
    if (std::holds_alternative<events::app_data>(*ev) && conn_->in_early_data()) return {want::done};
    // Anything else before the handshake completed cannot happen in TLS 1.3.
    return {want::done, boost::asio::error::operation_not_supported};
  }
}

template <class MutableBuffers>
step_result engine::read_step(const MutableBuffers& buffers) {
  if (!conn_) return {want::done, boost::asio::error::not_connected};
  if (boost::asio::buffer_size(buffers) == 0) return {want::done};
  if (peer_closed_) return {want::done, boost::asio::error::eof};
  // The first non-empty buffer: a record whose plaintext fits is decrypted straight into it.
  mut_bytes dest;
  for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
       ++it) {
    const boost::asio::mutable_buffer b = *it;
    if (b.size() == 0) continue;
    dest = mut_bytes(static_cast<std::byte*>(b.data()), b.size());
    break;
  }
  for (;;) {
    auto ev = poll(dest);
    if (!ev)
      return output_pending() && !writing_busy_ ? step_result{want::output_done, to_boost(ev.error())}
                                                : fail(ev.error());
    if (auto* a = std::get_if<events::app_data>(&*ev)) {
      const bool in_place = a->payload.data() == dest.data();  // already in the caller's buffer
      const std::size_t n =
          in_place ? a->payload.size()
                   : boost::asio::buffer_copy(
                         buffers, boost::asio::const_buffer(a->payload.data(), a->payload.size()));
      if (!in_place) conn_->consume_app_data(n);
      if (a->early) early_read_ += n;
      return {want::done, {}, n};
    }
    if (std::holds_alternative<events::flush>(*ev) || std::holds_alternative<events::handshake_done>(*ev)) {
      // A KeyUpdate reply, or (server after 0-RTT) the client's Finished was taken and our tickets
      // are queued: send them unless a write is already on the wire (it will take them along).
      if (output_pending() && !writing_busy_) return {want::output};
      continue;
    }
    if (std::holds_alternative<events::need_input>(*ev)) {
      if (output_pending() && !writing_busy_) return {want::output};
      return {want::input};
    }
    if (std::holds_alternative<events::peer_closed>(*ev) || std::holds_alternative<events::closed>(*ev)) {
      peer_closed_ = true;
      return {want::done, boost::asio::error::eof};
    }
  }
}

template <class ConstBuffers>
step_result engine::write_step(const ConstBuffers& buffers, bool already_written) {
  if (!conn_) return {want::done, boost::asio::error::not_connected};
  if (already_written) {
    // Our records went out; output a read step queued meanwhile goes next, then we complete.
    return {output_pending() ? want::output_done : want::done, {}, boost::asio::buffer_size(buffers)};
  }
  std::size_t total = 0;
  for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
       ++it) {
    const boost::asio::const_buffer b = *it;
    if (b.size() == 0) continue;
    auto r = conn_->write(as_bytes(b.data(), b.size()), out_);
    if (!r) return fail(r.error());
    total += *r;
  }
  if (total == 0) return {want::done};
  return {want::output, {}, total};
}

inline step_result engine::key_update_step(bool request_peer_update, bool already_written) {
  if (!conn_) return {want::done, boost::asio::error::not_connected};
  // Like a write: output a read queued meanwhile (a KeyUpdate answer) goes next, then we complete.
  if (already_written) return {output_pending() ? want::output_done : want::done};
  if (auto r = conn_->key_update(out_, request_peer_update); !r) return fail(r.error());
  return {want::output};
}

inline step_result engine::shutdown_step(bool send_only) {
  if (!conn_) return {want::done, boost::asio::error::not_connected};
  if (!close_sent_) {
    close_sent_ = true;
    conn_->close(out_);
    return {want::output};
  }
  // Our close_notify is out: nothing on this connection waits for us any more, so a key pair for
  // the next handshake costs it nothing now (a resumed server has not made one; once per connection).
  conn_->prepare_next_handshake();
  if (send_only || peer_closed_) return {want::done};
  for (;;) {
    auto ev = poll();
    if (!ev) return fail(ev.error());
    if (auto* a = std::get_if<events::app_data>(&*ev)) {
      conn_->consume_app_data(a->payload.size());  // data after our close_notify is dropped
      continue;
    }
    // A flush, or (server after 0-RTT) the client's Finished arriving after our close_notify.
    if (std::holds_alternative<events::flush>(*ev) || std::holds_alternative<events::handshake_done>(*ev))
      continue;
    if (std::holds_alternative<events::need_input>(*ev)) return {want::input};
    peer_closed_ = true;  // peer_closed / closed: both directions are done
    return {want::done};
  }
}

}  // namespace tls13::asio_detail
