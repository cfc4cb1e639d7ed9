#include "handshake/messages/post_hello.hpp"

#include <algorithm>
#include <string_view>

#include "handshake/messages/hello.hpp"

namespace tls13::handshake {

result<extension_block> decode_encrypted_extensions(bytes body, std::size_t max_extensions) noexcept {
  reader r(body);
  TLS13_TRY_ASSIGN(const bytes ext, r.vec(2, 0, 0xffff));
  TLS13_TRY(r.expect_end());
  return parse_extensions(ext, message_kind::encrypted_extensions, max_extensions);
}

result<certificate_request> decode_certificate_request(bytes body, std::size_t max_extensions) noexcept {
  reader r(body);
  certificate_request cr;
  TLS13_TRY_ASSIGN(cr.context, r.vec(1, 0, 0xff));
  TLS13_TRY_ASSIGN(const bytes ext, r.vec(2, 2, 0xffff));
  TLS13_TRY(r.expect_end());
  TLS13_TRY_ASSIGN(cr.extensions, parse_extensions(ext, message_kind::certificate_request, max_extensions));
  if (!cr.extensions.has(extension_type::signature_algorithms)) return protocol_errc::missing_extension;
  return cr;
}

result<certificate_msg> decode_certificate(bytes body, const certificate_limits& limits) {
  reader r(body);
  certificate_msg msg;
  TLS13_TRY_ASSIGN(msg.context, r.vec(1, 0, 0xff));
  TLS13_TRY_ASSIGN(reader list, r.sub(3, 0, 0xffffff));
  TLS13_TRY(r.expect_end());
  while (!list.empty()) {
    certificate_entry e;
    TLS13_TRY_ASSIGN(e.cert_data, list.vec(3, 1, 0xffffff));
    TLS13_TRY_ASSIGN(const bytes ext, list.vec(2, 0, 0xffff));
    if (msg.entries.size() == limits.max_entries) return decode_errc::too_many_items;
    TLS13_TRY_ASSIGN(e.extensions,
                     parse_extensions(ext, message_kind::certificate, limits.max_extensions_per_entry));
    msg.entries.push_back(e);
  }
  return msg;
}

result<certificate_verify> decode_certificate_verify(bytes body) noexcept {
  reader r(body);
  certificate_verify cv;
  TLS13_TRY_ASSIGN(cv.scheme, r.u16());
  TLS13_TRY_ASSIGN(cv.signature, r.vec(2, 0, 0xffff));
  TLS13_TRY(r.expect_end());
  return cv;
}

result<bytes> decode_finished(bytes body, std::size_t hash_len) noexcept {
  if (body.size() != hash_len) return decode_errc::bad_length;
  return body;
}

result<new_session_ticket> decode_new_session_ticket(bytes body, std::size_t max_extensions) noexcept {
  reader r(body);
  new_session_ticket t;
  TLS13_TRY_ASSIGN(t.lifetime, r.u32());
  TLS13_TRY_ASSIGN(t.age_add, r.u32());
  TLS13_TRY_ASSIGN(t.nonce, r.vec(1, 0, 0xff));
  TLS13_TRY_ASSIGN(t.ticket, r.vec(2, 1, 0xffff));
  TLS13_TRY_ASSIGN(const bytes ext, r.vec(2, 0, 0xfffe));
  TLS13_TRY(r.expect_end());
  TLS13_TRY_ASSIGN(t.extensions, parse_extensions(ext, message_kind::new_session_ticket, max_extensions));
  return t;
}

result<key_update_request> decode_key_update(bytes body) noexcept {
  reader r(body);
  TLS13_TRY_ASSIGN(const std::uint8_t v, r.u8());
  TLS13_TRY(r.expect_end());
  if (v > 1) return protocol_errc::illegal_parameter;
  return static_cast<key_update_request>(v);
}

result<void> decode_end_of_early_data(bytes body) noexcept {
  if (!body.empty()) return decode_errc::trailing_data;
  return {};
}

std::vector<std::byte> certificate_verify_content(signer_role role, bytes transcript_hash) {
  constexpr std::string_view server_ctx = "TLS 1.3, server CertificateVerify";
  constexpr std::string_view client_ctx = "TLS 1.3, client CertificateVerify";
  const std::string_view ctx = role == signer_role::server ? server_ctx : client_ctx;
  std::vector<std::byte> out(64, std::byte{0x20});
  for (char c : ctx) out.push_back(static_cast<std::byte>(c));
  out.push_back(std::byte{0});
  out.insert(out.end(), transcript_hash.begin(), transcript_hash.end());
  return out;
}

result<void> encode_encrypted_extensions(writer& w, bytes extensions) {
  const auto m = begin_message(w, handshake_type::encrypted_extensions);
  TLS13_TRY(w.vec(2, extensions));
  return end_message(w, m);
}

result<void> encode_certificate_request(writer& w, bytes context, bytes extensions) {
  const auto m = begin_message(w, handshake_type::certificate_request);
  TLS13_TRY(w.vec(1, context));
  TLS13_TRY(w.vec(2, extensions));
  return end_message(w, m);
}

result<void> encode_certificate(writer& w, bytes context, const std::vector<bytes>& chain,
                                bytes leaf_extensions) {
  const auto m = begin_message(w, handshake_type::certificate);
  TLS13_TRY(w.vec(1, context));
  const auto list = w.begin(3);
  for (std::size_t i = 0; i < chain.size(); ++i) {
    if (chain[i].empty()) return internal_errc::invalid_argument;
    TLS13_TRY(w.vec(3, chain[i]));
    TLS13_TRY(w.vec(2, i == 0 ? leaf_extensions : bytes{}));
  }
  TLS13_TRY(w.end(list));
  return end_message(w, m);
}

result<void> encode_certificate_verify(writer& w, std::uint16_t scheme, bytes signature) {
  const auto m = begin_message(w, handshake_type::certificate_verify);
  w.u16(scheme);
  TLS13_TRY(w.vec(2, signature));
  return end_message(w, m);
}

result<void> encode_finished(writer& w, bytes verify_data) {
  const auto m = begin_message(w, handshake_type::finished);
  w.raw(verify_data);
  return end_message(w, m);
}

result<void> encode_new_session_ticket(writer& w, const new_session_ticket& t, bytes extensions) {
  if (t.ticket.empty()) return internal_errc::invalid_argument;
  const auto m = begin_message(w, handshake_type::new_session_ticket);
  w.u32(t.lifetime);
  w.u32(t.age_add);
  TLS13_TRY(w.vec(1, t.nonce));
  TLS13_TRY(w.vec(2, t.ticket));
  TLS13_TRY(w.vec(2, extensions));
  return end_message(w, m);
}

result<void> encode_key_update(writer& w, key_update_request r) {
  const auto m = begin_message(w, handshake_type::key_update);
  w.u8(static_cast<std::uint8_t>(r));
  return end_message(w, m);
}

result<void> encode_end_of_early_data(writer& w) {
  const auto m = begin_message(w, handshake_type::end_of_early_data);
  return end_message(w, m);
}

}  // namespace tls13::handshake
