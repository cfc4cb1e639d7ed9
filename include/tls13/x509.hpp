// Certificates, trust stores and the verifier interface the handshake calls.
// The default verifier builds and checks the chain with libcrypto (X509_STORE_CTX): chain to a
// trusted root, validity at the given time, host name (DNS / IP SANs, never the subject CN),
// and the TLS purpose (serverAuth / clientAuth). A stricter policy engine implements the same
// interface later.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/errors.hpp"
#include "tls13/types.hpp"

namespace tls13 {

using der_chain = std::vector<std::vector<std::byte>>;

// Parses every CERTIFICATE block of a PEM text, in order (leaf first for a chain file).
result<der_chain> load_certificate_chain_pem(std::string_view pem);
result<der_chain> load_certificate_chain_file(const std::string& path);

enum class peer_role : std::uint8_t { server, client };

// A set of trust anchors. Thread-safe once built; share it between verifiers.
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
  std::string_view server_name;               // host to check (client side); empty: no host check
  peer_role role = peer_role::server;         // whose chain this is
  std::chrono::system_clock::time_point now{};
};

class certificate_verifier {
 public:
  virtual ~certificate_verifier() = default;
  // certificate_errc on rejection (mapped to the RFC 8446 alert by to_alert()).
  virtual result<void> verify(const verify_request& req) const = 0;
};

struct verifier_options {
  int max_depth = 8;  // intermediates allowed between leaf and anchor
};

std::shared_ptr<const certificate_verifier> make_default_verifier(std::shared_ptr<const trust_store> roots,
                                                                  verifier_options opts = {});

}  // namespace tls13
