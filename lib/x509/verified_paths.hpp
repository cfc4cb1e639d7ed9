// The default verifier's memory of chains it accepted. A client that reconnects to the same server
// (a connection pool, a load balancer's health check) is sent the same chain every time; building
// and checking its path again costs as much as a fifth of the client's non-public-key handshake work.
// Chromium's CachingCertVerifier does the same. Only successes are kept, only for requests whose
// outcome depends on nothing but the chain, the name, the role, the trust store and the options (no
// verify callback, no stapled OCSP response), and only until the earliest notAfter on the accepted
// path or the time to live, whichever comes first. CertificateVerify is checked on every handshake.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "tls13/x509.hpp"

namespace tls13::x509 {

class verified_paths {
 public:
  using time_point = std::chrono::system_clock::time_point;

  verified_paths(std::size_t capacity, std::chrono::seconds ttl) : capacity_(capacity), ttl_(ttl) {}

  // Whether req may use the cache at all (see above).
  bool applies_to(const verify_request& req, const verifier_options& opts) const noexcept {
    return capacity_ != 0 && ttl_.count() > 0 && !opts.verify_callback && req.ocsp_response.empty() &&
           req.chain != nullptr;
  }
  // req was accepted at a time t with t <= now < that acceptance's expiry, under the trust store's
  // `generation` (trust_store::impl::generation: any change to the store is a miss).
  bool accepted(const verify_request& req, time_point now, std::uint64_t generation) const;
  // req was accepted at `now` under `generation` (read before the validation began);
  // path_not_after: the earliest notAfter on the accepted path.
  void remember(const verify_request& req, time_point now, std::uint64_t generation,
                time_point path_not_after);

 private:
  struct entry {
    peer_role role = peer_role::server;
    bool ocsp_requested = false;
    std::string server_name, ip_address;
    std::vector<std::vector<std::byte>> chain;
    time_point accepted_at{}, expires{};  // valid in [accepted_at, expires)
    std::uint64_t generation = 0;         // of the trust store
  };
  static bool same_request(const entry& e, const verify_request& req) noexcept;

  const std::size_t capacity_;
  const std::chrono::seconds ttl_;
  mutable std::mutex mu_;
  std::vector<entry> entries_;  // at most capacity_; the oldest is replaced first
  std::size_t next_ = 0;
};

}  // namespace tls13::x509
