// tls13::stream<NextLayer>: a drop-in for boost::asio::ssl::stream<NextLayer> and
// beast::ssl_stream<NextLayer> (same member names, same completion tokens, same error codes),
// over tls13's sans-I/O core instead of libssl.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/ssl/verify_mode.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "tls13/asio/context.hpp"
#include "tls13/asio/detail/io.hpp"

namespace tls13 {

// asio's handshake_type lives here: stream_base::client / stream_base::server.
using stream_base = boost::asio::ssl::stream_base;

// close_notify only (do not wait for the peer's), for the new async_shutdown overload.
enum class shutdown_mode { send_and_wait, send_only };

template <class NextLayer>
class stream : public boost::asio::ssl::stream_base {
 public:
  using next_layer_type = std::remove_reference_t<NextLayer>;
  using lowest_layer_type = boost::beast::lowest_layer_type<next_layer_type>;
  using executor_type = typename next_layer_type::executor_type;
  using native_handle_type = connection*;

  template <class Executor1>
  struct rebind_executor {
    using other = stream<typename next_layer_type::template rebind_executor<Executor1>::other>;
  };

  template <class Arg>
  stream(Arg&& arg, context& ctx) : next_(std::forward<Arg>(arg)), ctx_(&ctx), gate_(next_.get_executor()) {
    gate_.expires_at(std::chrono::steady_clock::time_point::max());
  }
  stream(stream&&) = default;
  stream& operator=(stream&&) = default;

  executor_type get_executor() noexcept { return next_.get_executor(); }
  native_handle_type native_handle() noexcept { return engine_.native(); }
  const next_layer_type& next_layer() const { return next_; }
  next_layer_type& next_layer() { return next_; }
  lowest_layer_type& lowest_layer() { return boost::beast::get_lowest_layer(next_); }
  const lowest_layer_type& lowest_layer() const { return boost::beast::get_lowest_layer(next_); }

  // SNI and the name the server's certificate must match (replaces SSL_set_tlsext_host_name).
  void set_server_name(std::string host) { server_name_ = std::move(host); }
  void set_server_name(std::string host, boost::system::error_code& ec) {
    server_name_ = std::move(host);
    ec = {};
  }
  void set_verify_mode(boost::asio::ssl::verify_mode v) { verify_mode_ = v; }
  void set_verify_mode(boost::asio::ssl::verify_mode v, boost::system::error_code& ec) {
    verify_mode_ = v;
    ec = {};
  }
  void set_verify_depth(int d) { verify_depth_ = d; }
  void set_verify_depth(int d, boost::system::error_code& ec) {
    verify_depth_ = d;
    ec = {};
  }
  // asio's verify callback for this stream's handshakes, instead of the context's (see
  // context::set_verify_callback). Set it before the handshake.
  template <class VerifyCallback>
  void set_verify_callback(VerifyCallback callback) {
    verify_callback_ = asio_detail::adapt_verify_callback(std::move(callback));
  }
  template <class VerifyCallback>
  void set_verify_callback(VerifyCallback callback, boost::system::error_code& ec) {
    verify_callback_ = asio_detail::adapt_verify_callback(std::move(callback));
    ec = {};
  }

  // What the handshake agreed on (new; asio offers this through native_handle()).
  const session_info* session() const noexcept {
    return engine_.native() ? &engine_.native()->info() : nullptr;
  }

  // ---- handshake
  void handshake(handshake_type type) {
    boost::system::error_code ec;
    handshake(type, ec);
    if (ec) throw boost::system::system_error(ec, "handshake");
  }
  void handshake(handshake_type type, boost::system::error_code& ec) {
    if (!start(type, ec)) return;
    asio_detail::run_sync(next_, engine_, asio_detail::handshake_step_fn{}, ec);
  }
  template <class ConstBufferSequence>
  void handshake(handshake_type type, const ConstBufferSequence& buffers) {
    boost::system::error_code ec;
    handshake(type, buffers, ec);
    if (ec) throw boost::system::system_error(ec, "handshake");
  }
  template <class ConstBufferSequence>
  void handshake(handshake_type type, const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    push(buffers);
    handshake(type, ec);
  }

