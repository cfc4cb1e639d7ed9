// The libcrypto-backed default_provider.
#include <array>

#include "crypto/hybrid_kx.hpp"
#include "crypto/kx.hpp"
#include "crypto/ossl_ptr.hpp"
#include "crypto/random_pool.hpp"
#include "crypto/signature.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/errors.hpp"

namespace tls13 {
namespace {

constexpr std::array<cipher_suite, 3> k_suites{
    cipher_suite::aes_128_gcm_sha256,
    cipher_suite::aes_256_gcm_sha384,
    cipher_suite::chacha20_poly1305_sha256,
};

// Hybrids first: a server picks one whenever the client sent a share for it.
constexpr std::array<named_group, 6> k_groups{
    named_group::x25519_mlkem768, named_group::secp256r1_mlkem768, named_group::secp384r1_mlkem1024,
    named_group::x25519,          named_group::secp256r1,          named_group::secp384r1};

class computed_answer final : public key_answer {
 public:
  explicit computed_answer(server_share s) : share_(std::move(s)), done_(false) {}
  bytes key_share() const noexcept override { return share_.key_share; }
  result<secret> finish() override {
    if (done_) return internal_errc::invalid_state;
    done_ = true;
    return std::move(share_.shared_secret);
  }

 private:
  server_share share_;
  bool done_;
};

}  // namespace

std::unique_ptr<key_answer> ready_answer(server_share computed) {
  return std::make_unique<computed_answer>(std::move(computed));
}

result<void> default_provider::random(mut_bytes out) {
  if (!crypto::pooled_random(out)) return crypto::detail::fail(internal_errc::random_failure);
  return {};
}

std::chrono::system_clock::time_point default_provider::now() const {
  return std::chrono::system_clock::now();
}

bool default_provider::supports(named_group g) const noexcept {
  return crypto::kx_supported(g) || crypto::hybrid_supported(g);
}

result<std::unique_ptr<key_exchange>> default_provider::start_key_exchange(named_group g) {
  if (crypto::hybrid_supported(g)) return crypto::generate_hybrid_key_exchange(g);
  return crypto::generate_key_exchange(g);
}

void default_provider::prepare_key_exchange(named_group g, kx_side side) noexcept {
  if (crypto::hybrid_supported(g) && side == kx_side::client) return crypto::prepare_hybrid_key_exchange(g);
  // A server's hybrid answer encapsulates to the client's key: only its ECDH half can be made ahead.
  crypto::prepare_key_exchange(crypto::hybrid_ecdh_group(g));
}

result<std::unique_ptr<key_answer>> default_provider::respond_key_exchange(named_group g,
                                                                           bytes client_share) {
  // A KEM answers by encapsulating, not with a key pair of its own.
  if (crypto::hybrid_supported(g)) return crypto::answer_hybrid_key_exchange(g, client_share);
  // Our groups' shares are checked before anything is sent: only the derive waits for finish().
  // A subclass's own groups are checked by their key_exchange::complete(), at finish().
  crypto::checked_share peer{g, client_share, nullptr};
  if (crypto::kx_supported(g)) {
    TLS13_TRY_ASSIGN(peer, crypto::check_peer_share(g, client_share));
  }
  TLS13_TRY_ASSIGN(auto kx, start_key_exchange(g));
  return crypto::answer_later(std::move(kx), std::move(peer));
}

std::span<const cipher_suite> default_provider::cipher_suites() const noexcept { return k_suites; }
std::span<const named_group> default_provider::groups() const noexcept { return k_groups; }
std::span<const signature_scheme> default_provider::signature_schemes() const noexcept {
  return crypto::implemented_schemes();
}

std::shared_ptr<crypto_provider> default_crypto_provider() {
  static const std::shared_ptr<crypto_provider> p = std::make_shared<default_provider>();
  return p;
}

result<std::unique_ptr<key_exchange>> key_exchange_from_private(named_group g, bytes private_key) {
  return crypto::key_exchange_from_private(g, private_key);
}

}  // namespace tls13
