// BoGo shim: a test_config translated into our client_config / server_config, plus the state the
// runner expects to survive between the connections of one test (-resume-count): the client's
// ticket store, the server's ticket keys and a clock that -resumption-delay moves forward.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "shim_flags.hpp"
#include "tls13/config.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/session.hpp"
#include "tls13/x509.hpp"

namespace bogo {

// The default provider on a test clock, as in BoringSSL's shim: time stands still at the shim's
// start and only -resumption-delay moves it, so ticket ages are exact (the runner checks them to
// the millisecond).
class test_clock_provider final : public tls13::default_provider {
 public:
  std::chrono::system_clock::time_point now() const override {
    return start_ + std::chrono::seconds(offset_.load());
  }
  void advance(int seconds) { offset_ += seconds; }

 private:
  const std::chrono::system_clock::time_point start_ = std::chrono::system_clock::now();
  std::atomic<long long> offset_{0};
};

// Accepts any chain, as BoringSSL's shim does (its verify callback ignores the chain), unless the
// test asks for a failure with -verify-fail. The core still checks CertificateVerify against the
// leaf. Records what happened for -expect-verify-result and for the error string.
class shim_verifier final : public tls13::certificate_verifier {
 public:
  shim_verifier(bool fail, bool enforce, bool custom_callback)
      : fail_(fail), enforce_(enforce), custom_(custom_callback) {}
  tls13::result<void> verify(const tls13::verify_request& req) const override;

  bool called() const { return called_; }
  bool rejected() const { return rejected_; }  // the handshake failed because of us

 private:
  bool fail_, enforce_, custom_;
  mutable std::atomic<bool> called_{false}, rejected_{false};
};

// A client ticket store that remembers whether a ticket arrived (BoringSSL's new-session callback),
// so the shim can check "a TLS 1.3 client received a NewSessionTicket".
class recording_ticket_store final : public tls13::client_ticket_store {
 public:
  recording_ticket_store() : inner_(tls13::make_memory_ticket_store()) {}
  void insert(std::string_view server_name, tls13::session_ticket ticket) const override {
    ++received_;
    inner_->insert(server_name, std::move(ticket));
  }
  std::optional<tls13::session_ticket> take(std::string_view server_name,
                                            std::chrono::system_clock::time_point now) const override {
    return inner_->take(server_name, now);
  }
  int received() const { return received_; }

 private:
  std::shared_ptr<tls13::client_ticket_store> inner_;
  mutable std::atomic<int> received_{0};
};

// State kept across the connections of one shim process.
struct shim_state {
  std::shared_ptr<test_clock_provider> clock = std::make_shared<test_clock_provider>();
  std::shared_ptr<recording_ticket_store> tickets = std::make_shared<recording_ticket_store>();
  std::shared_ptr<tls13::ticket_key_ring> ticket_keys = tls13::ticket_key_ring::create();
  // What BoringSSL keeps in its SSL_SESSION and reports again on resumption; our core reports
  // these per handshake, so the shim keeps them from the last full handshake.
  bool verify_failed = false;
  unsigned peer_signature_scheme = 0;
  std::vector<std::vector<std::byte>> peer_chain;
};

// The application traffic secrets, as the key log reports them (-export-traffic-secrets).
struct traffic_secrets {
  std::vector<std::byte> client, server;
};

// What one connection runs with.
struct connection_setup {
  std::shared_ptr<traffic_secrets> secrets;  // filled by the key log when the test asks for them
  std::shared_ptr<const tls13::client_config> client;
  std::shared_ptr<const tls13::server_config> server;
  std::shared_ptr<shim_verifier> verifier;
  std::string server_name;  // client: the name given to connection::client
};

// Builds the config for one connection; exits with 89 for what cannot be expressed.
connection_setup make_setup(const test_config& c, shim_state& state);

// The ALPN wire list (length-prefixed names) as strings; false if malformed.
bool parse_alpn_list(const std::string& wire, std::vector<std::string>& out);

}  // namespace bogo
