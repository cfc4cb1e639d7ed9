// test_config -> client_config / server_config.
#include "shim_setup.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "shim_errors.hpp"
#include "tls13/keys.hpp"

namespace bogo {
namespace {

using namespace tls13;

// BoringSSL accepts RSA keys of any size; the runner's test keys include 1024-bit RSA.
constexpr key_policy test_key_policy{1024, 8192};

// BoringSSL's TLS 1.3 ticket lifetime (SSL_DEFAULT_SESSION_PSK_DHE_TIMEOUT, two days).
constexpr std::chrono::seconds boringssl_ticket_lifetime{2 * 24 * 3600};

// BoringSSL's server 0-RTT settings: it accepts 14 KiB of early data (kMaxEarlyDataAccepted) and a
// ticket age within 60 s of its own view (kMaxTicketAgeSkewSeconds).
constexpr std::uint32_t boringssl_max_early_data = 14336;
constexpr std::chrono::seconds boringssl_ticket_age_skew{60};

[[noreturn]] void setup_failed(const std::string& what, std::error_code ec) {
  std::fprintf(stderr, "shim setup: %s: %s\n", what.c_str(), describe_error(ec).c_str());
  std::exit(1);
}

// Restricts a key to the -signing-prefs order (SSL_set_signing_algorithm_prefs).
class preferring_key final : public signing_key {
 public:
  preferring_key(std::shared_ptr<const private_key> key, std::vector<signature_scheme> prefs)
      : key_(std::move(key)), prefs_(std::move(prefs)) {}
  // The core reads schemes() strongest-last and reverses it; hand it the preference order reversed.
  std::vector<signature_scheme> schemes() const override {
    std::vector<signature_scheme> out;
    for (auto s : prefs_)
      if (key_->can_sign(s)) out.push_back(s);
    std::reverse(out.begin(), out.end());
    return out;
  }
  result<std::vector<std::byte>> sign(signature_scheme s, bytes message) const override {
    return key_->sign(s, message);
  }

 private:
  std::shared_ptr<const private_key> key_;
  std::vector<signature_scheme> prefs_;
};

// SSL_set_ocsp_response: BoringSSL staples the configured bytes as they are, to a client that sent
// status_request, and never parses them; BoGo's responses are placeholders (01 02 03 04), not DER
// OCSPResponses. ocsp_staple's documented extension point (override usable()) does the same here:
// the core staples what usable() returns, on full handshakes with a client that asked.
class raw_staple final : public ocsp_staple {
 public:
  explicit raw_staple(const std::string& response)
      : bytes_(std::make_shared<const std::vector<std::byte>>(
            reinterpret_cast<const std::byte*>(response.data()),
            reinterpret_cast<const std::byte*>(response.data()) + response.size())) {}
  std::shared_ptr<const std::vector<std::byte>> usable(const std::vector<std::vector<std::byte>>&,
                                                       std::chrono::system_clock::time_point) const override {
    return bytes_;
  }

