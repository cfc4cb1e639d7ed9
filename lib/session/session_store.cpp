// The in-memory server_session_store: a map from ticket id to session state, with a FIFO of
// insertions to bound its size. Entries are wiped when taken out, dropped or expired.
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "tls13/secret.hpp"
#include "tls13/session.hpp"

namespace tls13 {
namespace {

class memory_session_store final : public server_session_store {
 public:
  explicit memory_session_store(std::size_t max_sessions) : max_(max_sessions == 0 ? 1 : max_sessions) {}
  ~memory_session_store() override {
    for (auto& [id, e] : map_) secure_wipe(e.state);
  }

  void put(bytes id, std::vector<std::byte> state,
           std::chrono::system_clock::time_point expires) const override {
    std::string key(reinterpret_cast<const char*>(id.data()), id.size());
    std::lock_guard lock(mu_);
    auto [it, inserted] = map_.try_emplace(key);
    if (!inserted) secure_wipe(it->second.state);  // a random id repeats only by a caller's mistake
    it->second = entry{std::move(state), expires};
    order_.push_back(std::move(key));
    // The FIFO may name ids already taken; they cost nothing to pop.
    while (map_.size() > max_ || order_.size() > 2 * max_) {
      drop(order_.front());
      order_.pop_front();
    }
  }

  std::optional<std::vector<std::byte>> take(bytes id,
                                             std::chrono::system_clock::time_point now) const override {
    const std::string key(reinterpret_cast<const char*>(id.data()), id.size());
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    entry e = std::move(it->second);
    map_.erase(it);
    if (now >= e.expires) {
      secure_wipe(e.state);
      return std::nullopt;
    }
    return std::move(e.state);
  }

 private:
  struct entry {
    std::vector<std::byte> state;
    std::chrono::system_clock::time_point expires;
  };

  void drop(const std::string& key) const {
    auto it = map_.find(key);
    if (it == map_.end()) return;
    secure_wipe(it->second.state);
    map_.erase(it);
  }

  const std::size_t max_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, entry> map_;
  mutable std::deque<std::string> order_;
};

}  // namespace

std::shared_ptr<server_session_store> make_memory_session_store(std::size_t max_sessions) {
  return std::make_shared<memory_session_store>(max_sessions);
}

}  // namespace tls13
