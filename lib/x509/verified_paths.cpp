#include "x509/verified_paths.hpp"

#include <algorithm>
#include <cstring>

namespace tls13::x509 {

bool verified_paths::same_request(const entry& e, const verify_request& req) noexcept {
  const auto& chain = *req.chain;
  if (e.role != req.role || e.ocsp_requested != req.ocsp_requested || e.server_name != req.server_name ||
      e.ip_address != req.ip_address || e.chain.size() != chain.size())
    return false;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    if (e.chain[i].size() != chain[i].size() ||
        std::memcmp(e.chain[i].data(), chain[i].data(), chain[i].size()) != 0)
      return false;
  }
  return true;
}

bool verified_paths::accepted(const verify_request& req, time_point now, std::uint64_t generation) const {
  std::lock_guard lock(mu_);
  return std::any_of(entries_.begin(), entries_.end(), [&](const entry& e) {
    return e.generation == generation && now >= e.accepted_at && now < e.expires && same_request(e, req);
  });
}

void verified_paths::remember(const verify_request& req, time_point now, std::uint64_t generation,
                              time_point path_not_after) {
  const time_point expires = std::min(now + ttl_, path_not_after);
  if (expires <= now) return;
  entry fresh;
  fresh.role = req.role;
  fresh.ocsp_requested = req.ocsp_requested;
  fresh.server_name.assign(req.server_name);
  fresh.ip_address.assign(req.ip_address);
  for (const auto& c : *req.chain) fresh.chain.emplace_back(c.begin(), c.end());
  fresh.accepted_at = now;
  fresh.expires = expires;
  fresh.generation = generation;
  std::lock_guard lock(mu_);
  for (auto& e : entries_) {  // the same request again (its entry had expired): renew in place
    if (same_request(e, req)) {
      e = std::move(fresh);
      return;
    }
  }
  if (entries_.size() < capacity_) {
    entries_.push_back(std::move(fresh));
    return;
  }
  entries_[next_] = std::move(fresh);
  next_ = (next_ + 1) % capacity_;
}

}  // namespace tls13::x509
