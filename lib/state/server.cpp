// The server side of RFC 8446 §2 / Appendix A.2: ClientHello (one HelloRetryRequest at most, with
// a stateless cookie), then our ServerHello .. Finished flight, then the client's
// [Certificate, CertificateVerify,] Finished.
#include <algorithm>

#include "handshake/messages/extension_bodies.hpp"
#include "handshake/messages/extension_writer.hpp"
#include "handshake/server/cookie.hpp"
#include "handshake/server/negotiate.hpp"
#include "keyschedule/transcript.hpp"
#include "state/connection_core.hpp"
#include "state/defaults.hpp"

namespace tls13 {

using handshake::extension_type;
using handshake::state;
using handshake::writer;

namespace {

struct hello_choices {
  cipher_suite suite;
  handshake::group_choice group;
  std::error_code group_error;               // set: no (EC)DHE group at all (only psk_ke can go on)
  std::shared_ptr<const certified_key> key;  // null: cert_error says why (fatal unless a PSK is taken)
  signature_scheme scheme;
  std::error_code cert_error;
  std::optional<std::string> alpn;
  std::string sni;
  std::vector<std::uint16_t> offered_schemes;  // for session_info, in the client's order
  std::vector<std::string> offered_alpn;
};

// The certificate for this SNI whose key can sign with a scheme the client accepts: first a key
// configured for the name, then any key (the first configured is the default).
result<std::pair<std::shared_ptr<const certified_key>, signature_scheme>> select_certificate(
    const server_config& cfg, std::string_view sni, const handshake::u16_list& client_schemes) {
  const auto try_key = [&](const std::shared_ptr<const certified_key>& k) -> std::optional<signature_scheme> {
    if (!k || !k->key) return std::nullopt;
    return handshake::select_signature_scheme(key_signature_schemes(*k->key), client_schemes);
  };
  if (!sni.empty()) {
    for (const auto& k : cfg.certificates)
      for (const auto& name : k->server_names)
        if (handshake::server_name_matches(name, sni))
          if (auto s = try_key(k)) return std::pair{k, *s};
  }
  for (const auto& k : cfg.certificates)
    if (auto s = try_key(k)) return std::pair{k, *s};
  return policy_errc::no_common_signature_scheme;
}

// How much rejected 0-RTT to skip (§4.2.10: up to max_early_data_size): the configured bound, or
// what our tickets allow plus per-record overhead (header, type, tag, some padding), if larger.
std::size_t early_skip_budget(const server_config& cfg) {
  const std::size_t records = cfg.max_early_data / 16384 + 1;
  return std::max<std::size_t>(cfg.limit.max_skipped_early_data, cfg.max_early_data + records * 261);
}

result<hello_choices> negotiate(const server_config& cfg, crypto_provider& provider,
                                const handshake::client_hello& ch,
                                std::vector<handshake::key_share_entry>& shares) {
  const auto& ext = ch.extensions;
  if (!ext.has(extension_type::supported_versions)) return policy_errc::unsupported_version;
  // §4.2.9: a PSK offer without psk_key_exchange_modes must be refused.
  if (ext.has(extension_type::pre_shared_key) && !ext.has(extension_type::psk_key_exchange_modes))
    return protocol_errc::missing_extension;
  // early_data in a ClientHello has an empty body (§4.2.10).
  if (ext.has(extension_type::early_data) && !ext.get(extension_type::early_data).empty())
    return decode_errc::trailing_data;
  TLS13_TRY_ASSIGN(const auto versions,
                   handshake::decode_supported_versions_ch(ext.get(extension_type::supported_versions)));
  if (!versions.contains(handshake::tls13_version)) return policy_errc::unsupported_version;
  // §9.2: supported_groups and key_share come together; without a PSK offer they are required, as
  // is signature_algorithms. A PSK-only (psk_ke) ClientHello may have neither.
  const bool has_groups = ext.has(extension_type::supported_groups);
  if (has_groups != ext.has(extension_type::key_share)) return protocol_errc::missing_extension;
  if (!ext.has(extension_type::pre_shared_key) &&
      (!has_groups || !ext.has(extension_type::signature_algorithms)))
    return protocol_errc::missing_extension;
  hello_choices c{};
  const auto suite = handshake::select_cipher_suite(effective_suites(cfg), ch.cipher_suites);
  if (!suite) return policy_errc::no_common_cipher_suite;
  c.suite = *suite;
  if (has_groups) {
    TLS13_TRY_ASSIGN(const auto groups,
                     handshake::decode_supported_groups(ext.get(extension_type::supported_groups)));
    TLS13_TRY_ASSIGN(
        shares, handshake::decode_key_share_ch(ext.get(extension_type::key_share), cfg.limit.max_key_shares));
    auto group = handshake::select_group(effective_groups(cfg, provider), groups, shares);
    if (group) {
      c.group = *group;
    } else if (group.error() == make_error_code(policy_errc::no_common_group)) {
      c.group_error = group.error();  // fatal unless psk_ke takes over
    } else {
      return group.error();
    }
  } else {
    // Only psk_ke can answer; if the PSK is not taken, (EC)DHE needs the key_share it lacks
    // (§9.2: REQUIRED for (EC)DHE), hence missing_extension, as OpenSSL answers too.
    c.group_error = make_error_code(protocol_errc::missing_extension);
  }
  if (ext.has(extension_type::server_name)) {
    TLS13_TRY_ASSIGN(const bytes host, handshake::decode_server_name(ext.get(extension_type::server_name)));
    c.sni.assign(reinterpret_cast<const char*>(host.data()), host.size());
  }
  c.cert_error = make_error_code(protocol_errc::missing_extension);
  if (ext.has(extension_type::signature_algorithms)) {
    TLS13_TRY_ASSIGN(const auto schemes,
                     handshake::decode_signature_algorithms(ext.get(extension_type::signature_algorithms)));
    for (std::size_t i = 0; i < schemes.size(); ++i) c.offered_schemes.push_back(schemes[i]);
    if (auto chosen = select_certificate(cfg, c.sni, schemes)) {
      c.key = std::move(chosen->first);
      c.scheme = chosen->second;
    } else {
      c.cert_error = chosen.error();
    }
  }
  if (ext.has(extension_type::alpn)) {
    TLS13_TRY_ASSIGN(const auto offered, handshake::decode_alpn(ext.get(extension_type::alpn)));
    for (const auto& p : offered)
      c.offered_alpn.emplace_back(reinterpret_cast<const char*>(p.data()), p.size());
    TLS13_TRY_ASSIGN(c.alpn, handshake::select_alpn(cfg.alpn, offered));
  }
  return c;
}

}  // namespace

result<state> connection_core::server_on_client_hello(bytes message) {
  handshake::hello_limits lim;
  lim.max_extensions = config().limit.max_extensions;
  TLS13_TRY_ASSIGN(const auto ch, handshake::decode_client_hello(bytes(message).subspan(4), lim));
  if (ch.legacy_version != handshake::legacy_version_tls12 && ch.legacy_version < 0x0301)
    return protocol_errc::protocol_version;
  std::vector<handshake::key_share_entry> shares;
  TLS13_TRY_ASSIGN(auto c, negotiate(*server_cfg_, *provider_, ch, shares));
  TLS13_TRY(server_read_psk_modes(ch));
  const bool second = state_ == state::server_wait_ch_retry;

  if (second) {
    // ClientHello2 must answer our HRR: the cookie, the same suite, a share for the asked group.
    if (!ch.extensions.has(extension_type::cookie)) return protocol_errc::illegal_parameter;
    // §4.2.10: a ClientHello after HelloRetryRequest must not offer early data.
    if (ch.extensions.has(extension_type::early_data)) return protocol_errc::illegal_parameter;
    TLS13_TRY_ASSIGN(const bytes cookie, handshake::decode_cookie(ch.extensions.get(extension_type::cookie)));
    TLS13_TRY_ASSIGN(const auto contents, handshake::open_cookie(cookie_key(*server_cfg_), cookie));
    if (contents.suite != c.suite || c.group.share == nullptr || c.group.group != contents.group)
      return protocol_errc::illegal_parameter;
    if (!std::equal(ch.legacy_session_id.begin(), ch.legacy_session_id.end(), session_id_.begin(),
                    session_id_.begin() + session_id_size_) ||
        ch.legacy_session_id.size() != session_id_size_)
      return protocol_errc::illegal_parameter;
  } else if (c.group.share == nullptr && !server_psk_ke_may_avoid_retry(ch)) {
    return server_retry_or_fail(ch, message, c.group.group, c.group_error, c.suite);
  }

  suite_ = c.suite;
  hash_ = crypto::suite_hash(c.suite);
  if (!transcript_) {
    TLS13_TRY_ASSIGN(auto t, crypto::transcript_hash::create(hash_));
    transcript_.emplace(std::move(t));
  }
  TLS13_TRY(server_try_psk(ch, message, c.sni, c.alpn ? std::string_view(*c.alpn) : std::string_view{},
                           c.group.share != nullptr));
  if (replay_wait_ == replay_wait::pending) {
    // The driver decides on 0-RTT (events::replay_check): run this ClientHello again once it has.
    held_client_hello_.assign(message.begin(), message.end());
    return state_;
  }
  // psk_ke was possible but the PSK was not taken: (EC)DHE after all, which may need an HRR.
  if (c.group.share == nullptr && !psk_ke_) {
    if (second) return internal_errc::invalid_state;  // checked above: ClientHello2 has the share
    return server_retry_or_fail(ch, message, c.group.group, c.group_error, c.suite);
  }
  if (!psk_accepted_ && !c.key) return c.cert_error;
  if (ch.extensions.has(extension_type::early_data)) early_offered_any_ = true;
  TLS13_TRY(transcript_->update(message));
  if (info_.early_data_accepted) {
    TLS13_TRY_ASSIGN(client_hello_hash_, transcript_->current());
  }
  chosen_key_ = c.key;
  chosen_scheme_ = c.scheme;
  info_.suite = c.suite;
  if (!psk_ke_) info_.group = c.group.group;
  info_.server_name = c.sni;
  if (c.alpn) info_.alpn = *c.alpn;
  info_.peer_signature_schemes = std::move(c.offered_schemes);
  info_.peer_alpn_offers = std::move(c.offered_alpn);
  session_id_size_ = ch.legacy_session_id.size();
  std::copy(ch.legacy_session_id.begin(), ch.legacy_session_id.end(), session_id_.begin());

  TLS13_TRY_ASSIGN(auto rest, server_flight_inputs(ch));
  // psk_ke: no key_share in the ServerHello, no (EC)DHE input to the key schedule (§4.2.9, §7.1).
  if (!psk_ke_) {
    TLS13_TRY_ASSIGN(rest.dhe, provider_->respond_key_exchange(c.group.group, c.group.share->key_exchange));
    if (!rest.dhe) return internal_errc::invalid_state;  // a provider's bug, not the peer's
  }
  std::copy(ch.random.begin(), ch.random.end(), client_random_.begin());  // for the key log
  std::array<std::byte, handshake::random_size> server_random{};
  TLS13_TRY(provider_->random(server_random));
  std::vector<std::byte> ext;
  writer w(ext);
  if (!psk_ke_) {
    TLS13_TRY(handshake::add_extension(w, extension_type::key_share, [&](writer& b) -> result<void> {
      b.u16(static_cast<std::uint16_t>(c.group.group));
      return b.vec(2, rest.dhe->key_share());
    }));
  }
  if (psk_accepted_) {
    TLS13_TRY(handshake::add_extension(w, extension_type::pre_shared_key, [&](writer& b) -> result<void> {
      b.u16(selected_psk_);
      return result<void>{};
    }));
  }
  TLS13_TRY(handshake::add_extension(w, extension_type::supported_versions, [](writer& b) -> result<void> {
    b.u16(handshake::tls13_version);
    return result<void>{};
  }));
  apply_extension_hook(*server_cfg_, handshake_type::server_hello, ext);
  std::vector<std::byte> sh;
  writer shw(sh);
  TLS13_TRY(handshake::encode_server_hello(shw, server_random, ch.legacy_session_id,
                                           static_cast<std::uint16_t>(c.suite), ext));
  TLS13_TRY(transcript_->update(sh));
  TLS13_TRY(send_plain_handshake(sh));
  // D.4: a CCS after our first handshake message when the client is in compatibility mode.
  if (session_id_size_ != 0 && !sent_ccs_) TLS13_TRY(send_change_cipher_spec());
  // §4.3.2: no CertificateRequest when resuming; the ticket carries the client's identity.
  const state next = info_.early_data_accepted ? state::server_wait_eoed
                     : server_cfg_->client_authentication != client_auth::none && !psk_accepted_
                         ? state::server_wait_cert
                         : state::server_wait_finished;
  // With a shared secret to derive (and, in a full handshake, a certificate to sign), the
  // ServerHello leaves on its own: the client derives its shared secret and handshake keys while we
  // derive and sign. The rest of the flight follows at the next poll(). Not with accepted 0-RTT:
  // the driver takes the first flush as our whole flight (0.5-RTT data may follow it, §4.4.4).
  if (rest.dhe && !info_.early_data_accepted && server_cfg_->flush_server_hello_early) {
    // §5.1: nothing may follow the ClientHello in its record (the read key changes after it);
    // install_read() checks that when the flight is made at once, so check it before deferring.
    if (records_.handshake_partial()) return protocol_errc::message_spans_key_change;
    flight_due_.emplace(std::move(rest));
    pending_flush_ = true;
    return next;
  }
  TLS13_TRY(server_complete_flight(rest));
  return next;
}

result<connection_core::flight_inputs> connection_core::server_flight_inputs(
    const handshake::client_hello& ch) const {
  flight_inputs in;
  const auto& ext = ch.extensions;
  if (ext.has(extension_type::record_size_limit)) {
    TLS13_TRY_ASSIGN(in.peer_record_size_limit,
                     handshake::decode_record_size_limit(ext.get(extension_type::record_size_limit)));
  }
  // status_request matters only when we have a staple to send (and so is read only then).
  if (!psk_accepted_ && chosen_key_ && chosen_key_->ocsp && ext.has(extension_type::status_request)) {
    TLS13_TRY_ASSIGN(in.ocsp_requested,
                     handshake::decode_status_request_ch(ext.get(extension_type::status_request)));
  }
  in.early_data_offered = ext.has(extension_type::early_data);
  return in;
}

// The rest of a flight whose ServerHello went out alone, if one is due (taken once).
result<void> connection_core::server_complete_due_flight() {
  if (!flight_due_) return {};
  flight_inputs rest = std::move(*flight_due_);
  flight_due_.reset();
  return server_complete_flight(rest);
}

// Everything after the ServerHello (and CCS): the (EC)DHE secret and handshake keys, then
// EncryptedExtensions to Finished.
result<void> connection_core::server_complete_flight(flight_inputs& in) {
  secret dhe;
  if (in.dhe) {
    TLS13_TRY_ASSIGN(dhe, in.dhe->finish());
    in.dhe.reset();
  }
  TLS13_TRY(derive_handshake_keys(dhe.view()));
  TLS13_TRY(install_write(*server_hs_));
  if (info_.early_data_accepted) {
    TLS13_TRY(install_read(*client_early_));  // 0-RTT data, then EndOfEarlyData, come under it
  } else {
    TLS13_TRY(install_read(*client_hs_));
    // Rejected 0-RTT: the client's early records are skipped until one decrypts (§4.2.10).
    if (in.early_data_offered) records_.skip_undecryptable(early_skip_budget(*server_cfg_));
  }
  return server_send_flight(in);
}

result<state> connection_core::server_retry_or_fail(const handshake::client_hello& ch, bytes ch1,
                                                    named_group group, std::error_code group_error,
                                                    cipher_suite suite) {
  if (group_error) return group_error;
  // The client's first flight ends with ClientHello1: more handshake bytes now are not ours to keep.
  if (records_.handshake_partial()) return protocol_errc::message_spans_key_change;
  TLS13_TRY(server_send_hello_retry(ch, ch1, group, suite));
  if (ch.extensions.has(extension_type::early_data)) {  // refused by the retry: skipped (§4.2.10)
    early_offered_any_ = true;
    records_.skip_undecryptable(early_skip_budget(*server_cfg_));
  }
  return state::server_wait_ch_retry;
}

result<void> connection_core::server_send_hello_retry(const handshake::client_hello& ch, bytes ch1,
                                                      named_group group, cipher_suite suite) {
  suite_ = suite;
  hash_ = crypto::suite_hash(suite);
  TLS13_TRY_ASSIGN(const crypto::digest ch1_hash, crypto::hash(hash_, ch1));
  TLS13_TRY_ASSIGN(auto t, keyschedule::transcript_after_hello_retry(hash_, ch1_hash));
  transcript_.emplace(std::move(t));
  TLS13_TRY_ASSIGN(const auto cookie,
                   handshake::seal_cookie(cookie_key(*server_cfg_), {suite, group, ch1_hash}));
  std::vector<std::byte> ext;
  writer w(ext);
  TLS13_TRY(handshake::add_extension(w, extension_type::supported_versions, [](writer& b) -> result<void> {
    b.u16(handshake::tls13_version);
    return result<void>{};
  }));
  TLS13_TRY(handshake::add_extension(w, extension_type::key_share, [&](writer& b) -> result<void> {
    b.u16(static_cast<std::uint16_t>(group));
    return result<void>{};
  }));
  TLS13_TRY(handshake::add_extension(w, extension_type::cookie,
                                     [&](writer& b) -> result<void> { return b.vec(2, cookie); }));
  std::vector<std::byte> hrr;
  writer hw(hrr);
  TLS13_TRY(handshake::encode_server_hello(hw, handshake::hello_retry_request_random, ch.legacy_session_id,
                                           static_cast<std::uint16_t>(suite), ext));
  TLS13_TRY(transcript_->update(hrr));
  TLS13_TRY(send_plain_handshake(hrr));
  session_id_size_ = ch.legacy_session_id.size();
  std::copy(ch.legacy_session_id.begin(), ch.legacy_session_id.end(), session_id_.begin());
  if (session_id_size_ != 0) TLS13_TRY(send_change_cipher_spec());
  info_.hello_retry = true;
  return {};
}

result<void> connection_core::server_send_flight(const flight_inputs& in) {
  const auto& cfg = *server_cfg_;
  std::vector<std::byte> ext;
  writer w(ext);
  if (in.peer_record_size_limit) {
    records_.set_peer_record_size_limit(*in.peer_record_size_limit);
    if (cfg.record_size_limit != 0) {
      TLS13_TRY(
          handshake::add_extension(w, extension_type::record_size_limit, [&](writer& b) -> result<void> {
            b.u16(cfg.record_size_limit);
            return result<void>{};
          }));
    }
  }
  if (!info_.server_name.empty())
    TLS13_TRY(handshake::add_extension(w, extension_type::server_name,
                                       [](writer&) -> result<void> { return result<void>{}; }));
  if (!info_.alpn.empty()) {
    const std::string chosen[] = {info_.alpn};
    TLS13_TRY(handshake::add_extension(w, extension_type::alpn, [&](writer& b) -> result<void> {
      return handshake::write_alpn_list(b, chosen);
    }));
  }
  if (info_.early_data_accepted)
    TLS13_TRY(
        handshake::add_extension(w, extension_type::early_data, [](writer&) { return result<void>{}; }));
  apply_extension_hook(cfg, handshake_type::encrypted_extensions, ext);
  std::vector<std::byte> msg;
  writer mw(msg);
  TLS13_TRY(handshake::encode_encrypted_extensions(mw, ext));
  TLS13_TRY(send_handshake(msg));
  if (!psk_accepted_ && cfg.client_authentication != client_auth::none) {
    std::vector<std::byte> cr_ext;
    writer cw(cr_ext);
    const auto schemes = effective_schemes(cfg, *provider_);
    TLS13_TRY(handshake::add_extension(
        cw, extension_type::signature_algorithms,
        [&](writer& b) -> result<void> { return handshake::write_u16_list(b, 2, schemes); }));
    if (!cfg.certificate_authorities.empty()) {
      TLS13_TRY(handshake::add_extension(cw, extension_type::certificate_authorities,
                                         [&](writer& b) -> result<void> {
                                           const auto names = b.begin(2);
                                           for (const auto& name : cfg.certificate_authorities)
                                             TLS13_TRY(b.vec(2, name));
                                           return b.end(names);
                                         }));
    }
    msg.clear();
    TLS13_TRY(handshake::encode_certificate_request(mw, {}, cr_ext));
    TLS13_TRY(send_handshake(msg));
  }
  if (!psk_accepted_) {
    // OCSP stapling (RFC 8446 §4.4.2.1): a usable response, to a client that asked, on the leaf's entry.
    std::vector<std::byte> leaf_ext;
    if (chosen_key_->ocsp && in.ocsp_requested) {
      const auto staple = chosen_key_->ocsp->usable(chosen_key_->chain, provider_->now());
      if (staple) {
        writer lw(leaf_ext);
        TLS13_TRY(
            handshake::add_extension(lw, extension_type::status_request, [&](writer& b) -> result<void> {
              b.u8(handshake::status_type_ocsp);
              return b.vec(3, *staple);
            }));
        info_.ocsp_stapled = true;
      }
    }
    TLS13_TRY(send_certificate_and_verify(*chosen_key_, chosen_scheme_, handshake::signer_role::server, {},
                                          leaf_ext));
  }
  TLS13_TRY(send_finished(*server_hs_));
  TLS13_TRY(derive_application_keys());
  TLS13_TRY(install_write(*server_app_));
  // RFC 8446 §4.6.1 (Note): without client authentication the client's Finished is already known,
  // so the tickets need not wait a round trip for it. They are made at the next poll(), normally
  // after the driver has written this flight, so the sealing runs while the client checks it. Not
  // with accepted 0-RTT (EndOfEarlyData and the early data come first), and not with stateful
  // tickets: a session store entry (maybe a network round trip) only for a client that finished.
  const bool client_auth = !psk_accepted_ && cfg.client_authentication != client_auth::none;
  tickets_due_early_ = cfg.tickets_before_client_finished && !client_auth && !info_.early_data_accepted &&
                       !cfg.session_store && server_tickets_to_send() > 0;
  return {};
}

result<void> connection_core::server_send_early_tickets() {
  tickets_due_early_ = false;
  // The transcript ends with our Finished: the client's Finished is the one it computes over it.
  TLS13_TRY_ASSIGN(const auto fin, finished_message(*client_hs_));
  TLS13_TRY_ASSIGN(auto through_client_finished, transcript_->clone());
  TLS13_TRY(through_client_finished.update(fin));
  TLS13_TRY_ASSIGN(const auto th_cf, through_client_finished.current());
  TLS13_TRY_ASSIGN(auto res, master_->resumption(th_cf));
  resumption_.emplace(std::move(res));  // finish_key_schedule() keeps it
  return server_send_tickets();
}

result<state> connection_core::server_on_certificate(bytes body) {
  TLS13_TRY_ASSIGN(const auto msg, decode_peer_certificate(body));
  if (msg.entries.empty()) {
    if (server_cfg_->client_authentication == client_auth::required)
      return certificate_errc::certificate_required;
    return state::server_wait_finished;
  }
  TLS13_TRY(verify_peer_chain(msg, peer_role::client));
  return state::server_wait_cv;
}

result<state> connection_core::server_on_certificate_verify(bytes body) {
  TLS13_TRY(verify_peer_signature(body, handshake::signer_role::client));
  return state::server_wait_finished;
}

result<state> connection_core::server_on_finished(bytes body) {
  TLS13_TRY(check_finished(body, *client_hs_));
  // A resumption secret already there was derived for early tickets, from the Finished just checked
  // (same secret, same transcript): those tickets are out.
  const bool tickets_sent = resumption_.has_value();
  TLS13_TRY(finish_key_schedule());
  TLS13_TRY(install_read(*client_app_));
  if (!tickets_sent) TLS13_TRY(server_send_tickets());
  tickets_due_early_ = false;
  return state::connected;
}

}  // namespace tls13
