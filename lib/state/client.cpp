// The client side of RFC 8446 §2 / Appendix A.1: ClientHello, then ServerHello (or one
// HelloRetryRequest), EncryptedExtensions, [CertificateRequest], Certificate, CertificateVerify,
// Finished; then our [Certificate, CertificateVerify,] Finished.
#include <algorithm>
#include <array>

#include "handshake/messages/extension_bodies.hpp"
#include "handshake/messages/extension_writer.hpp"
#include "keyschedule/transcript.hpp"
#include "state/connection_core.hpp"
#include "state/defaults.hpp"

namespace tls13 {

using handshake::extension_type;
using handshake::state;
using handshake::writer;

namespace {

bool is_ip_literal(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;
  return !host.empty() &&
         std::all_of(host.begin(), host.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
}

}  // namespace

result<void> connection_core::client_build_hello(std::vector<std::byte>& out, bytes cookie) {
  const auto& cfg = *client_cfg_;
  std::vector<std::byte> ext;
  writer w(ext);
  const auto suites = effective_suites(cfg);
  const auto groups = effective_groups(cfg, *provider_);
  const auto schemes = effective_schemes(cfg, *provider_);
  // RFC 6066 §3: no IP literals in SNI.
  if (!info_.server_name.empty() && !is_ip_literal(info_.server_name)) {
    TLS13_TRY(handshake::add_extension(w, extension_type::server_name, [&](writer& b) -> result<void> {
      return handshake::write_server_name(b, info_.server_name);
    }));
  }
  TLS13_TRY(handshake::add_extension(w, extension_type::supported_groups, [&](writer& b) -> result<void> {
    return handshake::write_u16_list(b, 2, groups);
  }));
  TLS13_TRY(handshake::add_extension(w, extension_type::key_share, [&](writer& b) -> result<void> {
    const auto m = b.begin(2);
    for (const auto& s : our_shares_) {
      b.u16(static_cast<std::uint16_t>(s->group()));
      TLS13_TRY(b.vec(2, s->public_key()));
    }
    return b.end(m);
  }));
  TLS13_TRY(handshake::add_extension(w, extension_type::supported_versions, [](writer& b) -> result<void> {
    b.u8(2);
    b.u16(handshake::tls13_version);
    return result<void>{};
  }));
  TLS13_TRY(handshake::add_extension(w, extension_type::signature_algorithms, [&](writer& b) -> result<void> {
    return handshake::write_u16_list(b, 2, schemes);
  }));
  if (cfg.request_ocsp) {  // RFC 6066 §8: status_type ocsp, no responder ids, no request extensions
    TLS13_TRY(handshake::add_extension(w, extension_type::status_request, [](writer& b) -> result<void> {
      b.u8(handshake::status_type_ocsp);
      b.u16(0);
      b.u16(0);
      return result<void>{};
    }));
  }
  if (cfg.ticket_store) {  // we can resume: tell servers which modes (§4.2.9)
    TLS13_TRY(
        handshake::add_extension(w, extension_type::psk_key_exchange_modes, [&](writer& b) -> result<void> {
          const auto list = b.begin(1);
          b.u8(1);                        // psk_dhe_ke
          if (cfg.offer_psk_ke) b.u8(0);  // psk_ke
          return b.end(list);
        }));
  }
  if (!cfg.alpn.empty()) {
    TLS13_TRY(handshake::add_extension(w, extension_type::alpn, [&](writer& b) -> result<void> {
      return handshake::write_alpn_list(b, cfg.alpn);
    }));
  }
  if (cfg.record_size_limit != 0) {
    TLS13_TRY(handshake::add_extension(w, extension_type::record_size_limit, [&](writer& b) -> result<void> {
      b.u16(cfg.record_size_limit);
      return result<void>{};
    }));
  }
  if (!cookie.empty()) {
    TLS13_TRY(handshake::add_extension(w, extension_type::cookie,
                                       [&](writer& b) -> result<void> { return b.vec(2, cookie); }));
  }
  apply_extension_hook(cfg, handshake_type::client_hello, ext);
  TLS13_TRY(client_add_psk(ext));  // last, as §4.2.11 requires
  handshake::client_hello_fields f;
  f.random = client_random_;
  f.legacy_session_id = bytes(session_id_.data(), session_id_size_);
  for (auto s : suites) f.cipher_suites.push_back(static_cast<std::uint16_t>(s));
  writer msg(out);
  TLS13_TRY(handshake::encode_client_hello(msg, f, ext));
  return client_write_binder(out);
}

result<void> connection_core::client_send_hello() {
  const auto& cfg = *client_cfg_;
  // Random and (compatibility mode) legacy_session_id from one draw: each call of libcrypto's DRBG
  // costs a lock, a fork check and a re-key of its AES-CTR state, more than the octets themselves.
  std::array<std::byte, 64> draw{};
  static_assert(sizeof(client_random_) + sizeof(session_id_) == sizeof(draw));
  const std::size_t n = cfg.middlebox_compat ? draw.size() : client_random_.size();
  TLS13_TRY(provider_->random(mut_bytes(draw.data(), n)));
  std::copy_n(draw.begin(), client_random_.size(), client_random_.begin());
  if (cfg.middlebox_compat) {
    session_id_size_ = session_id_.size();
    std::copy_n(draw.begin() + client_random_.size(), session_id_.size(), session_id_.begin());
  }
  for (const named_group g : initial_share_groups(effective_groups(cfg, *provider_), cfg.key_shares)) {
    TLS13_TRY_ASSIGN(auto kx, provider_->start_key_exchange(g));
    our_shares_.push_back(std::move(kx));
  }
  client_take_ticket();
  client_hello_.clear();
  TLS13_TRY(client_build_hello(client_hello_, {}));
  if (out_ == nullptr) return internal_errc::invalid_state;
  TLS13_TRY(records_.write_initial_client_hello(client_hello_, *out_));
  pending_flush_ = true;
  // Early data goes out under the ticket at once: its chain is checked before (reverify_on_resume).
  if (early_offered_ && client_cfg_->reverify_on_resume)
    TLS13_TRY(client_reverify(offered_ticket_->peer_chain));
  if (early_offered_) TLS13_TRY(client_start_early_data());
  state_ = state::client_wait_sh;
  return {};
}

// Checks shared by ServerHello and HelloRetryRequest (§4.1.3, §4.1.4).
static result<void> check_server_hello_common(const handshake::server_hello& sh, bytes our_session_id,
                                              std::span<const cipher_suite> offered) {
  using handshake::extension_type;
  // D.5: an SSL 3.0 (or older) answer is protocol_version.
  if (sh.legacy_version <= 0x0300) return protocol_errc::protocol_version;
  if (!sh.extensions.has(extension_type::supported_versions)) {
    // §4.1.3: a TLS 1.2-or-older answer carrying the downgrade sentinel is illegal_parameter.
    static constexpr std::uint8_t downgrd[] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44};
    const bytes tail = sh.random.last(8);
    const bool sentinel = std::equal(tail.begin(), tail.begin() + 7, std::begin(downgrd),
                                     [](std::byte a, std::uint8_t b) { return a == std::byte{b}; }) &&
                          (tail[7] == std::byte{0} || tail[7] == std::byte{1});
    return sentinel ? protocol_errc::illegal_parameter : protocol_errc::protocol_version;
  }
  TLS13_TRY_ASSIGN(const std::uint16_t v, handshake::decode_supported_versions_sh(
                                              sh.extensions.get(extension_type::supported_versions)));
  if (v != handshake::tls13_version) return protocol_errc::illegal_parameter;
  if (sh.legacy_version != handshake::legacy_version_tls12) return protocol_errc::illegal_parameter;
  if (!std::equal(sh.legacy_session_id_echo.begin(), sh.legacy_session_id_echo.end(), our_session_id.begin(),
                  our_session_id.end()))
    return protocol_errc::illegal_parameter;
  if (std::find(offered.begin(), offered.end(), static_cast<cipher_suite>(sh.cipher_suite)) == offered.end())
    return protocol_errc::illegal_parameter;
  return {};
}

result<state> connection_core::client_on_server_hello(const handshake::server_hello& sh, bytes message) {
  const auto offered = effective_suites(*client_cfg_);
  // §4.1.4: the version the HelloRetryRequest selected must be kept (a TLS 1.2 answer now changes it).
  if (retried_ && !sh.extensions.has(extension_type::supported_versions))
    return protocol_errc::illegal_parameter;
  TLS13_TRY(check_server_hello_common(sh, bytes(session_id_.data(), session_id_size_), offered));
  const auto suite = static_cast<cipher_suite>(sh.cipher_suite);
  if (retried_ && suite != suite_) return protocol_errc::illegal_parameter;  // §4.1.4
  TLS13_TRY(client_on_psk_selected(sh));
  // A PSK answer without a key share is psk_ke: only if we offered it (§4.2.9, §4.2.11).
  secret shared;
  if (!sh.extensions.has(extension_type::key_share)) {
    if (!psk_accepted_) return protocol_errc::missing_extension;
    if (!client_cfg_->offer_psk_ke) return protocol_errc::illegal_parameter;
    psk_ke_ = true;
  } else {
    TLS13_TRY_ASSIGN(const auto share,
                     handshake::decode_key_share_sh(sh.extensions.get(extension_type::key_share)));
    auto ours = std::find_if(our_shares_.begin(), our_shares_.end(), [&](const auto& k) {
      return static_cast<std::uint16_t>(k->group()) == share.group;
    });
    if (ours == our_shares_.end()) return protocol_errc::illegal_parameter;
    TLS13_TRY_ASSIGN(shared, (*ours)->complete(share.key_exchange));
    info_.group = static_cast<named_group>(share.group);
  }
  our_shares_.clear();

  suite_ = suite;
  hash_ = crypto::suite_hash(suite);
  if (!transcript_) {
    TLS13_TRY_ASSIGN(auto t, crypto::transcript_hash::create(hash_));
    transcript_.emplace(std::move(t));
    TLS13_TRY(transcript_->update(client_hello_));
  }
  TLS13_TRY(transcript_->update(message));
  client_hello_.clear();
  client_hello_.shrink_to_fit();
  info_.suite = suite;
  TLS13_TRY(derive_handshake_keys(shared.view()));
  TLS13_TRY(install_read(*server_hs_));
  // Our write key changes now too, so that an alert about the server's flight is protected the
  // way the server now expects to read (the compatibility CCS is written in plaintext anyway) -
  // unless 0-RTT may still be on: EncryptedExtensions will tell.
  if (early_writable_ && !psk_accepted_) early_writable_ = false;  // no PSK, no early data
  if (!early_writable_) {
    // D.4: in compatibility mode the CCS precedes our first encrypted record, whichever it is: the
    // second flight, or an alert about the server's flight (middleboxes and peers expect it first).
    // Written with that record, not now: a server that sends its ServerHello ahead of the rest of
    // its flight would otherwise cost us a write of the CCS alone.
    if (client_cfg_->middlebox_compat && !sent_ccs_) sent_ccs_ = ccs_due_ = true;
    TLS13_TRY(install_write(*client_hs_));
  }
  return state::client_wait_ee;
}

result<state> connection_core::client_on_hello_retry(const handshake::server_hello& hrr, bytes message) {
  // Nothing may follow the HRR before it has our second ClientHello (the flight ends here).
  if (records_.handshake_partial()) return protocol_errc::message_spans_key_change;
  const auto offered = effective_suites(*client_cfg_);
  TLS13_TRY(check_server_hello_common(hrr, bytes(session_id_.data(), session_id_size_), offered));
  if (!hrr.extensions.has(extension_type::key_share) && !hrr.extensions.has(extension_type::cookie))
    return protocol_errc::illegal_parameter;  // an HRR that would not change the ClientHello (§4.1.4)
  suite_ = static_cast<cipher_suite>(hrr.cipher_suite);
  hash_ = crypto::suite_hash(suite_);
  TLS13_TRY_ASSIGN(const crypto::digest ch1, crypto::hash(hash_, client_hello_));
  TLS13_TRY_ASSIGN(auto t, keyschedule::transcript_after_hello_retry(hash_, ch1));
  transcript_.emplace(std::move(t));
  TLS13_TRY(transcript_->update(message));

  if (hrr.extensions.has(extension_type::key_share)) {
    TLS13_TRY_ASSIGN(const std::uint16_t g,
                     handshake::decode_key_share_hrr(hrr.extensions.get(extension_type::key_share)));
    const auto groups = effective_groups(*client_cfg_, *provider_);
    const bool offered_group =
        std::find(groups.begin(), groups.end(), static_cast<named_group>(g)) != groups.end();
    const bool already_shared = std::any_of(our_shares_.begin(), our_shares_.end(), [&](const auto& k) {
      return static_cast<std::uint16_t>(k->group()) == g;
    });
    if (!offered_group || already_shared) return protocol_errc::illegal_parameter;  // §4.2.8
    our_shares_.clear();
    TLS13_TRY_ASSIGN(auto kx, provider_->start_key_exchange(static_cast<named_group>(g)));
    our_shares_.push_back(std::move(kx));
  }
  bytes cookie;
  if (hrr.extensions.has(extension_type::cookie)) {
    TLS13_TRY_ASSIGN(cookie, handshake::decode_cookie(hrr.extensions.get(extension_type::cookie)));
  }
  retried_ = true;
  info_.hello_retry = true;
  if (early_writable_) {  // an HRR rejects 0-RTT (§4.2.10); ClientHello2 goes out unprotected
    early_writable_ = false;
    records_.clear_write_keys();
  }
  // D.4: in compatibility mode the CCS goes right after the first flight's reply.
  if (client_cfg_->middlebox_compat && !sent_ccs_) TLS13_TRY(send_change_cipher_spec());
  client_hello_.clear();
  TLS13_TRY(client_build_hello(client_hello_, cookie));
  TLS13_TRY(transcript_->update(client_hello_));
  TLS13_TRY(send_plain_handshake(client_hello_));
  return state::client_wait_sh_retry;
}

result<state> connection_core::client_on_encrypted_extensions(bytes body) {
  TLS13_TRY_ASSIGN(const auto ee,
                   handshake::decode_encrypted_extensions(body, config().limit.max_extensions));
  const auto& cfg = *client_cfg_;
  if (ee.has(extension_type::alpn)) {
    TLS13_TRY_ASSIGN(const auto names, handshake::decode_alpn(ee.get(extension_type::alpn)));
    if (cfg.alpn.empty()) return protocol_errc::unsupported_extension;
    if (names.size() != 1) return protocol_errc::illegal_parameter;  // RFC 7301 §3.1
    const std::string chosen(reinterpret_cast<const char*>(names[0].data()), names[0].size());
    if (std::find(cfg.alpn.begin(), cfg.alpn.end(), chosen) == cfg.alpn.end())
      return protocol_errc::illegal_parameter;
    info_.alpn = chosen;
  }
  if (ee.has(extension_type::server_name) && !ee.get(extension_type::server_name).empty())
    return decode_errc::trailing_data;  // the acknowledgement is empty (RFC 6066 §3)
  if (ee.has(extension_type::early_data)) {
    if (!early_writable_) return protocol_errc::unsupported_extension;  // not offered, or no longer possible
    if (!ee.get(extension_type::early_data).empty()) return decode_errc::trailing_data;
    // Early data went out under the ticket's suite and protocol: the server must have kept both (§4.2.10).
    if (info_.alpn != early_alpn_ || suite_ != early_suite_) return protocol_errc::illegal_parameter;
    info_.early_data_accepted = true;
  } else if (early_writable_) {
    early_writable_ = false;  // rejected: the application resends with write() after the handshake
    TLS13_TRY(install_write(*client_hs_));
  }
  // §4.2: responses to extensions we never send are unsupported_extension.
  for (auto t : {extension_type::max_fragment_length, extension_type::use_srtp, extension_type::heartbeat,
                 extension_type::client_certificate_type, extension_type::server_certificate_type})
    if (ee.has(t)) return protocol_errc::unsupported_extension;
  // An acknowledgement of SNI we did not send (no name, or an IP literal, RFC 6066 §3).
  if (ee.has(extension_type::server_name) && (info_.server_name.empty() || is_ip_literal(info_.server_name)))
    return protocol_errc::unsupported_extension;
  if (ee.has(extension_type::record_size_limit)) {
    if (cfg.record_size_limit == 0) return protocol_errc::unsupported_extension;
    TLS13_TRY_ASSIGN(const std::uint16_t limit,
                     handshake::decode_record_size_limit(ee.get(extension_type::record_size_limit)));
    records_.set_peer_record_size_limit(limit);
  }
  if (psk_accepted_ && client_cfg_->reverify_on_resume && !reverified_)
    TLS13_TRY(client_reverify(reverify_chain_));
  // §2.2: a PSK handshake has no server Certificate / CertificateVerify.
  return psk_accepted_ ? state::client_wait_finished : state::client_wait_cert_cr;
}

result<state> connection_core::client_on_certificate_request(bytes body) {
  TLS13_TRY_ASSIGN(const auto cr, handshake::decode_certificate_request(body, config().limit.max_extensions));
  if (!cr.context.empty()) return protocol_errc::illegal_parameter;  // §4.3.2: empty during the handshake
  TLS13_TRY_ASSIGN(const auto algs, handshake::decode_signature_algorithms(
                                        cr.extensions.get(extension_type::signature_algorithms)));
  info_.peer_signature_schemes.clear();
  for (std::size_t i = 0; i < algs.size(); ++i) info_.peer_signature_schemes.push_back(algs[i]);
  if (cr.extensions.has(extension_type::certificate_authorities)) {
    TLS13_TRY_ASSIGN(info_.peer_certificate_authorities,
                     handshake::decode_certificate_authorities(
                         cr.extensions.get(extension_type::certificate_authorities)));
  }
  cert_requested_ = true;
  return state::client_wait_cert;
}

result<state> connection_core::client_on_certificate(bytes body) {
  TLS13_TRY_ASSIGN(const auto msg, decode_peer_certificate(body));
  if (msg.entries.empty()) return protocol_errc::empty_certificate;  // §4.4.2.4: decode_error
  TLS13_TRY(verify_peer_chain(msg, peer_role::server));
  return state::client_wait_cv;
}

result<state> connection_core::client_on_certificate_verify(bytes body) {
  TLS13_TRY(verify_peer_signature(body, handshake::signer_role::server));
  return state::client_wait_finished;
}

result<state> connection_core::client_on_finished(bytes body) {
  TLS13_TRY(check_finished(body, *server_hs_));
  TLS13_TRY(derive_application_keys());
  TLS13_TRY(install_read(*server_app_));
  TLS13_TRY(client_send_second_flight());
  return state::connected;
}

result<void> connection_core::client_send_second_flight() {
  if (early_writable_) {  // accepted 0-RTT ends with EndOfEarlyData under the early key (§4.5)
    early_writable_ = false;
    std::vector<std::byte> eoed;
    writer w(eoed);
    TLS13_TRY(handshake::encode_end_of_early_data(w));
    TLS13_TRY(send_handshake(eoed));
    TLS13_TRY(install_write(*client_hs_));
  }
  if (client_cfg_->middlebox_compat && !sent_ccs_) TLS13_TRY(send_change_cipher_spec());
  if (cert_requested_) {
    const auto& key = client_cfg_->client_certificate;
    std::optional<signature_scheme> scheme;
    if (key && key->key) {
      for (auto s : key_signature_schemes(*key->key))
        if (std::find(info_.peer_signature_schemes.begin(), info_.peer_signature_schemes.end(),
                      static_cast<std::uint16_t>(s)) != info_.peer_signature_schemes.end()) {
          scheme = s;
          break;
        }
    }
    if (scheme) {
      TLS13_TRY(
          send_certificate_and_verify(*key, *scheme, handshake::signer_role::client, cert_request_context_));
    } else {
      // No certificate fits: an empty Certificate, the server decides (§4.4.2).
      std::vector<std::byte> msg;
      writer w(msg);
      TLS13_TRY(handshake::encode_certificate(w, cert_request_context_, {}));
      TLS13_TRY(send_handshake(msg));
    }
  }
  TLS13_TRY(send_finished(*client_hs_));
  TLS13_TRY(finish_key_schedule());
  TLS13_TRY(install_write(*client_app_));
  return {};
}

}  // namespace tls13