 private:
  std::shared_ptr<const std::vector<std::byte>> bytes_;
};

std::shared_ptr<const certified_key> load_credential(const test_config& c) {
  if (c.cert_file.empty() && c.key_file.empty()) return nullptr;
  if (c.cert_file.empty() || c.key_file.empty()) unimplemented("a certificate without a key or the reverse");
  auto chain = load_certificate_chain_file(c.cert_file);
  if (!chain) setup_failed("cannot load " + c.cert_file, chain.error());
  auto key = private_key::from_pem_file(c.key_file, test_key_policy);
  if (!key) unimplemented("private key " + c.key_file + " (" + key.error().message() + ")");
  auto ck = std::make_shared<certified_key>();
  ck->chain = std::move(*chain);
  auto shared = std::make_shared<const private_key>(std::move(*key));
  if (c.signing_prefs.empty()) {
    ck->key = shared;
  } else {
    std::vector<signature_scheme> prefs;
    for (int v : c.signing_prefs) prefs.push_back(static_cast<signature_scheme>(v));
    ck->key = std::make_shared<preferring_key>(shared, std::move(prefs));
  }
  // Our client never staples to its own certificate (nor does BoringSSL's, in TLS 1.3).
  if (!c.ocsp_response.empty()) ck->ocsp = std::make_shared<raw_staple>(c.ocsp_response);
  return ck;
}

std::vector<named_group> groups_from(const test_config& c, const crypto_provider& provider) {
  std::vector<named_group> out;
  for (int v : c.curves) {
    const auto g = static_cast<named_group>(v);
    if (!provider.supports(g)) unimplemented("group " + std::to_string(v));
    out.push_back(g);
  }
  return out;
}

std::vector<std::byte> from_hex(std::string_view hex) {
  std::vector<std::byte> out;
  auto nibble = [](char ch) { return ch <= '9' ? ch - '0' : ch - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::byte>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  return out;
}

// SSL_get_traffic_secrets through the public key-log callback: "LABEL <client_random> <secret>".
void capture_traffic_secrets(common_config& cfg, const std::shared_ptr<traffic_secrets>& out) {
  cfg.key_log = [out](std::string_view line) {
    const auto last_space = line.rfind(' ');
    if (last_space == std::string_view::npos) return;
    const auto secret = from_hex(line.substr(last_space + 1));
    if (line.starts_with("CLIENT_TRAFFIC_SECRET_0 ")) out->client = secret;
    if (line.starts_with("SERVER_TRAFFIC_SECRET_0 ")) out->server = secret;
  };
}

// Everything both roles set the same way.
void apply_common(const test_config& c, shim_state& state, common_config& cfg, connection_setup& s) {
  cfg.provider = state.clock;
  cfg.groups = groups_from(c, *state.clock);
  for (int v : c.verify_prefs) cfg.signature_schemes.push_back(static_cast<signature_scheme>(v));
  cfg.peer_key_policy = test_key_policy;
  // BoringSSL bounds a Certificate message by its size (max_cert_list) only, not by the number of
  // certificates: our count limit is raised so that the size limit decides, as there.
  cfg.limit.max_chain_length = 100;
  if (c.max_cert_list > 0) cfg.limit.max_handshake_message = static_cast<std::size_t>(c.max_cert_list);
  // BoringSSL skips at most 16 KiB of rejected 0-RTT data (kMaxEarlyDataSkipped).
  cfg.limit.max_skipped_early_data = 16384;
  // SSL_set_max_send_fragment: every record we send, handshake records included (clamped the same way).
  if (c.max_send_fragment > 0) cfg.max_send_fragment = static_cast<std::size_t>(c.max_send_fragment);
  // SSL_VERIFY_PEER comes from -verify-peer or -require-any-client-certificate; without it a
  // failing verify callback is recorded but does not stop the handshake.
  const bool enforce = c.verify_peer || c.require_any_client_certificate;
  s.verifier = std::make_shared<shim_verifier>(c.verify_fail, enforce, c.use_custom_verify_callback,
                                               !c.expect_ocsp_response.empty());
  cfg.verifier = s.verifier;
  if (c.export_traffic_secrets) {
    s.secrets = std::make_shared<traffic_secrets>();
    capture_traffic_secrets(cfg, s.secrets);
  }
}

connection_setup make_client(const test_config& c, shim_state& state) {
  auto cfg = std::make_shared<client_config>();
  connection_setup s;
  apply_common(c, state, *cfg, s);
  cfg->verify_peer = true;  // the shim's verifier decides, as BoringSSL's verify callback does
  // BoringSSL asks for OCSP only with -enable-ocsp-stapling (SSL_enable_ocsp_stapling); without it a
  // stapled response is an unsolicited extension (SendUnsolicitedOCSPOnCertificate-TLS13). The
  // staple goes to shim_verifier, which accepts it unchecked, as BoringSSL's shim (it has no trust
  // anchors and ignores the chain) does.
  cfg->request_ocsp = c.enable_ocsp_stapling;
  if (!c.advertise_alpn.empty() && !parse_alpn_list(c.advertise_alpn, cfg->alpn))
    unimplemented("malformed -advertise-alpn list");
  cfg->client_certificate = load_credential(c);
  if (!c.no_ticket) cfg->ticket_store = state.tickets;
  cfg->enable_early_data = c.enable_early_data;
  cfg->reverify_on_resume = c.reverify_on_resume;
  // Without -host-name the client connects by address: the name is an IP literal, which keeps SNI
  // out of the ClientHello (RFC 6066 §3) and still names the server for the ticket store.
  s.server_name = !c.host_name.empty() ? c.host_name : (c.ipv6 ? "::1" : "127.0.0.1");
  s.client = std::move(cfg);
  return s;
}

connection_setup make_server(const test_config& c, shim_state& state) {
  auto cfg = std::make_shared<server_config>();
  connection_setup s;
  apply_common(c, state, *cfg, s);
  auto cred = load_credential(c);
  if (!cred) unimplemented("a server without a certificate");
  cfg->certificates.push_back(std::move(cred));
  if (c.require_any_client_certificate)
    cfg->client_authentication = client_auth::required;
  else if (c.verify_peer)
    cfg->client_authentication = client_auth::optional;
  if (c.reject_alpn) {
    // The select callback refuses every offer: a protocol no client can have offered.
    cfg->alpn = {"\xff bogo shim: reject every ALPN offer"};
  } else if (!c.select_alpn.empty() && !c.decline_alpn) {
    cfg->alpn = {c.select_alpn};
  }
  // SSL_CTX_set_client_CA_list: the names go into the CertificateRequest's certificate_authorities.
  if (!parse_hex_names(c.use_client_ca_list, cfg->certificate_authorities)) {
    std::fprintf(stderr, "Bad hex string in -use-client-ca-list: %s\n", c.use_client_ca_list.c_str());
    std::exit(1);
  }
  cfg->ticket_lifetime = boringssl_ticket_lifetime;
  if (c.no_ticket) {
    // SSL_OP_NO_TICKET: no tickets issued and none accepted, so no ticket keys either.
    cfg->ticket_keys = tls13::ticket_key_ring::create();
    cfg->tickets_after_full_handshake = cfg->tickets_after_resumption = 0;
  } else {
    cfg->ticket_keys = state.ticket_keys;
  }
  if (c.enable_early_data) {
    cfg->max_early_data = boringssl_max_early_data;
    cfg->early_data_age_tolerance = boringssl_ticket_age_skew;
    cfg->anti_replay = state.anti_replay;  // remembers a ClientHello for 62 s, past the tolerance
  }
  s.server = std::move(cfg);
  return s;
}

}  // namespace

result<void> shim_verifier::verify(const verify_request& req) const {
  called_ = true;
  if (expect_staple_ && req.ocsp_response.empty()) {
    // BoringSSL's CheckVerifyCallback: the verify callback fails the handshake.
    std::fprintf(stderr, "OCSP response not available in verify callback.\n");
    rejected_ = true;
    if (custom_) return certificate_errc::unknown;
    return policy_errc::handshake_failure;
  }
  if (!fail_ || !enforce_) return {};
  rejected_ = true;
  // BoringSSL's legacy verify callback fails with handshake_failure; the custom callback
  // (SSL_set_custom_verify) with certificate_unknown.
  if (custom_) return certificate_errc::unknown;
  return policy_errc::handshake_failure;
}

bool parse_alpn_list(const std::string& wire, std::vector<std::string>& out) {
  for (std::size_t at = 0; at < wire.size();) {
    const std::size_t n = static_cast<unsigned char>(wire[at]);
    if (n == 0 || at + 1 + n > wire.size()) return false;
    out.push_back(wire.substr(at + 1, n));
    at += 1 + n;
  }
  return true;
}

bool parse_hex_names(const std::string& list, std::vector<std::vector<std::byte>>& out) {
  out.clear();
  if (list.empty() || list == "<EMPTY>" || list == "<NULL>") return true;
  auto nibble = [](char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
  };
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = std::min(list.find(',', start), list.size());
    const std::string_view part(list.data() + start, end - start);
    if (part.size() % 2 != 0) return false;
    std::vector<std::byte> name;
    for (std::size_t i = 0; i < part.size(); i += 2) {
      const int hi = nibble(part[i]), lo = nibble(part[i + 1]);
      if (hi < 0 || lo < 0) return false;
      name.push_back(static_cast<std::byte>(hi << 4 | lo));
    }
    out.push_back(std::move(name));
    if (end == list.size()) return true;
    start = end + 1;
  }
}

connection_setup make_setup(const test_config& c, shim_state& state) {
  return c.is_server ? make_server(c, state) : make_client(c, state);
}

}  // namespace bogo
