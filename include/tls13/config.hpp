// Client and server configuration. Build one, then share it as shared_ptr<const ...> between any
// number of connections on any threads: a config is immutable once a connection uses it.
// Defaults are the safe ones: TLS 1.3 only, verification on, no 0-RTT.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/keys.hpp"
#include "tls13/session.hpp"
#include "tls13/types.hpp"

namespace tls13 {

class crypto_provider;
class certificate_verifier;
class metrics;

// Bounds on everything the peer controls. Exceeding one is a fatal error with the alert named.
struct limits {
  std::size_t max_handshake_message = 64 * 1024;   // decode_error (a Certificate chain is the largest)
  std::size_t max_chain_length = 10;               // certificates in a Certificate message
  std::size_t max_extensions = 64;                 // per extensions block
  std::size_t max_key_shares = 16;                 // in a ClientHello
  std::size_t max_empty_records = 32;              // consecutive empty application_data records
  std::size_t max_warning_alerts = 4;              // user_canceled and friends before closing
  std::size_t max_ccs_records = 32;                // compatibility CCS records dropped in one handshake
  std::size_t max_key_updates_per_flight = 32;     // KeyUpdates received without app data in between
  std::size_t max_skipped_early_data = 64 * 1024;  // rejected 0-RTT bytes skipped (RFC 8446 §4.2.10)
};

// The OCSP response a server staples to one certificate (RFC 6066 §8, RFC 8446 §4.4.2.1), reloadable:
// keep the shared_ptr and call set() / load_file() whenever a fresh response has been fetched
// (before its nextUpdate); the next handshakes staple the new one, handshakes in flight keep theirs.
// Thread-safe. Use one per certificate.
//
// A response goes out only to clients that sent status_request, in the leaf's CertificateEntry, and
// only while it is usable: it verifies for the chain's leaf and issuer (chain[1]: the chain must
// include the issuer, or nothing is stapled), says "good" and is fresh (ocsp_staple_valid_until()
// with the default ocsp_policy). That check runs once per response and its answer (valid until
// nextUpdate + skew) is cached; a response that fails it is retried at most once a minute.
//
// To supply responses another way (a callback into a cache shared between processes, say),
// subclass and override usable(): the handshake staples whatever it returns, as it is.
class ocsp_staple {
 public:
  ocsp_staple() = default;
  explicit ocsp_staple(std::vector<std::byte> der) { set(std::move(der)); }
  virtual ~ocsp_staple() = default;
  ocsp_staple(const ocsp_staple&) = delete;
  ocsp_staple& operator=(const ocsp_staple&) = delete;

  // Replaces the DER OCSPResponse (empty: staple nothing).
  void set(std::vector<std::byte> der);
  // Reads a DER OCSPResponse file (what `openssl ocsp -respout` writes) and set()s it.
  result<void> load_file(const std::string& path);
  // The current response, checked or not (null if none).
  std::shared_ptr<const std::vector<std::byte>> current() const;
  // The response to staple for `chain` at `now`, or null if there is none or it is not usable.
  // Called once per full handshake with a client that sent status_request; must be thread-safe.
  virtual std::shared_ptr<const std::vector<std::byte>> usable(
      const std::vector<std::vector<std::byte>>& chain, std::chrono::system_clock::time_point now) const;

