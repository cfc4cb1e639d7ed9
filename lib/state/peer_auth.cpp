// Authentication steps both roles share: the peer's chain and CertificateVerify, our Certificate
// and CertificateVerify, and Finished in both directions (RFC 8446 §4.4).
#include <algorithm>

#include "handshake/messages/extension_bodies.hpp"
#include "keyschedule/finished.hpp"
#include "state/connection_core.hpp"
#include "state/defaults.hpp"
#include "tls13/x509.hpp"
#include "x509/leaf.hpp"

namespace tls13 {

result<handshake::certificate_msg> connection_core::decode_peer_certificate(bytes body) {
  handshake::certificate_limits lim;
  lim.max_entries = config().limit.max_chain_length;
  TLS13_TRY_ASSIGN(auto msg, handshake::decode_certificate(body, lim));
  // During the handshake the certificate_request_context is empty both ways (§4.4.2).
  if (!msg.context.empty()) return protocol_errc::illegal_parameter;
  // §4.4.2: CertificateEntry extensions must answer ones we sent. The only one we ever send is
  // status_request in a ClientHello (client_config::request_ocsp): a server may then staple a
  // CertificateStatus to its entries (RFC 8446 §4.4.2.1). Everything else is unsupported_extension.
  const bool asked_ocsp = role_ == role::client && client_cfg_->request_ocsp;
  const auto allowed =
      asked_ocsp ? handshake::extension_block::mask_of(handshake::extension_type::status_request) : 0;
  for (const auto& e : msg.entries) {
    if (e.extensions.has_any_except(allowed)) return protocol_errc::unsupported_extension;
    if (e.extensions.has(handshake::extension_type::status_request)) {
      TLS13_TRY(
          handshake::decode_certificate_status(e.extensions.get(handshake::extension_type::status_request)));
    }
  }
  return msg;
}

result<void> connection_core::verify_peer_chain(const handshake::certificate_msg& msg, peer_role whose) {
  std::vector<bytes> chain;
  chain.reserve(msg.entries.size());
  for (const auto& e : msg.entries) chain.push_back(e.cert_data);
  // The staple on the leaf's entry (RFC 8446 §4.4.2.1; ones on intermediates are not used).
  bytes staple;
  if (msg.entries[0].extensions.has(handshake::extension_type::status_request)) {
    TLS13_TRY_ASSIGN(staple, handshake::decode_certificate_status(
                                 msg.entries[0].extensions.get(handshake::extension_type::status_request)));
  }
  TLS13_TRY(run_verifier(chain, whose, staple, role_ == role::client && client_cfg_->request_ocsp));
  info_.peer_chain.clear();
  for (const auto& c : chain) info_.peer_chain.emplace_back(c.begin(), c.end());
  peer_leaf_.assign(chain[0].begin(), chain[0].end());
  if (!staple.empty()) {
    info_.ocsp_stapled = true;
    info_.ocsp_response.assign(staple.begin(), staple.end());
  }
  return {};
}

// The configured verifier on a chain (the peer's Certificate, or a resumed session's kept chain);
// nothing to do when the client has verification off.
result<void> connection_core::run_verifier(const std::vector<bytes>& chain, peer_role whose, bytes staple,
                                           bool staple_requested) {
  if (role_ == role::client && !client_cfg_->verify_peer) return {};
  const auto& verifier = config().verifier;
  if (!verifier) return certificate_errc::unknown_issuer;  // no trust anchors configured
  verify_request req;
  req.chain = &chain;
  req.server_name = whose == peer_role::server ? std::string_view(info_.server_name) : std::string_view{};
  req.role = whose;
  req.now = provider_->now();
  req.ocsp_response = staple;
  req.ocsp_requested = staple_requested;  // arms must-staple
  TLS13_TRY(verifier->verify(req));
  info_.peer_authenticated = true;
  return {};
}

result<void> connection_core::verify_peer_signature(bytes body, handshake::signer_role whose) {
  TLS13_TRY_ASSIGN(const auto cv, handshake::decode_certificate_verify(body));
  const auto scheme = static_cast<signature_scheme>(cv.scheme);
  // The scheme must be one we offered, and one allowed in CertificateVerify (§4.4.3).
  const auto ours = effective_schemes(config(), *provider_);
  if (std::find(ours.begin(), ours.end(), scheme) == ours.end() || !allowed_in_certificate_verify(scheme))
    return protocol_errc::illegal_parameter;
  // Signed: the transcript up to, not including, this CertificateVerify (dispatch kept it).
  const auto content = handshake::certificate_verify_content(whose, pre_message_hash_.view());
  TLS13_TRY_ASSIGN(const public_key key, x509::certificate_public_key(peer_leaf_, config().peer_key_policy));
  TLS13_TRY(key.verify(scheme, content, cv.signature));
  info_.peer_signature_scheme = scheme;
  return {};
}

result<void> connection_core::send_certificate_and_verify(const certified_key& key, signature_scheme scheme,
                                                          handshake::signer_role as, bytes context,
                                                          bytes leaf_extensions) {
  std::vector<bytes> chain;
  for (const auto& c : key.chain) chain.emplace_back(c);
  std::vector<std::byte> msg;
  handshake::writer w(msg);
  TLS13_TRY(handshake::encode_certificate(w, context, chain, leaf_extensions));
  TLS13_TRY(send_handshake(msg));
  TLS13_TRY_ASSIGN(const auto th, transcript_->current());
  const auto content = handshake::certificate_verify_content(as, th.view());
  TLS13_TRY_ASSIGN(const auto signature, key.key->sign(scheme, content));
  msg.clear();
  TLS13_TRY(handshake::encode_certificate_verify(w, static_cast<std::uint16_t>(scheme), signature));
  return send_handshake(msg);
}

result<void> connection_core::check_finished(bytes body, const keyschedule::traffic_secret& peer_secret) {
  return keyschedule::verify_finished(peer_secret, pre_message_hash_, body);
}

result<std::vector<std::byte>> connection_core::finished_message(
    const keyschedule::traffic_secret& base_key) {
  TLS13_TRY_ASSIGN(const auto th, transcript_->current());
  TLS13_TRY_ASSIGN(const auto verify_data, keyschedule::finished_verify_data(base_key, th));
  std::vector<std::byte> msg;
  handshake::writer w(msg);
  TLS13_TRY(handshake::encode_finished(w, verify_data.view()));
  return msg;
}

result<void> connection_core::send_finished(const keyschedule::traffic_secret& our_secret) {
  TLS13_TRY_ASSIGN(const auto msg, finished_message(our_secret));
  return send_handshake(msg);
}

}  // namespace tls13
