// The in-memory ticket-key ring. A ticket is
//
//   format(1) = 1 | key_id(8) | salt(16) | AES-256-GCM(ticket_key, nonce = 0, aad = the 25 octets before)
//
// with ticket_key = HKDF-Expand(HKDF-Extract(salt, ring_key), "tls13 ticket v1", 32). The key is
// new for every ticket (random salt), so the fixed nonce never repeats under one key; changing the
// label or the format octet invalidates every older ticket.
#include <algorithm>
#include <array>
#include <mutex>
#include <shared_mutex>
#include <string_view>

#include "crypto/aead.hpp"
#include "crypto/hkdf.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/session.hpp"

namespace tls13 {
namespace {

constexpr std::uint8_t ticket_format = 1;
constexpr std::size_t id_size = 8, salt_size = 16, ring_key_size = 32;
constexpr std::size_t header_size = 1 + id_size + salt_size;
constexpr std::string_view ticket_label = "tls13 ticket v1";
constexpr std::uint8_t export_format = 1;
constexpr std::size_t max_keys = 255;  // what the export format can carry

using key_id = std::array<std::byte, id_size>;

struct ring_key {
  key_id id{};
  secret key;
  std::chrono::system_clock::time_point created;
};

bytes as_bytes(std::string_view s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }

result<secret> ticket_key(const secret& ring, bytes salt) {
  TLS13_TRY_ASSIGN(const secret prk, crypto::hkdf_extract(crypto::hash_alg::sha256, salt, ring.view()));
  secret okm(32);
  TLS13_TRY(
      crypto::hkdf_expand(crypto::hash_alg::sha256, prk.view(), as_bytes(ticket_label), okm.mut_view()));
  return okm;
}

result<ring_key> fresh_key(std::chrono::system_clock::time_point now) {
  ring_key k;
  k.key = secret(ring_key_size);
  auto& rng = *default_crypto_provider();
  TLS13_TRY(rng.random(k.id));
  TLS13_TRY(rng.random(k.key.mut_view()));
  k.created = now;
  return k;
}

class memory_ring final : public ticket_key_ring {
 public:
  explicit memory_ring(options o) : opt_(o) {}

  result<std::vector<std::byte>> seal(bytes plaintext,
                                      std::chrono::system_clock::time_point now) const override {
    rotate_if_due(now);
    std::array<std::byte, header_size> header{};
    header[0] = std::byte{ticket_format};
    TLS13_TRY(default_crypto_provider()->random(mut_bytes(header).subspan(1 + id_size)));
    std::optional<secret> key;
    {
      std::shared_lock lock(mu_);
      if (keys_.empty()) return internal_errc::invalid_state;
      std::copy(keys_.front().id.begin(), keys_.front().id.end(), header.begin() + 1);
      TLS13_TRY_ASSIGN(auto k, ticket_key(keys_.front().key, bytes(header).subspan(1 + id_size)));
      key.emplace(std::move(k));
    }
    TLS13_TRY_ASSIGN(auto aead, crypto::aead_ctx::create(crypto::aead_alg::aes_256_gcm,
                                                         crypto::direction::seal, key->view()));
    std::vector<std::byte> out(header_size + plaintext.size() + crypto::aead_tag_size);
    std::copy(header.begin(), header.end(), out.begin());
    const std::array<std::byte, crypto::aead_nonce_size> nonce{};
    TLS13_TRY(aead.seal(nonce, header, plaintext, mut_bytes(out).subspan(header_size)));
    return out;
  }

  std::optional<std::vector<std::byte>> open(bytes ticket) const override {
    if (ticket.size() < header_size + crypto::aead_tag_size || ticket[0] != std::byte{ticket_format})
      return std::nullopt;
    const bytes id = ticket.subspan(1, id_size), salt = ticket.subspan(1 + id_size, salt_size);
    std::optional<secret> key;
    {
      std::shared_lock lock(mu_);
      const auto it = std::find_if(keys_.begin(), keys_.end(), [&](const ring_key& k) {
        return std::equal(id.begin(), id.end(), k.id.begin());
      });
      if (it == keys_.end()) return std::nullopt;
      auto k = ticket_key(it->key, salt);
      if (!k) return std::nullopt;
      key.emplace(std::move(*k));
    }
    auto aead = crypto::aead_ctx::create(crypto::aead_alg::aes_256_gcm, crypto::direction::open, key->view());
    if (!aead) return std::nullopt;
    std::vector<std::byte> body(ticket.begin() + header_size, ticket.end());
    const std::array<std::byte, crypto::aead_nonce_size> nonce{};
    auto n = aead->open(nonce, ticket.first(header_size), body);
    if (!n) {
      secure_wipe(body);
      return std::nullopt;
    }
    body.resize(*n);
    return body;
  }

  void rotate(std::chrono::system_clock::time_point now) const override {
    auto k = fresh_key(now);
    if (!k) return;  // a failing CSPRNG: keep the current key rather than stop issuing tickets
    std::unique_lock lock(mu_);
    push_locked(std::move(*k));
  }

  std::vector<std::byte> export_keys() const override {
    std::shared_lock lock(mu_);
    std::vector<std::byte> out{std::byte{export_format}, static_cast<std::byte>(keys_.size())};
    for (const auto& k : keys_) {
      out.insert(out.end(), k.id.begin(), k.id.end());
      out.insert(out.end(), k.key.view().begin(), k.key.view().end());
    }
    return out;
  }

  result<void> import_keys(bytes blob, std::chrono::system_clock::time_point now) const override {
    constexpr std::size_t entry = id_size + ring_key_size;
    if (blob.size() < 2 || blob[0] != std::byte{export_format}) return decode_errc::bad_value;
    const std::size_t n = std::to_integer<std::size_t>(blob[1]);
    if (n == 0 || blob.size() != 2 + n * entry) return decode_errc::bad_value;
    std::vector<ring_key> keys(n);
    for (std::size_t i = 0; i < n; ++i) {
      const bytes e = blob.subspan(2 + i * entry, entry);
      std::copy(e.begin(), e.begin() + id_size, keys[i].id.begin());
      keys[i].key = secret::from(e.subspan(id_size));
      keys[i].created = now;  // the importer's clock decides when it rotates next
    }
    std::unique_lock lock(mu_);
    keys_ = std::move(keys);
    return {};
  }

  void rotate_if_due(std::chrono::system_clock::time_point now) const {
    {
      std::shared_lock lock(mu_);
      if (!due_locked(now)) return;
    }
    auto k = fresh_key(now);
    if (!k) return;
    std::unique_lock lock(mu_);
    if (!due_locked(now)) return;  // another thread rotated meanwhile
    push_locked(std::move(*k));
  }

  bool due_locked(std::chrono::system_clock::time_point now) const {
    return keys_.empty() ||
           (opt_.rotate_every.count() != 0 && now - keys_.front().created >= opt_.rotate_every);
  }

  void push_locked(ring_key k) const {
    keys_.insert(keys_.begin(), std::move(k));
    const std::size_t keep = std::min(opt_.keep + 1, max_keys);
    if (keys_.size() > keep) keys_.resize(keep);
  }

 private:
  options opt_;
  mutable std::shared_mutex mu_;
  mutable std::vector<ring_key> keys_;  // current first
};

}  // namespace

std::shared_ptr<ticket_key_ring> ticket_key_ring::create(options o) {
  return std::make_shared<memory_ring>(o);
}

}  // namespace tls13
