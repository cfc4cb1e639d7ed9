// Resumption with tickets (RFC 8446 §2.2, §4.2.11, §4.6.1): the client takes a ticket from its
// store and offers it with a binder; the server opens it with its ticket-key ring, checks it and
// the binder, and runs the handshake on the PSK, with (EC)DHE (psk_dhe_ke) unless both sides opted
// into psk_ke. Anything that makes a ticket unusable falls back to a full handshake; only a bad
// binder on the identity the server picked is fatal (§4.2.11).
#include <algorithm>
#include <array>

#include "handshake/messages/extension_writer.hpp"
#include "keyschedule/finished.hpp"
#include "session/server_ticket.hpp"
#include "state/connection_core.hpp"
#include "state/defaults.hpp"

namespace tls13 {

using handshake::extension_type;
using handshake::writer;

namespace {

constexpr std::uint8_t psk_ke = 0;
constexpr std::uint8_t psk_dhe_ke = 1;
constexpr std::size_t max_offered_psks = 32;           // decoded (binders checked for count and form)
constexpr std::size_t max_tried_psks = 8;              // of which we try to open this many
constexpr std::uint32_t max_ticket_lifetime = 604800;  // 7 days (§4.6.1)

const ticket_key_ring& ticket_ring(const server_config& cfg) {
  if (cfg.ticket_keys) return *cfg.ticket_keys;
  static const std::shared_ptr<ticket_key_ring> process_ring = ticket_key_ring::create();
  return *process_ring;
}

// The NewSessionTicket.ticket for a session's encoded state: sealed by the key ring, or a random
// id under which the stateful store keeps the state. Wipes `plain` either way.
result<std::vector<std::byte>> make_ticket_identity(const server_config& cfg, crypto_provider& provider,
                                                    std::vector<std::byte> plain,
                                                    std::chrono::system_clock::time_point now,
                                                    std::uint32_t lifetime) {
  if (cfg.session_store) {
    std::vector<std::byte> id(32);
    const auto made = provider.random(id);
    if (!made) {
      secure_wipe(plain);
      return made.error();
    }
    cfg.session_store->put(id, std::move(plain), now + std::chrono::seconds(lifetime));
    return id;
  }
  auto sealed = ticket_ring(cfg).seal(plain, now);
  secure_wipe(plain);
  return sealed;
}

const anti_replay_store& replay_store(const server_config& cfg) {
  if (cfg.anti_replay) return *cfg.anti_replay;
  static const std::shared_ptr<anti_replay_store> process_store = make_bloom_anti_replay();
  return *process_store;
}

// Transcript-Hash of what came before plus the ClientHello truncated before its binders (§4.2.11.2).
result<crypto::digest> binder_transcript(const crypto::transcript_hash* before, crypto::hash_alg h,
                                         bytes truncated) {
  if (before == nullptr) return crypto::hash(h, truncated);
  TLS13_TRY_ASSIGN(auto t, before->clone());
  TLS13_TRY(t.update(truncated));
  return t.current();
}

// The client's view of the ticket's age minus ours (§8.3), from its obfuscated_ticket_age.
std::chrono::milliseconds ticket_age_skew(std::uint32_t obfuscated_age, const session::ticket_contents& t,
                                          std::chrono::system_clock::time_point now) noexcept {
  const std::int64_t theirs = static_cast<std::uint32_t>(obfuscated_age - t.age_add);
  return std::chrono::milliseconds(theirs) -
         std::chrono::duration_cast<std::chrono::milliseconds>(now - t.issued);
}

result<keyschedule::binder_key> resumption_binder_key(crypto::hash_alg h, const secret& psk) {
  TLS13_TRY_ASSIGN(const auto early, keyschedule::early_secret::from_psk(h, psk.view()));
  return early.binder(keyschedule::psk_kind::resumption);
}

}  // namespace

// ---------------------------------------------------------------- client

void connection_core::client_take_ticket() {
  const auto& store = client_cfg_->ticket_store;
  if (!store || info_.server_name.empty()) return;
  auto t = store->take(info_.server_name, provider_->now());
  if (!t || t->psk.empty()) return;
  // The PSK may only run with a suite of its hash (§4.2.11) that we still offer.
  const auto suites = effective_suites(*client_cfg_);
  const auto h = crypto::suite_hash(t->suite);
  if (std::none_of(suites.begin(), suites.end(), [&](cipher_suite s) { return crypto::suite_hash(s) == h; }))
    return;
  // Nothing to verify again: a full handshake instead.
  if (client_cfg_->reverify_on_resume && client_cfg_->verify_peer && t->peer_chain.empty()) return;
  offered_ticket_.emplace(std::move(*t));
}

result<void> connection_core::client_add_psk(std::vector<std::byte>& ext) {
  psk_in_hello_ = false;
  if (!offered_ticket_) return {};
  const auto h = crypto::suite_hash(offered_ticket_->suite);
  if (retried_ && h != hash_) {  // §4.1.4: after an HRR only PSKs of its suite's hash
    offered_ticket_.reset();
    return {};
  }
  const auto& t = *offered_ticket_;
  const auto& alpn = client_cfg_->alpn;
  // 0-RTT only on the first ClientHello, when allowed, and with the ALPN the ticket was made for.
  early_offered_ =
      client_cfg_->enable_early_data && !retried_ && t.max_early_data > 0 &&
      (t.alpn.empty() ? alpn.empty() : std::find(alpn.begin(), alpn.end(), t.alpn) != alpn.end());
  if (early_offered_) {
    early_offered_any_ = true;
    early_alpn_ = t.alpn;
    early_suite_ = t.suite;
    writer e(ext);
    TLS13_TRY(
        handshake::add_extension(e, extension_type::early_data, [](writer&) { return result<void>{}; }));
  }
  const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(provider_->now() - t.received);
  const auto age_ms = static_cast<std::uint32_t>(std::max<std::int64_t>(age.count(), 0));
  writer w(ext);
  TLS13_TRY(handshake::add_extension(w, extension_type::pre_shared_key, [&](writer& b) -> result<void> {
    const auto ids = b.begin(2);
    TLS13_TRY(b.vec(2, offered_ticket_->ticket));
    b.u32(age_ms + offered_ticket_->age_add);  // obfuscated_ticket_age, mod 2^32
    TLS13_TRY(b.end(ids));
    const auto binders = b.begin(2);
    const std::vector<std::byte> zeros(crypto::hash_size(h));
    TLS13_TRY(b.vec(1, zeros));  // filled in by client_write_binder once the hello is encoded
    return b.end(binders);
  }));
  psk_in_hello_ = true;
  return {};
}

result<void> connection_core::client_write_binder(std::vector<std::byte>& hello) {
  if (!psk_in_hello_) return {};
  const auto h = crypto::suite_hash(offered_ticket_->suite);
  const std::size_t n = crypto::hash_size(h);
  const std::size_t tail = 2 + 1 + n;  // binders<33..2^16-1> holding our one binder
  if (hello.size() < tail) return internal_errc::invalid_state;
  const bytes truncated = bytes(hello).first(hello.size() - tail);
  TLS13_TRY_ASSIGN(const auto th, binder_transcript(retried_ ? &*transcript_ : nullptr, h, truncated));
  TLS13_TRY_ASSIGN(const auto key, resumption_binder_key(h, offered_ticket_->psk));
  TLS13_TRY_ASSIGN(const auto binder, keyschedule::psk_binder(key, th));
  std::copy(binder.view().begin(), binder.view().end(), hello.end() - static_cast<std::ptrdiff_t>(n));
  return {};
}

result<void> connection_core::client_start_early_data() {
  const auto& t = *offered_ticket_;
  const auto h = crypto::suite_hash(t.suite);
  TLS13_TRY_ASSIGN(const auto ch_hash, crypto::hash(h, client_hello_));
  TLS13_TRY_ASSIGN(const auto early, keyschedule::early_secret::from_psk(h, t.psk.view()));
  TLS13_TRY_ASSIGN(auto key, early.client_early_traffic(ch_hash));
  log_secret("CLIENT_EARLY_TRAFFIC_SECRET", key);
  // D.4: in compatibility mode the CCS goes right after a ClientHello that carries early data.
  if (client_cfg_->middlebox_compat && !sent_ccs_) TLS13_TRY(send_change_cipher_spec());
  suite_ = t.suite;  // early data is protected with the ticket's suite (§4.2.10)
  TLS13_TRY(install_write(key));
  early_writable_ = true;
  early_budget_ = t.max_early_data;
  return {};
}

result<void> connection_core::client_on_psk_selected(const handshake::server_hello& sh) {
  if (!sh.extensions.has(extension_type::pre_shared_key)) {
    offered_ticket_.reset();  // a full handshake; the ticket was for one use anyway
    return {};
  }
  if (!psk_in_hello_) return protocol_errc::unsupported_extension;
  TLS13_TRY_ASSIGN(const auto index,
                   handshake::decode_pre_shared_key_sh(sh.extensions.get(extension_type::pre_shared_key)));
  if (index != 0) return protocol_errc::illegal_parameter;  // we offered one identity (§4.2.11)
  if (crypto::suite_hash(static_cast<cipher_suite>(sh.cipher_suite)) !=
      crypto::suite_hash(offered_ticket_->suite))
    return protocol_errc::illegal_parameter;
  // Verified once our handshake key is in place (client_on_encrypted_extensions), so that a failure's
  // alert is encrypted as the server expects it.
  if (client_cfg_->reverify_on_resume && !reverified_)
    reverify_chain_ = std::move(offered_ticket_->peer_chain);
  psk_.emplace(offered_ticket_->psk.clone());
  psk_accepted_ = true;
  info_.resumed = true;
  offered_ticket_.reset();
  return {};
}

result<void> connection_core::client_reverify(const der_chain& peer_chain) {
  reverified_ = true;
  const std::vector<bytes> chain(peer_chain.begin(), peer_chain.end());
  // A resumed session carries no staple, so must-staple is not armed here.
  TLS13_TRY(run_verifier(chain, peer_role::server, {}, false));
  if (client_cfg_->verify_peer) info_.peer_chain = peer_chain;
  return {};
}

result<void> connection_core::client_store_ticket(bytes body) {
  TLS13_TRY_ASSIGN(const auto nst, handshake::decode_new_session_ticket(body, config().limit.max_extensions));
  std::uint32_t max_early = 0;
  if (nst.extensions.has(extension_type::early_data)) {
    const bytes e = nst.extensions.get(extension_type::early_data);
    if (e.size() != 4) return decode_errc::bad_length;
    for (auto b : e) max_early = max_early << 8 | std::to_integer<std::uint32_t>(b);
  }
  const auto& store = client_cfg_->ticket_store;
  // Lifetime 0: discard at once (§4.6.1). Without a store the ticket is only validated.
  if (!store || !resumption_ || nst.lifetime == 0 || info_.server_name.empty()) return {};
  session_ticket t;
  t.ticket.assign(nst.ticket.begin(), nst.ticket.end());
  TLS13_TRY_ASSIGN(t.psk, resumption_->resumption_psk(nst.nonce));
  t.suite = suite_;
  t.age_add = nst.age_add;
  t.lifetime = std::min(nst.lifetime, max_ticket_lifetime);
  t.max_early_data = max_early;
  t.received = provider_->now();
  t.alpn = info_.alpn;
  if (client_cfg_->reverify_on_resume) t.peer_chain = info_.peer_chain;
  store->insert(info_.server_name, std::move(t));
  return {};
}

// ---------------------------------------------------------------- server

result<void> connection_core::server_read_psk_modes(const handshake::client_hello& ch) {
  peer_offers_psk_dhe_ = peer_offers_psk_ke_ = false;
  if (!ch.extensions.has(extension_type::psk_key_exchange_modes)) return {};
  TLS13_TRY_ASSIGN(const bytes modes,
                   handshake::decode_psk_modes(ch.extensions.get(extension_type::psk_key_exchange_modes)));
  peer_offers_psk_dhe_ = std::find(modes.begin(), modes.end(), std::byte{psk_dhe_ke}) != modes.end();
  // psk_ke counts only when we would use it (unknown modes are ignored, §4.2.9).
  peer_offers_psk_ke_ = server_cfg_->psk_ke != psk_ke_use::never &&
                        std::find(modes.begin(), modes.end(), std::byte{psk_ke}) != modes.end();
  return {};
}

bool connection_core::server_psk_ke_may_avoid_retry(const handshake::client_hello& ch) const noexcept {
  return peer_offers_psk_ke_ && ch.extensions.has(extension_type::pre_shared_key);
}

result<void> connection_core::server_try_psk(const handshake::client_hello& ch, bytes message,
                                             std::string_view sni, std::string_view alpn, bool share_ready) {
  const auto& ext = ch.extensions;
  if (!ext.has(extension_type::pre_shared_key)) return {};
  TLS13_TRY_ASSIGN(const auto offered, handshake::decode_pre_shared_key_ch(
                                           ext.get(extension_type::pre_shared_key), max_offered_psks));
  const auto& cfg = *server_cfg_;
  // The key exchange mode (§4.2.9): psk_dhe_ke unless psk_ke is allowed and chosen by our policy.
  const bool dhe_possible = peer_offers_psk_dhe_ && share_ready;
  const bool use_ke = peer_offers_psk_ke_ && (cfg.psk_ke == psk_ke_use::prefer || !dhe_possible);
  if (!dhe_possible && !use_ke) return {};  // a full handshake (psk_ke-only offers by default)
  const auto& ring = ticket_ring(cfg);
  const auto now = provider_->now();
  for (std::size_t i = 0; i < std::min(offered.identities.size(), max_tried_psks); ++i) {
    // A stateful ticket is taken out of the store now: whatever happens next, it is used up.
    auto plain = cfg.session_store ? cfg.session_store->take(offered.identities[i].identity, now)
                                   : ring.open(offered.identities[i].identity);
    if (!plain) continue;
    auto t = session::decode_ticket(*plain, cfg.limit.max_chain_length);
    secure_wipe(*plain);
    if (!t || crypto::suite_hash(t->suite) != hash_ || t->server_name != sni) continue;
    if (now < t->issued || now - t->issued >= std::chrono::seconds(t->lifetime)) continue;
    // The identity we pick must have a valid binder, or the handshake ends (§4.2.11).
    const bytes truncated = message.first(message.size() - offered.binders_size);
    TLS13_TRY_ASSIGN(const auto th, binder_transcript(&*transcript_, hash_, truncated));
    TLS13_TRY_ASSIGN(const auto key, resumption_binder_key(hash_, t->psk));
    TLS13_TRY(keyschedule::verify_psk_binder(key, th, offered.binders[i]));
    const auto skew = ticket_age_skew(offered.identities[i].obfuscated_ticket_age, *t, now);
    // 0-RTT only with the first identity (§4.2.10).
    if (i == 0 && server_early_data_allowed(ch, offered.binders[0], skew, now, *t, alpn)) {
      info_.early_data_accepted = true;
      early_budget_ = cfg.max_early_data;
    }
    if (replay_wait_ == replay_wait::pending) return {};  // nothing kept: the ClientHello is re-run
    psk_.emplace(std::move(t->psk));
    psk_accepted_ = true;
    psk_ke_ = use_ke;
    info_.ticket_age_skew = skew;
    selected_psk_ = static_cast<std::uint16_t>(i);
    info_.resumed = true;
    info_.peer_authenticated = t->peer_authenticated;
    info_.peer_chain = std::move(t->peer_chain);
    return {};
  }
  return {};
}

bool connection_core::server_early_data_allowed(const handshake::client_hello& ch, bytes binder,
                                                std::chrono::milliseconds skew,
                                                std::chrono::system_clock::time_point now,
                                                const session::ticket_contents& t, std::string_view alpn) {
  const auto& cfg = *server_cfg_;
  if (!ch.extensions.has(extension_type::early_data) || cfg.max_early_data == 0 || t.max_early_data == 0)
    return false;
  if (t.suite != suite_ || t.alpn != alpn) return false;  // the same suite and ALPN (§4.2.10)
  // The client's view of the ticket age against ours (§8.3). The client got the ticket after we
  // issued it, so its age is at most ours (plus clock-rate slack) and at least ours minus the
  // tolerance. One-sided, so one ClientHello passes for tolerance + slack at most: the anti-replay
  // store must remember it that long (the default Bloom window is twice the default tolerance).
  constexpr std::chrono::milliseconds slack{1000};
  if (skew > slack || skew < -cfg.early_data_age_tolerance) return false;
  // A stateful ticket was taken from the store: a replay of this ClientHello cannot find it again.
  if (cfg.session_store) return true;
  // Last, so that only ClientHellos we would otherwise accept are recorded.
  if (!cfg.external_anti_replay)
    return replay_store(cfg).check_and_insert(binder, now) == replay_verdict::fresh;
  // The driver decides: ask (server_on_client_hello stops here), or use its answer on the re-run.
  if (replay_wait_ == replay_wait::answered) return replay_answer_ == replay_verdict::fresh;
  replay_id_.assign(binder.begin(), binder.end());
  replay_wait_ = replay_wait::pending;
  return false;
}

result<handshake::state> connection_core::server_on_end_of_early_data(bytes body) {
  TLS13_TRY(handshake::decode_end_of_early_data(body));
  // The client's next records are under its handshake key (§4.5); the early key is done.
  TLS13_TRY(install_read(*client_hs_));
  client_early_.reset();
  return handshake::state::server_wait_finished;
}

std::size_t connection_core::server_tickets_to_send() const noexcept {
  if (we_closed_) return 0;  // nothing may follow our close_notify (§6.1)
  // Only tickets the client can use with a mode we take (§4.2.9).
  if (!(peer_offers_psk_dhe_ || peer_offers_psk_ke_)) return 0;
  const auto& cfg = *server_cfg_;
  return std::min<std::size_t>(
      psk_accepted_ ? cfg.tickets_after_resumption : cfg.tickets_after_full_handshake, 255);
}

result<void> connection_core::server_send_tickets() {
  const auto& cfg = *server_cfg_;
  const std::size_t n = server_tickets_to_send();
  if (n == 0 || !resumption_) return {};
  const auto now = provider_->now();
  const auto lifetime =
      static_cast<std::uint32_t>(std::min<std::int64_t>(cfg.ticket_lifetime.count(), max_ticket_lifetime));
  // Every ticket's ticket_age_add from one draw (one DRBG call instead of one per ticket).
  std::array<std::byte, 4 * 255> age_adds{};  // n <= 255 (server_tickets_to_send)
  TLS13_TRY(provider_->random(mut_bytes(age_adds.data(), 4 * n)));
  for (std::size_t i = 0; i < n; ++i) {
    session::ticket_contents t;
    // A counter, unique per ticket of this connection (§4.6.1); two octets, as NSS and RFC 8448 use.
    const std::byte nonce[2] = {static_cast<std::byte>(i >> 8), static_cast<std::byte>(i)};
    TLS13_TRY_ASSIGN(t.psk, resumption_->resumption_psk(nonce));
    for (std::size_t k = 0; k < 4; ++k)
      t.age_add = t.age_add << 8 | std::to_integer<std::uint32_t>(age_adds[4 * i + k]);
    t.suite = suite_;
    t.lifetime = lifetime;
    t.issued = now;
    t.server_name = info_.server_name;
    t.alpn = info_.alpn;
    t.peer_authenticated = info_.peer_authenticated;
    t.peer_chain = info_.peer_chain;
    t.max_early_data = cfg.max_early_data;
    TLS13_TRY_ASSIGN(const auto identity,
                     make_ticket_identity(cfg, *provider_, session::encode_ticket(t), now, lifetime));
    handshake::new_session_ticket m{lifetime, t.age_add, nonce, identity, {}};
    std::vector<std::byte> ext;
    if (cfg.max_early_data > 0) {  // early_data: max_early_data_size (§4.2.10)
      writer e(ext);
      TLS13_TRY(handshake::add_extension(e, extension_type::early_data, [&](writer& b) {
        b.u32(cfg.max_early_data);
        return result<void>{};
      }));
    }
    std::vector<std::byte> msg;
    writer w(msg);
    TLS13_TRY(handshake::encode_new_session_ticket(w, m, ext));
    // Post-handshake: not part of any transcript; sealed with the next flush.
    hs_out_.insert(hs_out_.end(), msg.begin(), msg.end());
  }
  pending_flush_ = true;
  return {};
}

}  // namespace tls13