 private:
  struct entry;
  mutable std::mutex mutex_;
  std::shared_ptr<entry> entry_;
};

// A certificate chain (DER, leaf first) and the private key for its leaf.
struct certified_key {
  std::vector<std::vector<std::byte>> chain;
  std::shared_ptr<const signing_key> key;  // a private_key, or your own signer
  // Extra DNS names this key serves for SNI selection (the certificate's own names are not parsed
  // here; the server matches SNI against these). Empty: the key is a default candidate.
  std::vector<std::string> server_names;
  // Server: the OCSP response to staple for this certificate (null: none). See ocsp_staple.
  // Client certificates are never stapled (we do not act on status_request in a CertificateRequest).
  std::shared_ptr<ocsp_staple> ocsp;
};

// NSS key log lines ("CLIENT_HANDSHAKE_TRAFFIC_SECRET <client_random> <secret>"): only called when
// set explicitly. Treat what it receives as the keys to the connection.
using key_log_callback = std::function<void(std::string_view line)>;

// One extension as it goes on the wire (type and body, without the length prefix).
struct raw_extension {
  std::uint16_t type = 0;
  std::vector<std::byte> body;
};

// Conformance-test hook (RFC 8448 traces, BoGo): sees the extension list of each ClientHello,
// ServerHello and EncryptedExtensions we are about to send and may add, drop, reorder or rewrite
// entries. The engine still acts on what its config offered, not on what the hook wrote, so a hook
// can only make a handshake fail, never loosen a check. Production code leaves it empty.
using extension_hook = std::function<void(handshake_type message, std::vector<raw_extension>& extensions)>;

struct common_config {
  std::shared_ptr<crypto_provider> provider;  // null: the default OpenSSL provider
  // In preference order. Defaults: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305.
  std::vector<cipher_suite> cipher_suites;
  // In preference order. Default: X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024, X25519,
  // P-256, P-384 (hybrids first: a server picks one whenever the client offers a share for it).
  std::vector<named_group> groups;
  // Schemes we accept from the peer, in preference order. Default: every scheme we implement.
  std::vector<signature_scheme> signature_schemes;
  // ALPN protocols in preference order (server: its preference wins). Empty: no ALPN.
  std::vector<std::string> alpn;
  // Verifies the peer's chain. Client default: the system trust store with host-name checks,
  // loaded once per process (again if SSL_CERT_FILE / SSL_CERT_DIR change) and shared.
  std::shared_ptr<const certificate_verifier> verifier;
  key_log_callback key_log;
  limits limit;
  // RFC 8449 record_size_limit we announce (plaintext bytes + 1); 0 = do not send the extension.
  std::uint16_t record_size_limit = 0;
  // Plaintext bytes per record we send, every record type (OpenSSL's max_send_fragment); 0 = 2^14,
  // other values are clamped to 512..16384. Smaller records cut latency for interactive traffic on slow links
  // at some cost in bandwidth and CPU. The peer's record_size_limit, if lower, still wins.
  std::size_t max_send_fragment = 0;
  // Key sizes accepted from the peer's certificate for CertificateVerify.
  key_policy peer_key_policy;
  extension_hook extension_hook_for_testing;  // see extension_hook; empty in production
  // Counters (tls13/metrics.hpp) every connection of this config adds to; null: none kept.
  std::shared_ptr<tls13::metrics> metrics;
};

struct client_config : common_config {
  // Key shares sent in the first ClientHello. 0 (default): the first entry of `groups`, plus the
  // first classical (EC)DHE group when that entry is a hybrid ML-KEM group, as browsers do, so a
  // server without ML-KEM answers without a HelloRetryRequest. n > 0: the first n entries.
  std::size_t key_shares = 0;
  // RFC 8446 D.4: a fake session id and a ChangeCipherSpec, so middleboxes see a TLS 1.2 resumption.
  bool middlebox_compat = true;
  // Our certificate for servers that ask for one (null: we answer with an empty Certificate).
  std::shared_ptr<const certified_key> client_certificate;
  // false: no peer verification at all (tests and debugging only).
  bool verify_peer = true;
  // OCSP stapling (RFC 6066 §8, RFC 8446 §4.4.2.1): send status_request (type ocsp, no responder
  // ids, no extensions) and hand the response stapled to the server's leaf to the verifier
  // (verify_request::ocsp_response, ocsp_requested = true). The default verifier's policy is
  // soft-fail (verifier_options::ocsp): a missing staple is fine unless the leaf is must-staple;
  // a revoked one is certificate_revoked, an unusable one bad_certificate_status_response.
  // false: no status_request, and a stapled response is unsupported_extension.
  bool request_ocsp = true;
  // Resumption: tickets from servers are kept here and each offered once in a later ClientHello to
  // the same server name (RFC 8446 §4.6.1, §2.2). Null: no resumption (and no psk_key_exchange_modes,
  // so servers send no tickets). Share one store between the connections that should resume.
  std::shared_ptr<const client_ticket_store> ticket_store;
  // 0-RTT (RFC 8446 §2.3): offer early data when the ticket allows it; connection::write_early()
  // sends it. Early data can be replayed by an attacker: send only what is safe to repeat
  // (docs/ZERO_RTT.md). Off by default.
  bool enable_early_data = false;
  // Resumption: verify the server's chain from the original handshake again (kept in the ticket)
  // with the verifier as it is now, so a trust change also ends resumed sessions; a ticket with no
  // chain is then not offered. With 0-RTT the check runs before the early data is sent.
  bool reverify_on_resume = false;
  // Resumption: offer psk_ke (RFC 8446 §4.2.9) besides psk_dhe_ke, so a server configured for it
  // may resume without an (EC)DHE exchange. Cheaper, but such a session has no forward secrecy:
  // anyone who later obtains the server's ticket key and recorded the connection can read it.
  // Key shares are still sent (a server may pick psk_dhe_ke or a full handshake). Off by default.
  bool offer_psk_ke = false;
};

enum class client_auth { none, optional, required };

// When a server resumes without (EC)DHE (psk_ke, RFC 8446 §4.2.9), for clients that offer it.
// psk_ke saves the key exchange but gives up forward secrecy for the resumed session (see
// client_config::offer_psk_ke). OpenSSL's SSL_OP_PREFER_NO_DHE_KEX is `prefer`; its
// SSL_OP_ALLOW_NO_DHE_KEX is more conservative than `instead_of_retry`: it takes psk_ke only when
// the client offered psk_ke alone or no group is shared, and otherwise pays the HelloRetryRequest
// to keep (EC)DHE.
enum class psk_ke_use {
  never,             // psk_dhe_ke only: a psk_ke-only offer gets a full handshake (the default)
  instead_of_retry,  // psk_ke when the client offers it and psk_dhe_ke is not possible at once
                     // (it offered psk_ke only, or no key share we take, which would need an HRR)
  prefer,            // psk_ke whenever the client offers it
};

struct server_config : common_config {
  // Certificates to choose from by SNI and signature algorithm; the first is the default.
  std::vector<std::shared_ptr<const certified_key>> certificates;
  client_auth client_authentication = client_auth::none;
  // Sent in the CertificateRequest (certificate_authorities, RFC 8446 §4.2.4) so clients with
  // several certificates pick one these CAs issued: DER-encoded X.509 Names. Empty: not sent.
  std::vector<std::vector<std::byte>> certificate_authorities;
  // Key for the stateless HelloRetryRequest cookie (HMAC); empty: a random key per config.
  std::vector<std::byte> cookie_key;
  // Send HRR with a cookie when no acceptable key share was offered (always stateless here).
  bool require_alpn_match = true;  // no ALPN overlap -> no_application_protocol
  // Resumption (RFC 8446 §4.6.1): stateless tickets sealed by `ticket_keys` (null: one ring per
  // process, rotated hourly, 24 previous keys kept). Tickets go only to clients that offered
  // psk_dhe_ke; a ticket that cannot be used (unknown key, expired, other SNI, hash) falls back to
  // a full handshake. 0 tickets: no resumption.
  std::shared_ptr<const ticket_key_ring> ticket_keys;
  // Stateful tickets instead (RFC 8446 §8.1): the session state stays in this store and the ticket
  // is a random id, usable once. Set, it replaces `ticket_keys`, and 0-RTT under its tickets needs
  // no `anti_replay` check (a replayed ClientHello finds its ticket already taken).
  std::shared_ptr<const server_session_store> session_store;
  std::size_t tickets_after_full_handshake = 2;
  std::size_t tickets_after_resumption = 1;
  // Send the tickets right after our flight instead of after the client's Finished, when the
  // client is not authenticating, 0-RTT was not accepted and the tickets are stateless (no
  // session_store) (RFC 8446 §4.6.1, Note): the server computes the client's Finished itself, seals
  // the tickets while the client checks the flight, and a client that opens connections in parallel
  // can resume one round trip sooner. The tickets then reach a client before it has proved anything;
  // without client authentication that proves nothing anyway (any client can finish the handshake),
  // but a client that drops the connection after our flight costs us the sealing.
  bool tickets_before_client_finished = true;
  // Write the ServerHello (and compatibility CCS) as soon as it is made, before we derive the
  // (EC)DHE secret, and the rest of the flight (EncryptedExtensions .. Finished) when it is derived
  // (and in a full handshake signed). The client then derives its shared secret and handshake keys
  // while we derive and sign, which takes that time off every handshake's latency, at the cost of
  // one more write (and TCP segment) per handshake. psk_ke resumptions keep one write: after their
  // ServerHello there is nothing slow left to do. So do handshakes that accept 0-RTT: the whole
  // flight goes first, so that 0.5-RTT data can follow it at once.
  bool flush_server_hello_early = true;
  std::chrono::seconds ticket_lifetime{7200};  // at most 7 days (validate() refuses more)
  // Resumption without (EC)DHE; see psk_ke_use. Tickets also go to clients offering psk_ke only
  // when this is not `never`.
  psk_ke_use psk_ke = psk_ke_use::never;
  // 0-RTT: accept up to this many bytes of early data on resumption (0: never; the default).
  // Early data is taken only with the first PSK, the ticket's suite and ALPN, a ticket age within
  // `early_data_age_tolerance` of ours, and a ClientHello `anti_replay` has not seen (null: one
  // Bloom filter per process). It arrives as events::app_data{early = true} before handshake_done.
  std::uint32_t max_early_data = 0;
  std::shared_ptr<const anti_replay_store> anti_replay;
  // Replay decisions by the driver instead of `anti_replay` (e.g. a store it asks asynchronously):
  // poll() returns events::replay_check and waits for connection::resolve_replay_check().
  bool external_anti_replay = false;
  // The anti-replay store must remember a ClientHello for tolerance + 1 s (validate() checks this
  // for the default store, whose window is 20 s).
  std::chrono::milliseconds early_data_age_tolerance{10000};
};

// Checks a server config before use (at least one certificate, each with a key and a chain).
// Empty lists in any config mean "the defaults"; connections resolve them without copying.
result<void> validate(const server_config& c);

}  // namespace tls13
