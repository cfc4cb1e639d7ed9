// Certificates, trust stores, the strict path validator the handshake calls, and OCSP.
//
// The default verifier builds the path with libcrypto (X509_verify_cert: candidate issuers, cross-signed
// roots, loops, depth, name constraints, X509_V_FLAG_X509_STRICT, X509_V_FLAG_PARTIAL_CHAIN so trust
// anchors need not be self-signed) and then applies the web-PKI rules OpenSSL does not enforce by
// default: extendedKeyUsage by role, keyUsage, no CA as end entity, SAN required and matched per
// RFC 9525 (no CN fallback), version 3 and serial rules, duplicate and unknown critical extensions,
// no MD5 / SHA-1 signatures, RSA >= 2048 and only P-256 / P-384 / Ed25519 keys, bounded path-building
// work. docs/X509.md lists every rule and where it differs from OpenSSL's defaults.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/errors.hpp"
#include "tls13/keys.hpp"
#include "tls13/types.hpp"

struct x509_store_ctx_st;  // OpenSSL's X509_STORE_CTX (opaque here; <openssl/x509_vfy.h> to use it)

namespace tls13 {

using der_chain = std::vector<std::vector<std::byte>>;

// Parses every CERTIFICATE block of a PEM text, in order (leaf first for a chain file).
result<der_chain> load_certificate_chain_pem(std::string_view pem);
result<der_chain> load_certificate_chain_file(const std::string& path);

enum class peer_role : std::uint8_t { server, client };

// A set of trust anchors. Thread-safe once built; share it between verifiers. To reload anchors
// without a restart, build a new store and a new verifier and swap them into the config.
class trust_store {
 public:
  static result<std::shared_ptr<trust_store>> create();
  // The distribution's default locations (SSL_CERT_FILE / SSL_CERT_DIR honoured).
  static result<std::shared_ptr<trust_store>> system_default();

  result<void> add_pem(std::string_view pem);  // every certificate in the text becomes an anchor
  result<void> add_der(bytes der);
  result<void> load_file(const std::string& path);
  result<void> add_directory(const std::string& path);  // OpenSSL hashed directory (c_rehash)

  ~trust_store();
  trust_store(const trust_store&) = delete;
  trust_store& operator=(const trust_store&) = delete;

  struct impl;
  impl& native() const noexcept { return *impl_; }

