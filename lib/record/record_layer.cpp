// The record layer over crypto::aead_ctx: RFC 8446 §5 framing, protection and handshake reassembly.
#include "record/record_layer.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "crypto/aead.hpp"
#include "tls13/secret.hpp"

namespace tls13::record {
namespace {

constexpr std::size_t header_size = 5;
constexpr std::size_t max_plaintext = 1 << 14;
constexpr std::size_t max_ciphertext = max_plaintext + 256;
// §5.5: AES-GCM keys are good for 2^24.5 full records; we update well before.
constexpr std::uint64_t soft_record_limit = std::uint64_t{1} << 23;
constexpr std::uint64_t hard_record_limit = std::uint64_t{1} << 24;

struct direction_state {
  std::optional<crypto::aead_ctx> aead;
  std::array<std::byte, crypto::aead_nonce_size> iv{};
  std::uint64_t seq = 0;

  ~direction_state() { secure_wipe(iv); }

  std::array<std::byte, crypto::aead_nonce_size> nonce() const noexcept {
    auto n = iv;
    for (int i = 0; i < 8; ++i)
      n[crypto::aead_nonce_size - 1 - static_cast<std::size_t>(i)] ^= static_cast<std::byte>(seq >> (8 * i));
    return n;
  }

  result<void> install(const keyschedule::traffic_keys& k, crypto::direction dir) {
    TLS13_TRY_ASSIGN(auto ctx, crypto::aead_ctx::create(k.aead, dir, k.key.view()));
    aead.emplace(std::move(ctx));
    std::copy(k.iv.view().begin(), k.iv.view().end(), iv.begin());
    seq = 0;
    return {};
  }
};

}  // namespace

struct record_layer::impl {
  direction_state read, write;
  std::size_t max_fragment = max_plaintext;  // min(peer_max, send_max)
  std::size_t peer_max = max_plaintext;      // the peer's record_size_limit - 1
  std::size_t send_max = max_plaintext;      // ours (common_config::max_send_fragment)
  std::size_t max_handshake_message = 64 * 1024;
  std::vector<std::byte> hs_buffer;  // reassembled handshake bytes
  std::size_t hs_delivered = 0;      // bytes of hs_buffer already returned as messages
  bool plaintext_alerts = false;
  std::size_t skip_budget = 0;  // bytes of undecryptable early data still allowed to skip
};

record_layer::record_layer() : impl_(std::make_unique<impl>()) {}
record_layer::~record_layer() = default;
record_layer::record_layer(record_layer&&) noexcept = default;
record_layer& record_layer::operator=(record_layer&&) noexcept = default;

void record_layer::clear_keys() noexcept {
  impl_->read.aead.reset();
  impl_->write.aead.reset();
  secure_wipe(impl_->read.iv);
  secure_wipe(impl_->write.iv);
}

void record_layer::clear_write_keys() noexcept {
  impl_->write.aead.reset();
  secure_wipe(impl_->write.iv);
}

bool record_layer::has_read_keys() const noexcept { return impl_->read.aead.has_value(); }
bool record_layer::has_write_keys() const noexcept { return impl_->write.aead.has_value(); }

result<void> record_layer::set_read_keys(const keyschedule::traffic_keys& k) {
  return impl_->read.install(k, crypto::direction::open);
}
result<void> record_layer::set_write_keys(const keyschedule::traffic_keys& k) {
  return impl_->write.install(k, crypto::direction::seal);
}

std::size_t record_layer::max_fragment() const noexcept { return impl_->max_fragment; }

void record_layer::set_peer_record_size_limit(std::uint16_t limit) noexcept {
  // RFC 8449 §4: the limit counts the inner content type byte in TLS 1.3; it is never below 64 (the
  // handshake rejects smaller values; clamping here keeps write() from looping on a zero step).
  const std::size_t l = std::max<std::size_t>(limit, 64);
  impl_->peer_max = std::min<std::size_t>(max_plaintext, limit > 0 ? l - 1 : max_plaintext);
  impl_->max_fragment = std::min(impl_->peer_max, impl_->send_max);
}

void record_layer::set_max_send_fragment(std::size_t n) noexcept {
  // 512 is OpenSSL's and BoringSSL's floor for max_send_fragment.
  impl_->send_max = n == 0 ? max_plaintext : std::clamp<std::size_t>(n, 512, max_plaintext);
  impl_->max_fragment = std::min(impl_->peer_max, impl_->send_max);
}

bool record_layer::write_key_exhausted_soon() const noexcept { return impl_->write.seq >= soft_record_limit; }

void record_layer::set_max_handshake_message(std::size_t n) noexcept { impl_->max_handshake_message = n; }

namespace {

// Whether two ranges share no octet (std::less: a total order even across unrelated objects).
bool apart(bytes a, bytes b) noexcept {
  const std::less<const std::byte*> before;
  return !before(a.data(), b.data() + b.size()) || !before(b.data(), a.data() + a.size());
}

// A decrypted TLSInnerPlaintext: content || type || zeros (RFC 8446 §5.2, §5.4).
result<record_layer::inbound> inner_plaintext(mut_bytes plaintext) {
  // §5.4: the whole TLSInnerPlaintext, padding included, is at most 2^14 + 1 octets.
  if (plaintext.size() > max_plaintext + 1) return decode_errc::record_too_large;
  // Scan from the end for the type byte.
  std::size_t i = plaintext.size();
  while (i > 0 && plaintext[i - 1] == std::byte{0}) --i;
  if (i == 0) return protocol_errc::bad_padding;
  const auto inner = static_cast<content_type>(plaintext[i - 1]);
  if (inner == content_type::change_cipher_spec) return protocol_errc::unexpected_message;
  if ((inner == content_type::handshake || inner == content_type::alert) && i - 1 == 0)
    return protocol_errc::empty_fragment;
  return record_layer::inbound{inner, plaintext.first(i - 1), true};
}

}  // namespace

result<std::optional<record_layer::inbound>> record_layer::read(mut_bytes window, std::size_t& consumed,
                                                                mut_bytes dest) {
  if (window.size() < header_size) return std::optional<inbound>{};
  const auto type = static_cast<content_type>(window[0]);
  const std::size_t len = static_cast<std::size_t>(window[3]) << 8 | static_cast<std::size_t>(window[4]);
  if (type != content_type::change_cipher_spec && type != content_type::alert &&
      type != content_type::handshake && type != content_type::application_data)
    return protocol_errc::unexpected_message;
  // legacy_record_version (window[1..2]) "MUST be ignored for all purposes" (RFC 8446 §5.1). For
  // protected records it is still authenticated: it is part of the AAD.
  auto& rd = impl_->read;
  auto& d = *impl_;
  // Only application_data records can be protected (or be 0-RTT records we skip): up to 2^14+256.
  // Everything sent in the clear - the compatibility CCS included - stays within 2^14 (§5.1, §5.2).
  const bool maybe_protected = type == content_type::application_data && (rd.aead || d.skip_budget > 0);
  if (len > (maybe_protected ? max_ciphertext : max_plaintext)) return decode_errc::record_too_large;
  if (window.size() < header_size + len) return std::optional<inbound>{};
  consumed = header_size + len;
  mut_bytes payload = window.subspan(header_size, len);
  if (!rd.aead && type == content_type::application_data && d.skip_budget > 0 && d.skip_budget >= len) {
    d.skip_budget -= len;  // early data sent before a HelloRetryRequest reached the client
    return std::optional<inbound>(inbound{content_type::invalid, {}, true});
  }
  const bool plaintext_alert = rd.aead && d.plaintext_alerts && type == content_type::alert;
  if (!rd.aead || type == content_type::change_cipher_spec || plaintext_alert) {
    // Before keys, or the compatibility CCS; anything else unprotected after keys is illegal.
    if (rd.aead && type != content_type::change_cipher_spec && !plaintext_alert)
      return protocol_errc::unexpected_message;
    if (type == content_type::application_data) return protocol_errc::unexpected_message;
    return std::optional<inbound>(inbound{type, payload, false});
  }
  if (type != content_type::application_data) return protocol_errc::unexpected_message;
  if (rd.seq == UINT64_MAX) return protocol_errc::key_limit_reached;
  const auto nonce = rd.nonce();
  // Into the caller's destination when the plaintext fits (len >= 16 is checked by open()) and the
  // destination is apart from the window (out-of-place AEAD must not overlap its input).
  const bool to_dest = !dest.empty() && len >= crypto::aead_tag_size &&
                       dest.size() >= len - crypto::aead_tag_size && apart(dest, window);
  auto opened = to_dest ? rd.aead->open(nonce, window.first(header_size), payload, dest)
                        : rd.aead->open(nonce, window.first(header_size), payload);
  if (!opened && to_dest) secure_wipe(dest.first(len - crypto::aead_tag_size));  // unauthenticated
  if (to_dest) payload = dest;
  if (!opened && d.skip_budget > 0 && d.skip_budget >= len) {
    d.skip_budget -= len;  // rejected 0-RTT data under a key we do not have
    return std::optional<inbound>(inbound{content_type::invalid, {}, true});
  }
  TLS13_TRY_ASSIGN(const std::size_t pt_len, std::move(opened));
  d.skip_budget = 0;  // once a record decrypts, trial decryption is over
  ++rd.seq;
  auto in = inner_plaintext(payload.first(pt_len));
  if (!in) {
    if (to_dest) secure_wipe(dest.first(pt_len));  // nothing of a refused record stays there
    return in.error();
  }
  in->destination_used = to_dest ? pt_len : 0;
  return std::optional<inbound>(*in);
}

namespace {

// legacy_record_version 0x0303 (§5.1), or 0x03 `minor` for an unprotected record.
result<void> append_record(direction_state& w, content_type type, bytes chunk, output_sink& out,
                           std::byte minor = std::byte{3}) {
  if (!w.aead) {
    auto buf = out.prepare(header_size + chunk.size());
    buf[0] = static_cast<std::byte>(type);
    buf[1] = std::byte{3};
    buf[2] = minor;
    buf[3] = static_cast<std::byte>(chunk.size() >> 8);
    buf[4] = static_cast<std::byte>(chunk.size());
    if (!chunk.empty()) std::memcpy(buf.data() + header_size, chunk.data(), chunk.size());
    out.commit(header_size + chunk.size());
    return {};
  }
  if (w.seq >= hard_record_limit) return protocol_errc::key_limit_reached;
  const std::size_t inner = chunk.size() + 1;
  const std::size_t wire = inner + crypto::aead_tag_size;
  auto buf = out.prepare(header_size + wire);
  buf[0] = static_cast<std::byte>(content_type::application_data);
  buf[1] = std::byte{3};
  buf[2] = std::byte{3};
  buf[3] = static_cast<std::byte>(wire >> 8);
  buf[4] = static_cast<std::byte>(wire);
  // Encrypt content || type straight from the caller's data into the output buffer: no copy.
  const auto nonce = w.nonce();
  const std::byte type_byte[1] = {static_cast<std::byte>(type)};
  TLS13_TRY(
      w.aead->seal(nonce, bytes(buf.data(), header_size), chunk, type_byte, buf.subspan(header_size, wire)));
  ++w.seq;
  out.commit(header_size + wire);
  return {};
}

}  // namespace

result<void> record_layer::write(content_type type, bytes payload, output_sink& out) {
  const std::size_t step = impl_->max_fragment;
  if (payload.empty()) return append_record(impl_->write, type, payload, out);
  for (std::size_t off = 0; off < payload.size(); off += step)
    TLS13_TRY(
        append_record(impl_->write, type, payload.subspan(off, std::min(step, payload.size() - off)), out));
  return {};
}

result<void> record_layer::write_initial_client_hello(bytes hello, output_sink& out) {
  return write_plain(content_type::handshake, hello, out, std::byte{1});
}

result<void> record_layer::write_plain(content_type type, bytes payload, output_sink& out, std::byte minor) {
  direction_state none;
  if (payload.empty()) return append_record(none, type, payload, out, minor);
  // Our own cap applies to plaintext records too (the peer's record_size_limit is not known yet).
  const std::size_t step = impl_->send_max;
  for (std::size_t off = 0; off < payload.size(); off += step)
    TLS13_TRY(
        append_record(none, type, payload.subspan(off, std::min(step, payload.size() - off)), out, minor));
  return {};
}

result<void> record_layer::add_handshake_fragment(bytes fragment) {
  auto& d = *impl_;
  if (fragment.empty()) return protocol_errc::empty_fragment;
  // Drop the messages already delivered, so the buffer holds only what is still pending.
  if (d.hs_delivered != 0) {
    d.hs_buffer.erase(d.hs_buffer.begin(), d.hs_buffer.begin() + static_cast<std::ptrdiff_t>(d.hs_delivered));
    d.hs_delivered = 0;
  }
  // What is pending is one incomplete message (at most cap + 4 octets when the caller drains
  // between fragments); the fragment may also carry whole messages after it. Each message's own
  // length is checked against the cap by next_handshake_message().
  if (d.hs_buffer.size() + fragment.size() > d.max_handshake_message + 4 + max_plaintext)
    return decode_errc::message_too_large;
  d.hs_buffer.insert(d.hs_buffer.end(), fragment.begin(), fragment.end());
  return {};
}

result<std::optional<bytes>> record_layer::next_handshake_message() {
  auto& d = *impl_;
  const std::size_t avail = d.hs_buffer.size() - d.hs_delivered;
  if (avail < 4) return std::optional<bytes>{};
  const std::byte* p = d.hs_buffer.data() + d.hs_delivered;
  const std::size_t len = static_cast<std::size_t>(p[1]) << 16 | static_cast<std::size_t>(p[2]) << 8 |
                          static_cast<std::size_t>(p[3]);
  if (len > d.max_handshake_message) return decode_errc::message_too_large;
  if (avail < 4 + len) return std::optional<bytes>{};
  d.hs_delivered += 4 + len;
  return std::optional<bytes>(bytes(p, 4 + len));
}

void record_layer::allow_plaintext_alerts(bool on) noexcept { impl_->plaintext_alerts = on; }
void record_layer::skip_undecryptable(std::size_t budget) noexcept { impl_->skip_budget = budget; }

void record_layer::set_sequence_numbers_for_testing(std::uint64_t read_seq,
                                                    std::uint64_t write_seq) noexcept {
  impl_->read.seq = read_seq;
  impl_->write.seq = write_seq;
}

bool record_layer::handshake_partial() const noexcept {
  return impl_->hs_delivered != impl_->hs_buffer.size();
}

}  // namespace tls13::record
