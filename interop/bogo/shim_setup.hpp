// BoGo shim: a test_config translated into our client_config / server_config, plus the state the
// runner expects to survive between the connections of one test (-resume-count): the client's
// ticket store, the server's ticket keys and a clock that -resumption-delay moves forward.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
// With -expect-ocsp-response it also checks, as BoringSSL's verify callbacks do, that the staple is
// available to it: the core hands it over in verify_request::ocsp_response.
class shim_verifier final : public tls13::certificate_verifier {
 public:
  shim_verifier(bool fail, bool enforce, bool custom_callback, bool expect_staple)
      : fail_(fail), enforce_(enforce), custom_(custom_callback), expect_staple_(expect_staple) {}
  tls13::result<void> verify(const tls13::verify_request& req) const override;

  bool called() const { return called_; }
  bool rejected() const { return rejected_; }  // the handshake failed because of us

 private:
  bool fail_, enforce_, custom_, expect_staple_;
  mutable std::atomic<bool> called_{false}, rejected_{false};
};

// A client ticket store that remembers whether a ticket arrived (BoringSSL's new-session callback),
// so the shim can check "a TLS 1.3 client received a NewSessionTicket", and which ticket the core
// took for its ClientHello (the session BoringSSL reports while it is in early data).
class recording_ticket_store final : public tls13::client_ticket_store {
 public:
  // What the shim keeps of a ticket: never the PSK.
  struct ticket_facts {
    tls13::cipher_suite suite{};
    std::string alpn;
    std::uint32_t max_early_data = 0;
  };

  recording_ticket_store() : inner_(tls13::make_memory_ticket_store()) {}
  void insert(std::string_view server_name, tls13::session_ticket ticket) const override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_inserted_ = facts(ticket);
    }
    ++received_;
    inner_->insert(server_name, std::move(ticket));
  }
  std::optional<tls13::session_ticket> take(std::string_view server_name,
                                            std::chrono::system_clock::time_point now) const override {
    auto t = inner_->take(server_name, now);
    std::lock_guard<std::mutex> lock(mu_);
    taken_ = t ? std::optional<ticket_facts>(facts(*t)) : std::nullopt;
    return t;
  }
  int received() const { return received_; }
  // The last ticket stored (BoringSSL's new_session), and the one offered in this connection.
  std::optional<ticket_facts> last_inserted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_inserted_;
  }
  std::optional<ticket_facts> taken() const {
    std::lock_guard<std::mutex> lock(mu_);
    return taken_;
  }
  void forget_taken() const {
    std::lock_guard<std::mutex> lock(mu_);
    taken_.reset();
  }

 private:
  static ticket_facts facts(const tls13::session_ticket& t) { return {t.suite, t.alpn, t.max_early_data}; }
  std::shared_ptr<tls13::client_ticket_store> inner_;
  mutable std::atomic<int> received_{0};
  mutable std::mutex mu_;
  mutable std::optional<ticket_facts> last_inserted_, taken_;
};

// The server's ticket keys, watched: which connection sealed each ticket, and which connection's
// ticket the core opened in this one. With what the shim records per connection (ALPN, suite,
// max_early_data) this tells the server side of BoringSSL's early-data reasons without reading
// the core's ticket format.
class recording_key_ring final : public tls13::ticket_key_ring {
 public:
  explicit recording_key_ring(std::shared_ptr<tls13::ticket_key_ring> inner) : inner_(std::move(inner)) {}
  tls13::result<std::vector<std::byte>> seal(tls13::bytes plaintext,
                                             std::chrono::system_clock::time_point now) const override {
    auto r = inner_->seal(plaintext, now);
    if (r) {
      std::lock_guard<std::mutex> lock(mu_);
      sealed_.emplace_back(*r, connection_);
    }
    return r;
  }
  std::optional<std::vector<std::byte>> open(tls13::bytes ticket) const override {
    auto r = inner_->open(ticket);
    std::lock_guard<std::mutex> lock(mu_);
    ++opened_;
    if (r) {
      opened_from_ = -1;
      for (const auto& [bytes, conn] : sealed_)
        if (bytes.size() == ticket.size() && std::equal(bytes.begin(), bytes.end(), ticket.begin()))
          opened_from_ = conn;
    }
    return r;
  }
  void rotate(std::chrono::system_clock::time_point now) const override { inner_->rotate(now); }
  std::vector<std::byte> export_keys() const override { return inner_->export_keys(); }
  tls13::result<void> import_keys(tls13::bytes blob,
                                  std::chrono::system_clock::time_point now) const override {
    return inner_->import_keys(blob, now);
  }

  void begin_connection(int index) {
    std::lock_guard<std::mutex> lock(mu_);
    connection_ = index;
    opened_ = 0;
    opened_from_ = -1;
  }
  // Tickets the core tried to open in this connection (a PSK identity was offered).
  int open_attempts() const {
    std::lock_guard<std::mutex> lock(mu_);
    return opened_;
  }
  // The connection that sealed the last ticket opened in this one, or -1.
  int opened_from() const {
    std::lock_guard<std::mutex> lock(mu_);
    return opened_from_;
  }

 private:
  std::shared_ptr<tls13::ticket_key_ring> inner_;
  mutable std::mutex mu_;
  mutable std::vector<std::pair<std::vector<std::byte>, int>> sealed_;
  int connection_ = 0;
  mutable int opened_ = 0, opened_from_ = -1;
};

// What a server connection's tickets carry, as the shim knows it from that connection.
struct issued_session {
  std::uint32_t max_early_data = 0;
  std::string alpn;
  std::optional<tls13::cipher_suite> suite;
};

// State kept across the connections of one shim process.
struct shim_state {
  int connection = 0;  // index of the current connection (0: the initial one)
  std::shared_ptr<test_clock_provider> clock = std::make_shared<test_clock_provider>();
  std::shared_ptr<recording_ticket_store> tickets = std::make_shared<recording_ticket_store>();
  std::shared_ptr<recording_key_ring> ticket_keys =
      std::make_shared<recording_key_ring>(tls13::ticket_key_ring::create());
  // Server: per connection index, what its tickets allow (see recording_key_ring).
  std::map<int, issued_session> issued;
  // 0-RTT anti-replay, shared by the server connections of the test, remembering a ClientHello
  // for longer than BoringSSL's 60 s age tolerance (the window the core asks for).
  std::shared_ptr<tls13::anti_replay_store> anti_replay =
      tls13::make_bloom_anti_replay({std::chrono::seconds(62), 1000, 1e-6});
  // What BoringSSL keeps in its SSL_SESSION and reports again on resumption; our core reports
  // these per handshake, so the shim keeps them from the last full handshake.
  bool verify_failed = false;
  unsigned peer_signature_scheme = 0;
  std::vector<std::vector<std::byte>> peer_chain;
  std::vector<std::byte> ocsp_response;  // client: the staple of the last full handshake
  // Client: the group of the connection that got the last ticket (BoringSSL's session group_id,
  // reported while in early data).
  std::optional<tls13::named_group> ticket_group;
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

// BoringSSL's shim spelling of an X.509 Name list: comma-separated hex DER ("<EMPTY>" and "<NULL>":
// no names). False if a part is not hex. The DER itself is not parsed: the core sends it as given.
bool parse_hex_names(const std::string& list, std::vector<std::vector<std::byte>>& out);

}  // namespace bogo