 private:
  trust_store() noexcept;
  std::unique_ptr<impl> impl_;
};

struct verify_request {
  const std::vector<bytes>* chain = nullptr;  // DER, leaf first, as the peer sent it
  // Host to check (client side); empty: no host check. An IPv4 / IPv6 literal is matched against the
  // iPAddress SANs only, anything else against the dNSName SANs (A-labels, case-insensitive).
  std::string_view server_name;
  peer_role role = peer_role::server;           // whose chain this is
  std::chrono::system_clock::time_point now{};  // validation time; the zero time_point means "now"
  // Optional IP target (textual IPv4 / IPv6), matched exactly against iPAddress SANs. When set,
  // server_name must be empty.
  std::string_view ip_address{};
  // OCSP (RFC 6066 / RFC 8446 §4.4.2.1): the DER OCSPResponse stapled to the leaf's CertificateEntry
  // (empty: none), and whether we asked for one (status_request), which arms must-staple.
  bytes ocsp_response{};
  bool ocsp_requested = false;
};

class certificate_verifier {
 public:
  virtual ~certificate_verifier() = default;
  // certificate_errc on rejection (mapped to the RFC 8446 alert by to_alert()).
  virtual result<void> verify(const verify_request& req) const = 0;
};

// Web-PKI rules that can be tuned. The defaults are the strict policy of docs/X509.md.
struct verify_policy {
  std::size_t max_peer_certificates = 10;  // certificates the peer may send (leaf included)
  unsigned max_path_attempts = 4;          // path builds per verification (retries around a bad issuer)
  key_policy keys{};                       // RSA modulus bounds for every key of the path
  bool require_leaf_eku = true;            // the leaf must carry extendedKeyUsage
  bool require_server_san = true;          // a server leaf must carry subjectAltName
};

enum class ocsp_mode : std::uint8_t {
  soft_fail,  // a missing, unusable or "unknown" staple is ignored; "revoked" is always fatal
  hard_fail,  // a good, fresh, verified staple is required for every leaf that has an issuer
};

struct ocsp_policy {
  ocsp_mode mode = ocsp_mode::soft_fail;
  bool enforce_must_staple = true;  // RFC 7633: a leaf with status_request in its TLS feature needs a staple
  std::chrono::seconds skew{300};   // clock skew allowed around thisUpdate / nextUpdate
  std::chrono::seconds max_age_without_next_update{86400};  // freshness when nextUpdate is absent
};

// The application's verify callback, OpenSSL style (SSL_CTX_set_verify's callback; asio's
// set_verify_callback adapts its verify_context to it). Called for the certificates of the built
// path with a real X509_STORE_CTX whose current certificate, error and error depth are set
// (X509_STORE_CTX_get_current_cert / get_error / get_error_depth): for every problem found, with
// preverified false and the X509_V_ERR_* code (libcrypto's own, or the one fitting our rule), then for
// each certificate from the anchor down to the leaf with preverified true, as X509_verify_cert does.
// Returning false rejects the chain; returning true on a preverified-false call overrides that
// rejection, for the rules docs/X509.md lists as overridable (the others fail whatever it returns).
// Called only when verification runs (a client with verify_peer false checks nothing), possibly on
// several threads at once when a verifier is shared. Must not throw (the core has no exceptions).
using x509_verify_callback = std::function<bool(bool preverified, x509_store_ctx_st* ctx)>;

struct verifier_options {
  int max_depth = 8;  // intermediates allowed between leaf and anchor
  verify_policy policy{};
  ocsp_policy ocsp{};
  x509_verify_callback verify_callback{};  // empty: the strict policy decides alone (the default)
  // The default verifier remembers the last `cache_entries` chains it accepted (with the name, role
  // and whether OCSP was asked for) and accepts them again without rebuilding their path, for
  // `cache_ttl` and never past the earliest notAfter on the path. Not used with a verify callback
  // or a stapled OCSP response. 0 turns it off. docs/X509.md, "Accepted-chain cache".
  std::size_t cache_entries = 64;
  std::chrono::seconds cache_ttl{300};
};

// The outcome of one validation, with what the `tls13 verify` command prints.
struct verify_report {
  std::error_code error;  // empty on success
  std::string reason;     // human-readable explanation of the failure (no secrets); empty on success
  int depth = -1;         // position in the built path of the offending certificate; -1 if none
  der_chain chain;        // the path to the anchor, leaf first (empty if none was built)
  std::vector<std::string> subjects;  // RFC 2253 subjects of `chain`
  explicit operator bool() const noexcept { return !error; }
};

// Validates req against the anchors in `roots`. The default verifier returns report.error.
verify_report verify_certificate_chain(const trust_store& roots, const verify_request& req,
                                       const verifier_options& opts = {});

std::shared_ptr<const certificate_verifier> make_default_verifier(std::shared_ptr<const trust_store> roots,
                                                                  verifier_options opts = {});

// ---- OCSP (RFC 6960) ----

enum class ocsp_cert_status : std::uint8_t { good, revoked, unknown };

struct ocsp_response_info {
  ocsp_cert_status status = ocsp_cert_status::unknown;
  std::chrono::system_clock::time_point this_update{};
  std::chrono::system_clock::time_point next_update{};  // zero if the response has none
  std::chrono::system_clock::time_point revocation_time{};
  int revocation_reason = -1;  // CRLReason, -1 if none
  // Until when the response may be relied on (nextUpdate + skew, or thisUpdate + max age).
  std::chrono::system_clock::time_point valid_until{};
};

// Verifies a DER OCSPResponse for `leaf` (issued by `issuer`, both DER, from a validated chain) at
// time `now`: a successful basic response signed by the issuer, or by a delegated responder that the
// issuer certified with id-kp-OCSPSigning and that is valid at `now`; a SingleResponse whose CertID
// names the leaf; thisUpdate <= now + skew and now - skew <= nextUpdate. No MD5 / SHA-1 signatures.
//   good / unknown        -> the info (callers decide what "unknown" means for them)
//   revoked               -> certificate_errc::revoked
//   anything else         -> certificate_errc::bad_status_response (alert bad_certificate_status_response);
//                            a leaf or issuer that does not parse -> bad_certificate
// `why`, if given, receives a human-readable reason on failure (and the revocation details).
result<ocsp_response_info> verify_ocsp_response(bytes response, bytes leaf, bytes issuer,
                                                std::chrono::system_clock::time_point now,
                                                const ocsp_policy& policy = {}, std::string* why = nullptr);

// Server side: may this response still be stapled? Verifies it like verify_ocsp_response and requires
// status good. Returns until when it stays usable (reload before then); an error if it is not usable now.
result<std::chrono::system_clock::time_point> ocsp_staple_valid_until(
    bytes response, bytes leaf, bytes issuer, std::chrono::system_clock::time_point now,
    const ocsp_policy& policy = {});

// RFC 7633 must-staple: the leaf carries the TLS feature extension (1.3.6.1.5.5.7.1.24) listing
// status_request (5). bad_certificate if the certificate or the extension does not parse.
result<bool> requires_ocsp_staple(bytes leaf);

}  // namespace tls13