  template <boost::asio::completion_token_for<void(boost::system::error_code)> HandshakeToken =
                boost::asio::default_completion_token_t<executor_type>>
  auto async_handshake(handshake_type type, HandshakeToken&& token = {}) {
    boost::system::error_code ec;
    const bool ok = start(type, ec);
    return boost::asio::async_compose<HandshakeToken, void(boost::system::error_code)>(
        asio_detail::io_op<stream, starter<asio_detail::handshake_step_fn>, false>(
            *this, starter<asio_detail::handshake_step_fn>{{}, ok ? boost::system::error_code{} : ec}),
        token, next_);
  }

  template <class ConstBufferSequence,
            boost::asio::completion_token_for<void(boost::system::error_code, std::size_t)>
                BufferedHandshakeToken = boost::asio::default_completion_token_t<executor_type>>
  auto async_handshake(handshake_type type, const ConstBufferSequence& buffers,
                       BufferedHandshakeToken&& token = {}) {
    // All of `buffers` is taken in: it completes with buffer_size(buffers) bytes used.
    push(buffers);
    boost::system::error_code ec;
    const bool ok = start(type, ec);
    return boost::asio::async_compose<BufferedHandshakeToken, void(boost::system::error_code, std::size_t)>(
        asio_detail::io_op<stream, starter<asio_detail::handshake_step_fn>, true>(
            *this,
            starter<asio_detail::handshake_step_fn>{
                {}, ok ? boost::system::error_code{} : ec, boost::asio::buffer_size(buffers)}),
        token, next_);
  }

  // ---- 0-RTT (RFC 8446 §2.3, docs/ZERO_RTT.md)
  // Client: the handshake, with `early` sent as early data right behind the ClientHello when the
  // context has set_early_data(true) and the ticket being resumed allows it. Completes with the
  // number of leading bytes of `early` the server accepted: 0 when it refused them or no 0-RTT was
  // possible (no ticket, a ticket without early data, a HelloRetryRequest), fewer than all when the
  // ticket's max_early_data was reached. The application writes the rest (on 0: all of it) after
  // the handshake. An attacker can replay early data: send only what is safe to repeat. `early`
  // must stay valid until the operation completes.
  template <class ConstBufferSequence>
  std::size_t handshake_with_early_data(const ConstBufferSequence& early) {
    boost::system::error_code ec;
    const std::size_t n = handshake_with_early_data(early, ec);
    if (ec) throw boost::system::system_error(ec, "handshake_with_early_data");
    return n;
  }
  template <class ConstBufferSequence>
  std::size_t handshake_with_early_data(const ConstBufferSequence& early, boost::system::error_code& ec) {
    if (!start(client, ec, true)) return 0;
    return asio_detail::run_sync(next_, engine_,
                                 asio_detail::early_handshake_step_fn<ConstBufferSequence>{early}, ec);
  }
  template <class ConstBufferSequence,
            boost::asio::completion_token_for<void(boost::system::error_code, std::size_t)>
                EarlyHandshakeToken = boost::asio::default_completion_token_t<executor_type>>
  auto async_handshake_with_early_data(const ConstBufferSequence& early, EarlyHandshakeToken&& token = {}) {
    using step = starter<asio_detail::early_handshake_step_fn<ConstBufferSequence>>;
    boost::system::error_code ec;
    const bool ok = start(client, ec, true);
    return boost::asio::async_compose<EarlyHandshakeToken, void(boost::system::error_code, std::size_t)>(
        asio_detail::io_op<stream, step, true>(*this, step{{early}, ok ? boost::system::error_code{} : ec}),
        token, next_);
  }
  // Client: the server took our early data. Server: we took the client's (see in_early_data()).
  bool early_data_accepted() const noexcept { return engine_.early_data_accepted(); }
  // Server: 0-RTT was accepted and the client's Finished has not been read yet, so what reads
  // deliver now is early data that may be a replay: answer only requests that are safe to repeat
  // (RFC 8470: 425 Too Early for the others). With accepted 0-RTT a server's handshake completes
  // once its flight is out, so the early data can be answered at once (0.5-RTT); later reads take
  // the client's EndOfEarlyData and Finished, and this turns false. A bad client Finished is then
  // the error of that read, and of every operation after it.
  bool in_early_data() const noexcept { return engine_.in_early_data(); }
  // Server: how many bytes of early data reads have delivered so far (a request that contains any
  // of them arrived, at least in part, as early data).
  std::uint64_t early_bytes_read() const noexcept { return engine_.early_bytes_read(); }

