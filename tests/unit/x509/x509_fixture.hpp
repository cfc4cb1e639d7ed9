// Shared by the x509 tests: validate certificates issued by tests/support/cert_factory.hpp.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <vector>

#include "cert_factory.hpp"
#include "tls13/x509.hpp"

namespace tls13::test {

struct run_options {
  std::string host = "localhost";
  std::string ip;
  peer_role role = peer_role::server;
  std::int64_t now = pki::t_2030;
  verifier_options opts{};
  std::vector<std::byte> ocsp;
  bool ocsp_requested = false;
};

// The usual three-level hierarchy: a root, an issuing CA under it, a server leaf under that.
struct three_levels {
  pki::issued root = pki::issue(pki::root_spec("Root"));
  pki::issued ca = pki::issue(pki::ca_spec("Issuing CA"), &root);
  pki::issued leaf = pki::issue(pki::server_spec(), &ca);
};

inline std::shared_ptr<trust_store> store_of(std::initializer_list<const pki::issued*> anchors) {
  auto s = trust_store::create();
  if (!s) throw std::runtime_error("trust_store::create");
  for (const auto* a : anchors) {
    const auto der = a->der();
    if (!(*s)->add_der(der)) throw std::runtime_error("add_der");
  }
  return *s;
}

// `presented`: what the peer sends, leaf first.
inline verify_report validate(std::initializer_list<const pki::issued*> anchors,
                              const std::vector<const pki::issued*>& presented, const run_options& o = {}) {
  auto store = store_of(anchors);
  std::vector<std::vector<std::byte>> ders;
  for (const auto* c : presented) ders.push_back(c->der());
  std::vector<bytes> views(ders.begin(), ders.end());
  verify_request req;
  req.chain = &views;
  req.server_name = o.host;
  req.ip_address = o.ip;
  req.role = o.role;
  req.now = pki::at(o.now);
  req.ocsp_response = o.ocsp;
  req.ocsp_requested = o.ocsp_requested;
  return verify_certificate_chain(*store, req, o.opts);
}

inline ::testing::AssertionResult accepted(const verify_report& r) {
  if (!r.error) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "rejected: " << r.error.message() << " — " << r.reason;
}

inline ::testing::AssertionResult rejected(const verify_report& r, certificate_errc want) {
  if (std::getenv("TLS13_SHOW_REASONS") != nullptr) std::printf("    reason: %s\n", r.reason.c_str());
  if (r.error == make_error_code(want) && !r.reason.empty()) return ::testing::AssertionSuccess();
  if (!r.error)
    return ::testing::AssertionFailure() << "accepted, wanted " << make_error_code(want).message();
  return ::testing::AssertionFailure() << "rejected with '" << r.error.message() << "' (" << r.reason
                                       << "), wanted '" << make_error_code(want).message() << "'";
}

// A root, an intermediate and a server leaf (localhost, 127.0.0.1), the usual shape.
struct basic_pki {
  pki::issued root = pki::issue(pki::root_spec("Test Root"));
  pki::issued inter = pki::issue(pki::ca_spec("Test Intermediate"), &root);
  pki::issued leaf = pki::issue(pki::server_spec("server"), &inter);
};

}  // namespace tls13::test
