#include "crypto/hybrid_kx.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include "crypto/kx.hpp"
#include "crypto/spare_keys.hpp"
#include "tls13/errors.hpp"
#include "tls13/secret.hpp"

namespace tls13::crypto {
namespace {

struct hybrid_traits {
  named_group group;
  named_group ecdh;
  mlkem::parameter_set kem;
  bool kem_first;  // ML-KEM part first in both shares and in the secret (X25519MLKEM768 only)
  std::size_t ecdh_share;
  std::size_t ecdh_secret;
};

constexpr std::array<hybrid_traits, 3> k_hybrids = {{
    {named_group::x25519_mlkem768, named_group::x25519, mlkem::parameter_set::ml_kem_768, true, 32, 32},
    {named_group::secp256r1_mlkem768, named_group::secp256r1, mlkem::parameter_set::ml_kem_768, false, 65,
     32},
    {named_group::secp384r1_mlkem1024, named_group::secp384r1, mlkem::parameter_set::ml_kem_1024, false, 97,
     48},
}};

const hybrid_traits* find_hybrid(named_group g) noexcept {
  for (const auto& t : k_hybrids)
    if (t.group == g) return &t;
  return nullptr;
}

// Wipes a buffer of key material when the scope ends, whatever the path out.
template <class Buffer>
struct wipe_at_exit {
  Buffer& b;
  ~wipe_at_exit() { secure_wipe(mut_bytes(b.data(), b.size())); }
};

struct share_parts {
  bytes kem, ecdh;
};

// The positions of the ML-KEM and ECDH parts in a share of total size kem_size + t.ecdh_share.
struct share_layout {
  std::size_t kem_at, ecdh_at;
};
share_layout layout(const hybrid_traits& t, std::size_t kem_size) noexcept {
  return t.kem_first ? share_layout{0, kem_size} : share_layout{t.ecdh_share, 0};
}

// The caller has checked share.size() == kem_size + t.ecdh_share.
share_parts split(const hybrid_traits& t, bytes share, std::size_t kem_size) noexcept {
  const share_layout at = layout(t, kem_size);
  return {share.subspan(at.kem_at, kem_size), share.subspan(at.ecdh_at, t.ecdh_share)};
}

secret join_secret(const hybrid_traits& t, bytes kem_ss, bytes ecdh_ss) noexcept {
  secret out(kem_ss.size() + ecdh_ss.size());
  const bytes first = t.kem_first ? kem_ss : ecdh_ss;
  const bytes second = t.kem_first ? ecdh_ss : kem_ss;
  std::copy(first.begin(), first.end(), out.data());
  std::copy(second.begin(), second.end(), out.data() + first.size());
  return out;
}

class hybrid_key_exchange final : public key_exchange {
 public:
  hybrid_key_exchange(const hybrid_traits& t, std::unique_ptr<mlkem::decapsulation_key> dk,
                      std::unique_ptr<key_exchange> ecdh, std::vector<std::byte> pub) noexcept
      : traits_(&t), dk_(std::move(dk)), ecdh_(std::move(ecdh)), public_(std::move(pub)) {}
  hybrid_key_exchange(const hybrid_key_exchange&) = delete;
  hybrid_key_exchange& operator=(const hybrid_key_exchange&) = delete;

  named_group group() const noexcept override { return traits_->group; }
  bytes public_key() const noexcept override { return public_; }

  result<secret> complete(bytes peer_share) override {
    // Both private keys die on return, whatever the outcome (~decapsulation_key wipes it).
    const std::unique_ptr<mlkem::decapsulation_key> dk = std::move(dk_);
    std::unique_ptr<key_exchange> ecdh = std::move(ecdh_);
    if (!dk || dk->empty() || !ecdh) return internal_errc::invalid_state;
    const auto sz = mlkem::size_of(traits_->kem);
    // Draft §3.1.2: a ciphertext of the wrong length is illegal_parameter.
    if (peer_share.size() != sz.ciphertext + traits_->ecdh_share) return protocol_errc::illegal_parameter;
    const share_parts parts = split(*traits_, peer_share, sz.ciphertext);
    std::array<std::byte, mlkem::shared_secret_size> kem_ss{};
    wipe_at_exit<decltype(kem_ss)> wipe_ss{kem_ss};
    // Our own key, kept expanded since keygen (no dk parsing, no A-hat expansion). Any other
    // decapsulation failure is ours: internal_error (draft §3.1.2).
    if (!mlkem::decaps(*dk, parts.kem, kem_ss)) return internal_errc::crypto_failure;
    TLS13_TRY_ASSIGN(secret ecdh_ss, ecdh->complete(parts.ecdh));
    return join_secret(*traits_, kem_ss, ecdh_ss.view());
  }