  // ---- data
  // A read decrypts a record straight into the first buffer when it fits there, so it may write past
  // the count it returns within that buffer (the record's type octet and padding; zeros where a
  // record that is not data, or is refused, was opened). Anything past that count is not kept.
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec, "read_some");
    return n;
  }
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    return asio_detail::run_sync(next_, engine_, asio_detail::read_step_fn<MutableBufferSequence>{buffers},
                                 ec);
  }
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec, "write_some");
    return n;
  }
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    return asio_detail::run_sync(next_, engine_, asio_detail::write_step_fn<ConstBufferSequence>{buffers},
                                 ec);
  }

  template <class MutableBufferSequence,
            boost::asio::completion_token_for<void(boost::system::error_code, std::size_t)> ReadToken =
                boost::asio::default_completion_token_t<executor_type>>
  auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token = {}) {
    using step = asio_detail::read_step_fn<MutableBufferSequence>;
    return boost::asio::async_compose<ReadToken, void(boost::system::error_code, std::size_t)>(
        asio_detail::io_op<stream, step, true>(*this, step{buffers}), token, next_);
  }
  template <class ConstBufferSequence,
            boost::asio::completion_token_for<void(boost::system::error_code, std::size_t)> WriteToken =
                boost::asio::default_completion_token_t<executor_type>>
  auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token = {}) {
    using step = asio_detail::write_step_fn<ConstBufferSequence>;
    return boost::asio::async_compose<WriteToken, void(boost::system::error_code, std::size_t)>(
        asio_detail::io_op<stream, step, true>(*this, step{buffers}), token, next_);
  }

  // ---- KeyUpdate (RFC 8446 §4.6.3; new: asio offers SSL_key_update through native_handle())
  // Sends a KeyUpdate after the handshake: our sending keys change; with request_peer_update the
  // peer answers with a KeyUpdate of its own (its reads do that). It is a write operation: at most
  // one write or key update outstanding at a time, like async_write_some.
  void key_update(bool request_peer_update) {
    boost::system::error_code ec;
    key_update(request_peer_update, ec);
    if (ec) throw boost::system::system_error(ec, "key_update");
  }
  void key_update(bool request_peer_update, boost::system::error_code& ec) {
    asio_detail::run_sync(next_, engine_, asio_detail::key_update_step_fn{request_peer_update}, ec);
  }
  template <boost::asio::completion_token_for<void(boost::system::error_code)> KeyUpdateToken =
                boost::asio::default_completion_token_t<executor_type>>
  auto async_key_update(bool request_peer_update, KeyUpdateToken&& token = {}) {
    return boost::asio::async_compose<KeyUpdateToken, void(boost::system::error_code)>(
        asio_detail::io_op<stream, asio_detail::key_update_step_fn, false>(
            *this, asio_detail::key_update_step_fn{request_peer_update}),
        token, next_);
  }

  // ---- shutdown: send close_notify and wait for the peer's (asio's semantics)
  void shutdown() {
    boost::system::error_code ec;
    shutdown(ec);
    if (ec) throw boost::system::system_error(ec, "shutdown");
  }
  void shutdown(boost::system::error_code& ec) {
    asio_detail::run_sync(next_, engine_, asio_detail::shutdown_step_fn{false}, ec);
  }
  template <boost::asio::completion_token_for<void(boost::system::error_code)> ShutdownToken =
                boost::asio::default_completion_token_t<executor_type>>
  auto async_shutdown(ShutdownToken&& token = {}) {
    return async_shutdown(shutdown_mode::send_and_wait, std::forward<ShutdownToken>(token));
  }
  template <boost::asio::completion_token_for<void(boost::system::error_code)> ShutdownToken =
                boost::asio::default_completion_token_t<executor_type>>
  auto async_shutdown(shutdown_mode mode, ShutdownToken&& token = {}) {
    return boost::asio::async_compose<ShutdownToken, void(boost::system::error_code)>(
        asio_detail::io_op<stream, asio_detail::shutdown_step_fn, false>(
            *this, asio_detail::shutdown_step_fn{mode == shutdown_mode::send_only}),
        token, next_);
  }

 private:
  template <class, class, bool>
  friend class asio_detail::io_op;

  // A step that first reports a setup error (bad config) and otherwise runs `Inner`; with `bytes`,
  // it completes with that many bytes (the buffered handshake: all of the buffer was used).
  template <class Inner>
  struct starter {
    Inner inner;
    boost::system::error_code setup_error;
    std::optional<std::size_t> bytes = std::nullopt;
    asio_detail::step_result operator()(asio_detail::engine& e, bool wrote) const {
      if (setup_error) return {asio_detail::want::done, setup_error};
      auto r = inner(e, wrote);
      const bool last = r.what == asio_detail::want::done || r.what == asio_detail::want::output_done;
      if (bytes && last && !r.ec) r.bytes = *bytes;
      return r;
    }
  };

  template <class ConstBufferSequence>
  void push(const ConstBufferSequence& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it)
      engine_.push_input(*it);
  }

  // Creates the core connection from the context's current snapshot and this stream's settings.
  // A client offers 0-RTT only in the handshake that has early data to send.
  bool start(handshake_type type, boost::system::error_code& ec, bool with_early_data = false) {
    if (engine_.has_connection()) return true;
    result<connection> c = type == client ? make_client(with_early_data) : make_server();
    if (!c) {
      ec = asio_detail::to_boost(c.error());
      return false;
    }
    engine_.attach(std::move(*c));
    ec = {};
    return true;
  }

  result<connection> make_client(bool with_early_data) {
    auto cfg = ctx_->client_snapshot();
    const bool no_early = cfg->enable_early_data && !with_early_data;
    if (verify_mode_ || verify_depth_ || verify_callback_ || no_early) {
      auto copy = std::make_shared<client_config>(*cfg);
      if (verify_mode_) copy->verify_peer = (*verify_mode_ & boost::asio::ssl::verify_peer) != 0;
      if (no_early) copy->enable_early_data = false;
      own_verifier(*copy);
      cfg = std::move(copy);
    }
    return connection::client(std::move(cfg), server_name_);
  }

  // This stream's verify depth / callback, on the context's trust anchors (none: nothing trusted).
  void own_verifier(common_config& c) const {
    if (!verify_depth_ && !verify_callback_) return;
    c.verifier = ctx_->make_verifier(verify_depth_, verify_callback_ ? &*verify_callback_ : nullptr);
  }

  result<connection> make_server() {
    auto cfg = ctx_->server_snapshot();
    if (verify_mode_ || verify_depth_ || verify_callback_) {
      auto copy = std::make_shared<server_config>(*cfg);
      using boost::asio::ssl::verify_fail_if_no_peer_cert;
      using boost::asio::ssl::verify_peer;
      if (verify_mode_)
        copy->client_authentication = !(*verify_mode_ & verify_peer)                  ? client_auth::none
                                      : (*verify_mode_ & verify_fail_if_no_peer_cert) ? client_auth::required
                                                                                      : client_auth::optional;
      own_verifier(*copy);
      cfg = std::move(copy);
    }
    return connection::server(std::move(cfg));
  }

  NextLayer next_;
  context* ctx_;
  asio_detail::engine engine_;
  boost::asio::steady_timer gate_;  // wakes a writer waiting for the one in flight
  std::string server_name_;
  std::optional<boost::asio::ssl::verify_mode> verify_mode_;
  std::optional<int> verify_depth_;
  std::optional<x509_verify_callback> verify_callback_;
};

}  // namespace tls13
