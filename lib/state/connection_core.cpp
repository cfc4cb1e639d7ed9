// The receive and send paths, alerts and closure, and the dispatch through the transition table.
#include "state/connection_core.hpp"

#include <algorithm>

#include "state/defaults.hpp"
#include "tls13/metrics.hpp"

namespace tls13 {

using handshake::incoming;
using handshake::state;

connection_core::connection_core(std::shared_ptr<const client_config> c, std::string server_name)
    : client_cfg_(std::move(c)), role_(role::client), state_(state::client_start) {
  provider_owner_ = client_cfg_->provider ? client_cfg_->provider : default_crypto_provider();
  provider_ = provider_owner_.get();
  info_.server_name = std::move(server_name);
  records_.set_max_handshake_message(client_cfg_->limit.max_handshake_message);
  records_.set_max_send_fragment(client_cfg_->max_send_fragment);
  records_.allow_plaintext_alerts(true);
}

connection_core::connection_core(std::shared_ptr<const server_config> s)
    : server_cfg_(std::move(s)), role_(role::server), state_(state::server_start) {
  provider_owner_ = server_cfg_->provider ? server_cfg_->provider : default_crypto_provider();
  provider_ = provider_owner_.get();
  records_.set_max_handshake_message(server_cfg_->limit.max_handshake_message);
  records_.set_max_send_fragment(server_cfg_->max_send_fragment);
  records_.allow_plaintext_alerts(true);
}

const common_config& connection_core::config() const noexcept {
  if (client_cfg_) return *client_cfg_;
  return *server_cfg_;
}

// ---------------------------------------------------------------- poll

result<event> connection_core::poll(input_window& in, output_sink& out) {
  if (error_) return error_;
  out_ = &out;
  struct reset_out {
    output_sink*& p;
    ~reset_out() { p = nullptr; }
  } guard{out_};

  // Application data stays in the caller's window until it has been taken in full (consume_app_data),
  // so a driver may compact and grow its buffer between polls: only offsets are kept here.
  if (app_len_ != 0) {
    if (app_offset_ < app_len_)
      return event{events::app_data{
          in.bytes.subspan(in.consumed + app_start_ + app_offset_, app_len_ - app_offset_), app_early_}};
    in.consumed += app_wire_size_;
    app_len_ = app_offset_ = app_start_ = app_wire_size_ = 0;
  }
  if (replay_wait_ == replay_wait::pending) return event{events::replay_check{replay_id_}};
  if (replay_wait_ == replay_wait::answered) {
    // The held ClientHello again, now with the driver's answer (server_early_data_allowed).
    const std::vector<std::byte> hello = std::move(held_client_hello_);
    held_client_hello_.clear();
    auto r = on_handshake_message(hello);
    replay_wait_ = replay_wait::none;
    if (!r) {
      fail(r.error());
      return r.error();
    }
    if (*r) return std::move(**r);
  }
  if (state_ == state::client_start) {
    if (auto r = client_send_hello(); !r) {
      fail(r.error());
      return r.error();
    }
  }
  if (flight_due_) {  // our ServerHello was written: now the rest of the flight
    if (auto r = server_complete_due_flight(); !r) {
      fail(r.error());
      return r.error();
    }
  } else if (tickets_due_early_) {  // our flight is queued, normally written at the last flush
    if (auto r = server_send_early_tickets(); !r) {
      fail(r.error());
      return r.error();
    }
  }
  for (;;) {
    if (auto f = flush_handshake(); !f) {
      fail(f.error());
      return f.error();
    }
    if (state_ == state::connected && !handshake_done_reported_) {
      handshake_done_reported_ = true;
      records_.allow_plaintext_alerts(false);
      info_.version = handshake::tls13_version;
      count_handshake();
      // Whatever the handshake produced goes out with (or before) the done event.
      return event{events::handshake_done{info_.early_data_accepted}};
    }
    if (pending_flush_) {
      pending_flush_ = false;
      return event{events::flush{}};
    }
    if (peer_closed_) return we_closed_ ? event{events::closed{}} : event{events::peer_closed{}};
    auto r = process_record(in);
    if (!r) {
      fail(r.error());
      return r.error();
    }
    if (*r) return std::move(**r);
  }
}

result<std::optional<event>> connection_core::process_record(input_window& in) {
  mut_bytes window = in.bytes.subspan(in.consumed);
  std::size_t used = 0;
  TLS13_TRY_ASSIGN(auto rec, records_.read(window, used, in.app_destination));
  if (!rec) {
    if (in.transport_eof) return protocol_errc::truncated;  // EOF without close_notify
    return std::optional<event>(events::need_input{});
  }
  // A record opened into the caller's destination: only application data may stay there.
  const auto wipe_destination = [&] {
    if (rec->in_destination()) secure_wipe(in.app_destination.first(rec->destination_used));
  };
  if (rec->type == content_type::application_data && !rec->payload.empty()) {
    if (auto ok = check_application_data(rec->payload.size()); !ok) {
      wipe_destination();
      return ok.error();
    }
    app_early_ = state_ == state::server_wait_eoed;
    if (rec->in_destination()) {  // already where the caller wants it: taken in full
      in.consumed += used;
      return std::optional<event>(events::app_data{rec->payload, app_early_});
    }
    app_start_ = static_cast<std::size_t>(rec->payload.data() - window.data());
    app_len_ = rec->payload.size();
    app_offset_ = 0;
    app_wire_size_ = used;
    return std::optional<event>(events::app_data{rec->payload, app_early_});
  }
  in.consumed += used;
  auto r = on_plaintext(rec->type, rec->payload);
  wipe_destination();
  return r;
}

result<void> connection_core::check_application_data(std::size_t n) {
  if (state_ == state::server_wait_eoed) {  // accepted 0-RTT data under the early key
    if (records_.handshake_partial()) return protocol_errc::interleaved_content;
    if (n > early_budget_) return protocol_errc::unexpected_message;  // over max_early_data (§4.2.10)
    early_budget_ -= n;
    return {};
  }
  if (state_ != state::connected || peer_closed_) return protocol_errc::unexpected_message;
  if (records_.handshake_partial()) return protocol_errc::interleaved_content;
  key_updates_in_row_ = 0;
  empty_records_ = 0;
  return {};
}

result<std::optional<event>> connection_core::on_plaintext(content_type type, mut_bytes fragment) {
  if (type != content_type::application_data) empty_records_ = 0;
  switch (type) {
    case content_type::invalid:
      return std::optional<event>{};  // skipped 0-RTT record
    case content_type::change_cipher_spec:
      // §5: a CCS of the single byte 0x01 received after the first ClientHello and before the peer's
      // Finished is dropped (up to a bound); never encrypted
      // (record_layer checks), never before a ClientHello, never inside a fragmented message.
      if (state_ == state::connected || state_ == state::server_start || fragment.size() != 1 ||
          fragment[0] != std::byte{1} || records_.handshake_partial())
        return protocol_errc::unexpected_message;
      // Dropped, but not without end: a peer cannot keep us busy with them (limits::max_ccs_records).
      if (++ccs_records_ > config().limit.max_ccs_records) return protocol_errc::too_many_records;
      return std::optional<event>{};
    case content_type::alert:
      // §5.1: nothing may come between the fragments of one handshake message.
      if (records_.handshake_partial()) return protocol_errc::interleaved_content;
      return on_alert(fragment);
    case content_type::handshake: {
      TLS13_TRY(records_.add_handshake_fragment(fragment));
      for (;;) {
        TLS13_TRY_ASSIGN(auto msg, records_.next_handshake_message());
        if (!msg) return std::optional<event>{};
        TLS13_TRY_ASSIGN(auto ev, on_handshake_message(*msg));
        if (ev) return ev;
      }
    }
    case content_type::application_data: {
      // Only empty records get here (see process_record): bounded, so a peer cannot spin us.
      if (state_ != state::connected) return protocol_errc::unexpected_message;
      if (++empty_records_ > config().limit.max_empty_records) return decode_errc::too_many_items;
      return std::optional<event>{};
    }
    default:
      return protocol_errc::unexpected_message;
  }
}

result<std::optional<event>> connection_core::on_alert(bytes fragment) {
  if (fragment.empty()) return protocol_errc::empty_fragment;
  if (fragment.size() != 2) return decode_errc::bad_length;
  const auto level = static_cast<std::uint8_t>(fragment[0]);
  const auto desc = static_cast<alert_description>(fragment[1]);
  if (desc == alert_description::close_notify) {
    peer_closed_ = true;
    return std::optional<event>(we_closed_ ? event{events::closed{}} : event{events::peer_closed{}});
  }
  if (desc == alert_description::user_canceled && level == 1) {
    // §6.1: a warning the application may ignore; bounded so a peer cannot keep us busy with them.
    if (++warning_alerts_ > config().limit.max_warning_alerts) return decode_errc::too_many_items;
    return std::optional<event>{};
  }
  // §6: every other alert is fatal in TLS 1.3, whatever level it claims.
  return alert_received(desc);
}

// ---------------------------------------------------------------- handshake dispatch

namespace {

result<incoming> classify(handshake_type t, bytes message) {
  switch (t) {
    case handshake_type::client_hello:
      return incoming::client_hello;
    case handshake_type::server_hello: {
      // A HelloRetryRequest is a ServerHello with the special random (§4.1.3).
      if (message.size() < 4 + 2 + 32) return decode_errc::truncated;
      const bytes random = message.subspan(6, 32);
      return std::equal(random.begin(), random.end(), handshake::hello_retry_request_random.begin())
                 ? incoming::hello_retry_request
                 : incoming::server_hello;
    }
    case handshake_type::encrypted_extensions:
      return incoming::encrypted_extensions;
    case handshake_type::certificate_request:
      return incoming::certificate_request;
    case handshake_type::certificate:
      return incoming::certificate;
    case handshake_type::certificate_verify:
      return incoming::certificate_verify;
    case handshake_type::finished:
      return incoming::finished;
    case handshake_type::end_of_early_data:
      return incoming::end_of_early_data;
    case handshake_type::new_session_ticket:
      return incoming::new_session_ticket;
    case handshake_type::key_update:
      return incoming::key_update;
    default:
      return protocol_errc::unexpected_message;
  }
}

// Messages only one role may receive.
bool receivable_by(incoming m, role r) {
  switch (m) {
    case incoming::client_hello:
    case incoming::end_of_early_data:
      return r == role::server;
    case incoming::key_update:
    case incoming::certificate:
    case incoming::certificate_verify:
    case incoming::finished:
      return true;
    default:
      return r == role::client;
  }
}

}  // namespace

result<std::optional<event>> connection_core::on_handshake_message(bytes message) {
  TLS13_TRY_ASSIGN(const incoming kind, classify(static_cast<handshake_type>(message[0]), message));
  if (!receivable_by(kind, role_)) return protocol_errc::unexpected_message;
  const auto* row = handshake::find_transition(state_, kind);
  if (row == nullptr) return protocol_errc::unexpected_message;
  TLS13_TRY_ASSIGN(const state next, dispatch(kind, message));
  if (replay_wait_ == replay_wait::pending) return std::optional<event>(events::replay_check{replay_id_});
  if (!handshake::allows(*row, next)) return internal_errc::invalid_state;  // a handler broke the table
  state_ = next;
  return std::optional<event>{};
}

result<state> connection_core::dispatch(incoming kind, bytes message) {
  const bytes body = message.subspan(4);
  // The hellos manage the transcript themselves (HRR rewrites it). Every other message is added
  // here, after keeping the hash before it for CertificateVerify and Finished.
  if (kind == incoming::certificate_verify || kind == incoming::finished) {
    TLS13_TRY_ASSIGN(pre_message_hash_, transcript_->current());
  }
  const bool post = state_ == state::connected;
  if (!post && kind != incoming::client_hello && kind != incoming::server_hello &&
      kind != incoming::hello_retry_request)
    TLS13_TRY(transcript_->update(message));
  if (post) return on_post_handshake(kind, body);
  if (role_ == role::server) {
    switch (kind) {
      case incoming::client_hello:
        return server_on_client_hello(message);
      case incoming::end_of_early_data:
        return server_on_end_of_early_data(body);
      case incoming::certificate:
        return server_on_certificate(body);
      case incoming::certificate_verify:
        return server_on_certificate_verify(body);
      case incoming::finished:
        return server_on_finished(body);
      default:
        return protocol_errc::unexpected_message;
    }
  }
  switch (kind) {
    case incoming::server_hello:
    case incoming::hello_retry_request: {
      handshake::hello_limits lim;
      lim.max_extensions = config().limit.max_extensions;
      TLS13_TRY_ASSIGN(const auto sh, handshake::decode_server_hello(body, lim));
      if (sh.is_hello_retry_request) return client_on_hello_retry(sh, message);
      return client_on_server_hello(sh, message);
    }
    case incoming::encrypted_extensions:
      return client_on_encrypted_extensions(body);
    case incoming::certificate_request:
      return client_on_certificate_request(body);
    case incoming::certificate:
      return client_on_certificate(body);
    case incoming::certificate_verify:
      return client_on_certificate_verify(body);
    case incoming::finished:
      return client_on_finished(body);
    default:
      return protocol_errc::unexpected_message;
  }
}

result<state> connection_core::on_post_handshake(incoming kind, bytes body) {
  if (kind == incoming::new_session_ticket) {
    TLS13_TRY(client_store_ticket(body));
    return state::connected;
  }
  // KeyUpdate (§4.6.3): the peer's next message is under its next key; answer a request once.
  TLS13_TRY_ASSIGN(const auto request, handshake::decode_key_update(body));
  if (++key_updates_in_row_ > config().limit.max_key_updates_per_flight) return decode_errc::too_many_items;
  if (config().metrics) config().metrics->on_key_update(false);
  if (records_.handshake_partial()) return protocol_errc::message_spans_key_change;
  auto& peer = role_ == role::client ? server_app_ : client_app_;
  TLS13_TRY_ASSIGN(auto next, std::move(*peer).next());
  peer.emplace(std::move(next));
  TLS13_TRY(install_read(*peer));
  // §4.6.3: one answer before our next application data, however many requests arrive meanwhile.
  if (request == handshake::key_update_request::update_requested && !we_closed_ && !answered_key_update_) {
    TLS13_TRY(key_update(*out_, false));
    answered_key_update_ = true;
  }
  return state::connected;
}

// ---------------------------------------------------------------- send path

result<void> connection_core::seal(content_type type, bytes payload) {
  if (out_ == nullptr) return internal_errc::invalid_state;
  if (ccs_due_) {  // D.4: the compatibility CCS right before our first protected record
    ccs_due_ = false;
    TLS13_TRY(write_ccs_record());
  }
  TLS13_TRY(records_.write(type, payload, *out_));
  pending_flush_ = true;
  return {};
}

result<void> connection_core::send_plain_handshake(bytes message) {
  return seal(content_type::handshake, message);
}

result<void> connection_core::send_handshake(bytes message) {
  TLS13_TRY(transcript_->update(message));
  hs_out_.insert(hs_out_.end(), message.begin(), message.end());
  pending_flush_ = true;
  return {};
}

result<void> connection_core::flush_handshake() {
  if (hs_out_.empty()) return {};
  auto sealed = seal(content_type::handshake, hs_out_);
  hs_out_.clear();
  return sealed;
}

// Always in plaintext, even when write keys are already installed (D.4).
result<void> connection_core::write_ccs_record() {
  const std::byte one[] = {std::byte{1}};
  return records_.write_plain(content_type::change_cipher_spec, one, *out_);
}

result<void> connection_core::send_change_cipher_spec() {
  sent_ccs_ = true;
  if (out_ == nullptr) return internal_errc::invalid_state;
  TLS13_TRY(flush_handshake());
  TLS13_TRY(write_ccs_record());
  // No flush of its own: the CCS rides with the next flight (our second flight, the alert it
  // precedes, or ClientHello2), one write instead of two. A driver that writes whatever is
  // queued before it waits for input (need_input) sends it then at the latest.
  return {};
}

result<void> connection_core::send_alert(alert_description d) {
  // Closure alerts keep their traditional warning level (as RFC 8446's traces show); every error
  // alert is fatal (§6.2). Receivers ignore the level in TLS 1.3 (§6).
  const bool closure = d == alert_description::close_notify || d == alert_description::user_canceled;
  const std::byte alert[] = {static_cast<std::byte>(closure ? 1 : 2), static_cast<std::byte>(d)};
  return seal(content_type::alert, alert);
}

void connection_core::count_handshake() const noexcept {
  if (!config().metrics) return;
  config().metrics->on_handshake({info_.resumed, psk_ke_, info_.hello_retry, early_offered_any_,
                                  info_.early_data_accepted, info_.peer_authenticated, info_.group,
                                  info_.suite.value_or(cipher_suite{})});
}

void connection_core::fail(std::error_code ec) {
  error_ = ec;
  hs_out_.clear();  // half a flight is no use to the peer; the alert is
  alert_description d{};
  // Answer with the alert RFC 8446 §6 names, unless the peer's alert or the transport ended it.
  const bool answer =
      !received_alert(ec, d) && ec != make_error_code(protocol_errc::truncated) && out_ != nullptr;
  if (answer) (void)send_alert(to_alert(ec));
  if (config().metrics) config().metrics->on_failure(ec, answer, to_alert(ec));
  // No partial state outlives a fatal error: secrets go now.
  client_hs_.reset();
  server_hs_.reset();
  client_app_.reset();
  server_app_.reset();
  hs_secret_.reset();
  master_.reset();
  exporter_.reset();
  resumption_.reset();
  our_shares_.clear();
  psk_.reset();
  offered_ticket_.reset();
  client_early_.reset();
  flight_due_.reset();  // its (EC)DHE secret
  early_writable_ = false;
  records_.clear_keys();
  app_len_ = app_offset_ = 0;
}

// ---------------------------------------------------------------- application interface

void connection_core::consume_app_data(std::size_t n) noexcept {
  app_offset_ += std::min(n, app_len_ - app_offset_);
}

result<std::size_t> connection_core::write_early(bytes plaintext, output_sink& out) {
  if (!can_write_early()) return internal_errc::invalid_state;
  const std::size_t n = std::min(plaintext.size(), early_budget_);
  if (n == 0) return std::size_t{0};
  auto r = records_.write(content_type::application_data, plaintext.first(n), out);
  if (!r) {
    out_ = &out;
    fail(r.error());
    out_ = nullptr;
    return r.error();
  }
  early_budget_ -= n;
  return n;
}

result<void> connection_core::resolve_replay_check(replay_verdict verdict) noexcept {
  if (replay_wait_ != replay_wait::pending) return internal_errc::invalid_state;
  replay_answer_ = verdict;
  replay_wait_ = replay_wait::answered;
  return {};
}

bool connection_core::can_write() const noexcept {
  // flight_due_: our ServerHello is out but not the rest, so no application key yet.
  if (error_ || we_closed_ || flight_due_) return false;
  switch (state_) {
    case state::connected:
      return true;
    // The server's Finished is out and its application key installed (server_send_flight).
    case state::server_wait_eoed:
    case state::server_wait_cert:
    case state::server_wait_cv:
    case state::server_wait_finished:
      return true;
    default:
      return false;
  }
}

result<std::size_t> connection_core::write(bytes plaintext, output_sink& out) {
  if (error_) return error_;
  if (!can_write()) return internal_errc::invalid_state;
  out_ = &out;
  if (state_ == state::connected && records_.write_key_exhausted_soon()) TLS13_TRY(key_update(out, false));
  auto r = records_.write(content_type::application_data, plaintext, out);
  out_ = nullptr;
  if (!r) {
    fail(r.error());
    return r.error();
  }
  answered_key_update_ = false;
  return plaintext.size();
}

void connection_core::abort(alert_description alert, output_sink& out) {
  if (error_) return;
  if (!we_closed_) {  // nothing may follow our close_notify (§6.1)
    out_ = &out;
    (void)send_alert(alert);
    if (config().metrics) config().metrics->on_alert_sent(alert);
  }
  out_ = nullptr;  // so that fail() sends nothing more
  fail(make_error_code(internal_errc::aborted));
}

void connection_core::close(output_sink& out) {
  if (we_closed_ || error_) return;
  out_ = &out;
  // Between our ServerHello and the rest of the flight: the rest first, as in one write, so that
  // the keys to read the client's answer (its CCS, then a protected close_notify or alert) exist.
  if (auto r = server_complete_due_flight(); !r) {
    fail(r.error());
    out_ = nullptr;
    return;
  }
  (void)send_alert(alert_description::close_notify);
  out_ = nullptr;
  we_closed_ = true;
  tickets_due_early_ = false;  // nothing may follow our close_notify (§6.1)
  pending_flush_ = false;      // the caller flushes what close() appended
}

}  // namespace tls13