 private:
  const hybrid_traits* traits_;
  std::unique_ptr<mlkem::decapsulation_key> dk_;
  std::unique_ptr<key_exchange> ecdh_;
  std::vector<std::byte> public_;
};

// d and z empty: random key pair.
result<std::unique_ptr<key_exchange>> make_client(const hybrid_traits& t, bytes d, bytes z,
                                                  std::unique_ptr<key_exchange> ecdh) {
  if (!ecdh || ecdh->group() != t.ecdh) return internal_errc::invalid_argument;
  const auto sz = mlkem::size_of(t.kem);
  // ek goes straight into its place in the share.
  std::vector<std::byte> pub(sz.encapsulation_key + t.ecdh_share);
  const share_layout at = layout(t, sz.encapsulation_key);
  const bytes ecdh_pub = ecdh->public_key();
  if (ecdh_pub.size() != t.ecdh_share) return internal_errc::invalid_argument;
  std::copy(ecdh_pub.begin(), ecdh_pub.end(), pub.begin() + static_cast<std::ptrdiff_t>(at.ecdh_at));
  const mut_bytes ek(pub.data() + at.kem_at, sz.encapsulation_key);
  auto dk = std::make_unique<mlkem::decapsulation_key>();
  TLS13_TRY(d.empty() ? mlkem::keygen(t.kem, ek, *dk) : mlkem::keygen_internal(t.kem, d, z, ek, *dk));
  return std::unique_ptr<key_exchange>(
      std::make_unique<hybrid_key_exchange>(t, std::move(dk), std::move(ecdh), std::move(pub)));
}

// The server's answer: the encapsulation and our ECDH share made, the ECDH derive left for finish()
// (a ServerHello can leave before it).
class hybrid_answer final : public key_answer {
 public:
  hybrid_answer(const hybrid_traits& t, std::vector<std::byte> share, secret kem_ss,
                std::unique_ptr<key_answer> ecdh)
      : traits_(&t), share_(std::move(share)), kem_ss_(std::move(kem_ss)), ecdh_(std::move(ecdh)) {}
  bytes key_share() const noexcept override { return share_; }
  result<secret> finish() override {
    const secret kem_ss = std::move(kem_ss_);
    TLS13_TRY_ASSIGN(secret ecdh_ss, ecdh_->finish());  // once: the ECDH answer refuses a second call
    return join_secret(*traits_, kem_ss.view(), ecdh_ss.view());
  }

