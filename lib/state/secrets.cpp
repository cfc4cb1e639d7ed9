// The connection's secrets: the key schedule steps of the handshake (RFC 8446 §7.1), installing
// record keys, the key log, KeyUpdate (§4.6.3), the exporter (§7.5), and the key pair the next
// handshake will need, made while this one waits (prepare_next_handshake).
#include "state/connection_core.hpp"
#include "tls13/metrics.hpp"

namespace tls13 {

using handshake::state;

result<void> connection_core::derive_handshake_keys(bytes shared_secret) {
  auto made = psk_accepted_ ? keyschedule::early_secret::from_psk(hash_, psk_->view())
                            : keyschedule::early_secret::create(hash_);
  psk_.reset();  // §7.1: erase what has served
  TLS13_TRY_ASSIGN(auto early, std::move(made));
  if (role_ == role::server && info_.early_data_accepted) {
    TLS13_TRY_ASSIGN(auto ce, early.client_early_traffic(client_hello_hash_));
    log_secret("CLIENT_EARLY_TRAFFIC_SECRET", ce);
    client_early_.emplace(std::move(ce));
  }
  TLS13_TRY_ASSIGN(auto hs, psk_ke_ ? std::move(early).into_handshake_secret_without_ecdhe()
                                    : std::move(early).into_handshake_secret(shared_secret));
  TLS13_TRY_ASSIGN(const auto th, transcript_->current());
  TLS13_TRY_ASSIGN(auto c, hs.client_handshake_traffic(th));
  TLS13_TRY_ASSIGN(auto s, hs.server_handshake_traffic(th));
  log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", c);
  log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", s);
  client_hs_.emplace(std::move(c));
  server_hs_.emplace(std::move(s));
  hs_secret_.emplace(std::move(hs));
  return {};
}

result<void> connection_core::derive_application_keys() {
  TLS13_TRY_ASSIGN(auto master, std::move(*hs_secret_).into_master_secret());
  hs_secret_.reset();
  TLS13_TRY_ASSIGN(const auto th, transcript_->current());
  TLS13_TRY_ASSIGN(auto c, master.client_application_traffic(th));
  TLS13_TRY_ASSIGN(auto s, master.server_application_traffic(th));
  TLS13_TRY_ASSIGN(auto e, master.exporter(th));
  log_secret("CLIENT_TRAFFIC_SECRET_0", c);
  log_secret("SERVER_TRAFFIC_SECRET_0", s);
  log_secret("EXPORTER_SECRET", e.view());
  client_app_.emplace(std::move(c));
  server_app_.emplace(std::move(s));
  exporter_.emplace(std::move(e));
  master_.emplace(std::move(master));
  return {};
}

result<void> connection_core::install_read(const keyschedule::traffic_secret& s) {
  // §5.1: a handshake message may not straddle a key change.
  if (records_.handshake_partial()) return protocol_errc::message_spans_key_change;
  TLS13_TRY_ASSIGN(const auto keys, s.keys(crypto::suite_aead(suite_)));
  return records_.set_read_keys(keys);
}

result<void> connection_core::install_write(const keyschedule::traffic_secret& s) {
  TLS13_TRY(flush_handshake());  // what was queued belongs to the old key
  TLS13_TRY_ASSIGN(const auto keys, s.keys(crypto::suite_aead(suite_)));
  return records_.set_write_keys(keys);
}

void connection_core::log_secret(const char* label, const keyschedule::traffic_secret& s) {
  log_secret(label, s.view());
}

void connection_core::log_secret(const char* label, bytes s) {
  const auto& cb = config().key_log;
  if (!cb) return;  // key logging only when the application asked for it
  static const char* hexd = "0123456789abcdef";
  std::string line(label);
  line += ' ';
  for (auto b : client_random_) {
    line += hexd[static_cast<unsigned>(b) >> 4];
    line += hexd[static_cast<unsigned>(b) & 15];
  }
  line += ' ';
  for (auto b : s) {
    line += hexd[static_cast<unsigned>(b) >> 4];
    line += hexd[static_cast<unsigned>(b) & 15];
  }
  cb(line);
  secure_wipe(mut_bytes(reinterpret_cast<std::byte*>(line.data()), line.size()));
}

result<void> connection_core::finish_key_schedule() {
  // The transcript now ends with the client's Finished: the resumption secret (unless the server
  // derived it ahead for early tickets), and the handshake traffic secrets are no longer needed
  // (§7.1: erase what has served).
  if (!resumption_) {
    TLS13_TRY_ASSIGN(const auto th, transcript_->current());
    TLS13_TRY_ASSIGN(auto res, master_->resumption(th));
    resumption_.emplace(std::move(res));
  }
  client_hs_.reset();
  server_hs_.reset();
  return {};
}

void connection_core::prepare_next_handshake() noexcept {
  if (prepared_next_ || provider_ == nullptr) return;
  // A resuming client answers our flight at once (it has no certificate to check), so the wait for
  // its Finished is not idle time: a key pair made there delays the rest of this connection. A
  // resumed server makes it once its handshake is over (the Asio driver asks again at shutdown).
  if (role_ == role::server && psk_accepted_ && state_ != state::connected) return;
  // Client: the groups of the shares we sent (the ServerHello may not have picked one yet).
  // Server: the group we answered with; nothing before that, nor under psk_ke.
  const kx_side side = role_ == role::client ? kx_side::client : kx_side::server;
  if (info_.group) {
    provider_->prepare_key_exchange(*info_.group, side);
  } else if (role_ == role::client && state_ != handshake::state::client_start && !our_shares_.empty()) {
    for (const auto& kx : our_shares_) provider_->prepare_key_exchange(kx->group(), side);
  } else {
    return;
  }
  prepared_next_ = true;
}

result<void> connection_core::key_update(output_sink& out, bool request_peer_update) {
  if (error_) return error_;
  if (state_ != state::connected || we_closed_) return internal_errc::invalid_state;
  output_sink* saved = out_;
  out_ = &out;
  std::vector<std::byte> msg;
  handshake::writer w(msg);
  TLS13_TRY(handshake::encode_key_update(w, request_peer_update
                                                ? handshake::key_update_request::update_requested
                                                : handshake::key_update_request::update_not_requested));
  auto sent = seal(content_type::handshake, msg);
  out_ = saved;
  TLS13_TRY(sent);
  if (config().metrics) config().metrics->on_key_update(true);
  auto& ours = role_ == role::client ? client_app_ : server_app_;
  TLS13_TRY_ASSIGN(auto next, std::move(*ours).next());
  ours.emplace(std::move(next));
  return install_write(*ours);
}

result<void> connection_core::export_keying_material(mut_bytes out, std::string_view label,
                                                     bytes context) const {
  if (!exporter_ || state_ != state::connected) return internal_errc::invalid_state;
  return keyschedule::export_keying_material(*exporter_, label, context, out);
}

}  // namespace tls13
