// The crypto provider: where the core gets randomness, the time, and ephemeral key exchanges,
// and which algorithms it may negotiate. default_crypto_provider() is the libcrypto (EVP)
// implementation; tests and embedders subclass default_provider to inject deterministic
// randomness, key shares or a fixed clock, or add groups (e.g. hybrid KEMs) on top of it.
//
// One provider is shared by every connection of a config, possibly on several threads:
// implementations must make all member functions safe to call concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <vector>

#include "tls13/secret.hpp"
#include "tls13/types.hpp"

namespace tls13 {

// One ephemeral (EC)DHE key pair for one group. complete() may be called once: it destroys the
// private key whatever the outcome, so the shared secret cannot be derived twice.
class key_exchange {
 public:
  virtual ~key_exchange() = default;
  virtual named_group group() const noexcept = 0;
  // Our KeyShareEntry.key_exchange in TLS encoding (RFC 8446 §4.2.8.2): X25519 32 raw octets,
  // P-256/P-384 the uncompressed point 0x04 || X || Y. Valid for the object's lifetime.
  virtual bytes public_key() const noexcept = 0;
  // The shared secret with the peer's share (RFC 8446 §7.4): X25519 output or the ECDH X coordinate.
  // A malformed or invalid share, or an all-zero X25519 result: protocol_errc::illegal_parameter.
  virtual result<secret> complete(bytes peer_share) = 0;
};

// Which call a key exchange goes through: start_key_exchange (client) or respond_key_exchange (server).
enum class kx_side : std::uint8_t { client, server };

// The server's answer to a client key share, computed at once: what goes into ServerHello and the
// shared secret. One call lets a KEM (encapsulation to the client's key) use the same shape.
struct server_share {
  std::vector<std::byte> key_share;
  secret shared_secret;
};

// The server's answer to a client key share in two steps: key_share() for the ServerHello at once,
// the shared secret at finish(). A server can then send its ServerHello before it derives, and the
// client derives at the same time. The default provider's respond_key_exchange has checked the client
// share (length, encoding, on the curve, X25519 not of small order); a provider's finish() may still
// refuse it (an all-zero X25519 result, RFC 8446 §7.4.2: illegal_parameter). finish() may be called
// once; the private key is gone after it, or with the object.
class key_answer {
 public:
  virtual ~key_answer() = default;
  virtual bytes key_share() const noexcept = 0;
  virtual result<secret> finish() = 0;
};

// A key_answer whose secret is already known (for a provider that computes its answer in one step).
std::unique_ptr<key_answer> ready_answer(server_share computed);

class crypto_provider {
 public:
  virtual ~crypto_provider() = default;

  // Fills `out` from a CSPRNG. Failure: internal_errc::random_failure.
  virtual result<void> random(mut_bytes out) = 0;
  // The clock for certificate validity and ticket ages.
  virtual std::chrono::system_clock::time_point now() const = 0;

  virtual bool supports(named_group g) const noexcept = 0;
  // A fresh key pair for `g` (client side). An unsupported group: internal_errc::invalid_argument.
  virtual result<std::unique_ptr<key_exchange>> start_key_exchange(named_group g) = 0;
  // Server side: answer the client's share (see key_answer). A malformed share:
  // protocol_errc::illegal_parameter; an unsupported group: internal_errc::invalid_argument.
  virtual result<std::unique_ptr<key_answer>> respond_key_exchange(named_group g, bytes client_share) = 0;
  // A hint from a driver with time on its hands (waiting for the peer): a key exchange for `g` is
  // likely to start soon on this thread, for the next connection, as start_key_exchange (`side`
  // client) or respond_key_exchange (server). A provider may compute its key pair now; each must
  // still be used for one handshake only. The default does nothing.
  virtual void prepare_key_exchange(named_group g, kx_side side) noexcept {
    (void)g;
    (void)side;
  }

  // What this provider implements, in default preference order.
  virtual std::span<const cipher_suite> cipher_suites() const noexcept = 0;
  virtual std::span<const named_group> groups() const noexcept = 0;
  // Schemes whose signatures we can verify. rsa_pkcs1_* are for certificates only (RFC 8446 §4.2.3)
  // and come last; the handshake must not accept them in CertificateVerify.
  virtual std::span<const signature_scheme> signature_schemes() const noexcept = 0;
};

// libcrypto: RAND_bytes (draws of up to 64 octets come from a per-thread buffer of its output that a
// forked child never shares, see lib/crypto/random_pool.hpp), the system clock, X25519 / P-256 / P-384
// through EVP_PKEY.
// Every member is virtual so a subclass can override one piece and keep the rest.
class default_provider : public crypto_provider {
 public:
  result<void> random(mut_bytes out) override;
  std::chrono::system_clock::time_point now() const override;
  bool supports(named_group g) const noexcept override;
  result<std::unique_ptr<key_exchange>> start_key_exchange(named_group g) override;
  // (EC)DHE groups: start_key_exchange(g) (the virtual one, so overrides apply) and the client share
  // checked now; complete(client_share) at finish(). Hybrid ML-KEM groups: the encapsulation to the
  // client's key and our ECDH key pair now, the ECDH derive at finish().
  result<std::unique_ptr<key_answer>> respond_key_exchange(named_group g, bytes client_share) override;
  // One spare per group, side and thread, made now and taken by the next start_key_exchange /
  // respond_key_exchange for that group on this thread: a key pair, or for hybrid groups the whole
  // client share (client) or the ECDH half (server; the encapsulation needs the client's key).
  // A spare made before fork() is never used in the child (and the forking thread's are wiped there).
  // A subclass that makes its own key pairs (start_key_exchange overridden: fixed keys, an HSM)
  // should override this with a no-op: the spares would never reach it.
  void prepare_key_exchange(named_group g, kx_side side) noexcept override;
  std::span<const cipher_suite> cipher_suites() const noexcept override;
  std::span<const named_group> groups() const noexcept override;
  std::span<const signature_scheme> signature_schemes() const noexcept override;
};

// The process-wide default_provider (created on first use).
std::shared_ptr<crypto_provider> default_crypto_provider();

// A key exchange with a given private key (tests, RFC 8448 traces; never for real handshakes).
// X25519: the 32 raw octets. P-256/P-384: the big-endian private scalar, leading zero octets
// allowed; it must lie in [1, n-1]. Bad input: internal_errc::invalid_argument.
result<std::unique_ptr<key_exchange>> key_exchange_from_private(named_group g, bytes private_key);

}  // namespace tls13