 private:
  const hybrid_traits* traits_;
  std::vector<std::byte> share_;
  secret kem_ss_;
  std::unique_ptr<key_answer> ecdh_;
};

// An answer's share and secret at once (the one-step respond_* API).
result<server_share> computed(key_answer& a) {
  const bytes share = a.key_share();
  std::vector<std::byte> out(share.begin(), share.end());
  TLS13_TRY_ASSIGN(secret ss, a.finish());
  return server_share{std::move(out), std::move(ss)};
}

// m empty: random encapsulation.
result<std::unique_ptr<key_answer>> answer(const hybrid_traits& t, bytes client_share, bytes m,
                                           std::unique_ptr<key_exchange> ecdh) {
  if (!ecdh || ecdh->group() != t.ecdh) return internal_errc::invalid_argument;
  const auto sz = mlkem::size_of(t.kem);
  if (client_share.size() != sz.encapsulation_key + t.ecdh_share) return protocol_errc::illegal_parameter;
  const share_parts parts = split(t, client_share, sz.encapsulation_key);
  // A bad ECDH point is refused now, before anything is sent (only the derive waits).
  TLS13_TRY_ASSIGN(checked_share ecdh_peer, check_peer_share(t.ecdh, parts.ecdh));
  // The ciphertext goes straight into its place in our share.
  std::vector<std::byte> share(sz.ciphertext + t.ecdh_share);
  const share_layout at = layout(t, sz.ciphertext);
  const mut_bytes ct(share.data() + at.kem_at, sz.ciphertext);
  secret kem_ss(mlkem::shared_secret_size);
  // The encapsulation-key check (FIPS 203 §7.2) fails with illegal_parameter (draft §3.1.2).
  TLS13_TRY(m.empty() ? mlkem::encaps(t.kem, parts.kem, ct, kem_ss.mut_view())
                      : mlkem::encaps_internal(t.kem, parts.kem, m, ct, kem_ss.mut_view()));
  const bytes ecdh_pub = ecdh->public_key();
  if (ecdh_pub.size() != t.ecdh_share) return internal_errc::invalid_argument;
  std::copy(ecdh_pub.begin(), ecdh_pub.end(), share.begin() + static_cast<std::ptrdiff_t>(at.ecdh_at));
  return std::unique_ptr<key_answer>(std::make_unique<hybrid_answer>(
      t, std::move(share), std::move(kem_ss), answer_later(std::move(ecdh), std::move(ecdh_peer))));
}

}  // namespace

bool hybrid_supported(named_group g) noexcept { return find_hybrid(g) != nullptr; }

named_group hybrid_ecdh_group(named_group g) noexcept {
  const hybrid_traits* t = find_hybrid(g);
  return t == nullptr ? g : t->ecdh;
}

hybrid_share_sizes hybrid_sizes(named_group g) noexcept {
  const hybrid_traits* t = find_hybrid(g);
  if (t == nullptr) return {};
  const auto sz = mlkem::size_of(t->kem);
  return {sz.encapsulation_key + t->ecdh_share, sz.ciphertext + t->ecdh_share,
          mlkem::shared_secret_size + t->ecdh_secret};
}

namespace {

result<std::unique_ptr<key_exchange>> new_client(const hybrid_traits& t) {
  TLS13_TRY_ASSIGN(auto ecdh, generate_key_exchange(t.ecdh));
  return make_client(t, {}, {}, std::move(ecdh));
}

}  // namespace

result<std::unique_ptr<key_exchange>> generate_hybrid_key_exchange(named_group g) {
  const hybrid_traits* t = find_hybrid(g);
  if (t == nullptr) return internal_errc::invalid_argument;
  if (auto spare = take_spare(g)) return spare;
  return new_client(*t);
}

void prepare_hybrid_key_exchange(named_group g) noexcept {
  const hybrid_traits* t = find_hybrid(g);
  if (t == nullptr || spare_ready(g)) return;
  // A hint only: on failure generate_hybrid_key_exchange tries again and reports it.
  if (auto kx = new_client(*t)) keep_spare(std::move(*kx));
}

result<std::unique_ptr<key_answer>> answer_hybrid_key_exchange(named_group g, bytes client_share) {
  const hybrid_traits* t = find_hybrid(g);
  if (t == nullptr) return internal_errc::invalid_argument;
  TLS13_TRY_ASSIGN(auto ecdh, generate_key_exchange(t->ecdh));
  return answer(*t, client_share, {}, std::move(ecdh));
}

result<server_share> respond_hybrid_key_exchange(named_group g, bytes client_share) {
  TLS13_TRY_ASSIGN(auto a, answer_hybrid_key_exchange(g, client_share));
  return computed(*a);
}

result<std::unique_ptr<key_exchange>> hybrid_key_exchange_from_seeds(named_group g, bytes d, bytes z,
                                                                     std::unique_ptr<key_exchange> ecdh) {
  const hybrid_traits* t = find_hybrid(g);
  if (t == nullptr || d.size() != 32 || z.size() != 32) return internal_errc::invalid_argument;
  return make_client(*t, d, z, std::move(ecdh));
}

result<server_share> respond_hybrid_key_exchange_with(named_group g, bytes client_share, bytes m,
                                                      std::unique_ptr<key_exchange> ecdh) {
  const hybrid_traits* t = find_hybrid(g);
  if (t == nullptr || m.size() != 32) return internal_errc::invalid_argument;
  TLS13_TRY_ASSIGN(auto a, answer(*t, client_share, m, std::move(ecdh)));
  return computed(*a);
}

}  // namespace tls13::crypto
