// tls13::connection: the public face of connection_core.
#include "tls13/connection.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "state/connection_core.hpp"
#include "state/defaults.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/x509.hpp"

namespace tls13 {

void vector_sink::consume(std::size_t n) noexcept {
  n = std::min(n, committed_);
  std::memmove(buf_.data(), buf_.data() + n, committed_ - n);
  committed_ -= n;
}

namespace {

// The system trust store is a bundle of ~150 certificates (about 18 ms to load): loaded once per
// process and shared by every client connection that has no verifier of its own (a verifier is
// safe to share between threads, and so is its accepted-chain cache); loaded again when
// SSL_CERT_FILE or SSL_CERT_DIR change.
result<std::shared_ptr<const certificate_verifier>> system_default_verifier() {
  static std::mutex mu;
  static std::string loaded_for;
  static std::shared_ptr<const certificate_verifier> shared;
  const char* file = std::getenv("SSL_CERT_FILE");
  const char* dir = std::getenv("SSL_CERT_DIR");
  std::string key = (file != nullptr ? "f" + std::string(file) : "-") + '\0' +
                    (dir != nullptr ? "d" + std::string(dir) : "-");
  std::lock_guard lock(mu);
  if (!shared || key != loaded_for) {
    TLS13_TRY_ASSIGN(auto roots, trust_store::system_default());
    shared = make_default_verifier(std::move(roots));
    loaded_for = std::move(key);
  }
  return shared;
}

}  // namespace

result<void> validate(const server_config& c) {
  if (c.certificates.empty()) return internal_errc::invalid_argument;
  for (const auto& k : c.certificates)
    if (!k || !k->key || k->chain.empty()) return internal_errc::invalid_argument;
  // RFC 8446 §4.6.1: ticket lifetimes never exceed 7 days.
  if (c.ticket_lifetime.count() <= 0 || c.ticket_lifetime > std::chrono::seconds(604800))
    return internal_errc::invalid_argument;
  // The default anti-replay store remembers a ClientHello for 20 s (bloom_options::window); the age
  // check lets one pass for the tolerance + 1 s.
  if (c.max_early_data > 0 && !c.anti_replay && c.early_data_age_tolerance > std::chrono::seconds(19))
    return internal_errc::invalid_argument;
  // certificate_authorities<3..2^16-1> of DistinguishedName<1..2^16-1> (§4.2.4) must fit in the
  // CertificateRequest's extensions<2..2^16-1> next to signature_algorithms (§4.3.2): both
  // extension headers (4 octets each) and vector lengths (2 each) included.
  if (!c.certificate_authorities.empty()) {
    std::size_t ca_bytes = 0;
    for (const auto& name : c.certificate_authorities) {
      if (name.empty() || name.size() > 0xffff) return internal_errc::invalid_argument;
      ca_bytes += 2 + name.size();
    }
    const auto provider = c.provider ? c.provider : default_crypto_provider();
    const std::size_t schemes = effective_schemes(c, *provider).size();
    if (4 + 2 + 2 * schemes + 4 + 2 + ca_bytes > 0xffff) return internal_errc::invalid_argument;
  }
  return {};
}

result<connection> connection::client(std::shared_ptr<const client_config> config,
                                      std::string_view server_name) {
  if (!config) return internal_errc::invalid_argument;
  // One key share per group (§4.2.8): a repeated group in the configuration is a mistake.
  for (std::size_t i = 0; i < config->groups.size(); ++i)
    for (std::size_t j = i + 1; j < config->groups.size(); ++j)
      if (config->groups[i] == config->groups[j]) return internal_errc::invalid_argument;
  if (config->verify_peer && !config->verifier) {
    // Verification on by default: without a configured verifier, the system trust store.
    TLS13_TRY_ASSIGN(auto verifier, system_default_verifier());
    auto copy = std::make_shared<client_config>(*config);
    copy->verifier = std::move(verifier);
    config = std::move(copy);
  }
  return connection(std::make_unique<connection_core>(std::move(config), std::string(server_name)));
}

result<connection> connection::server(std::shared_ptr<const server_config> config) {
  if (!config) return internal_errc::invalid_argument;
  TLS13_TRY(validate(*config));
  if (config->client_authentication != client_auth::none && !config->verifier)
    return internal_errc::invalid_argument;
  return connection(std::make_unique<connection_core>(std::move(config)));
}

connection::connection(std::unique_ptr<connection_core> core) noexcept : core_(std::move(core)) {}
connection::connection(connection&&) noexcept = default;
connection& connection::operator=(connection&&) noexcept = default;
connection::~connection() = default;

result<event> connection::poll(input_window& in, output_sink& out) { return core_->poll(in, out); }
void connection::consume_app_data(std::size_t n) noexcept { core_->consume_app_data(n); }
result<std::size_t> connection::write(bytes plaintext, output_sink& out) {
  return core_->write(plaintext, out);
}
bool connection::can_write() const noexcept { return core_->can_write(); }
bool connection::in_early_data() const noexcept { return core_->in_early_data(); }
result<void> connection::resolve_replay_check(replay_verdict verdict) {
  return core_->resolve_replay_check(verdict);
}
bool connection::can_write_early() const noexcept { return core_->can_write_early(); }
result<std::size_t> connection::write_early(bytes plaintext, output_sink& out) {
  return core_->write_early(plaintext, out);
}
void connection::close(output_sink& out) { core_->close(out); }
void connection::abort(alert_description alert, output_sink& out) { core_->abort(alert, out); }
result<void> connection::key_update(output_sink& out, bool request_peer_update) {
  return core_->key_update(out, request_peer_update);
}
bool connection::is_handshaking() const noexcept { return core_->is_handshaking(); }
bool connection::wants_write() const noexcept { return core_->wants_write(); }
void connection::prepare_next_handshake() noexcept { core_->prepare_next_handshake(); }
const session_info& connection::info() const noexcept { return core_->info(); }
result<void> connection::export_keying_material(mut_bytes out, std::string_view label, bytes context) const {
  return core_->export_keying_material(out, label, context);
}

}  // namespace tls13
