// session_ticket's serialized form and the in-memory client_ticket_store.
#include <algorithm>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "handshake/messages/codec.hpp"
#include "session/time_codec.hpp"
#include "tls13/session.hpp"

namespace tls13 {

namespace {
constexpr std::uint8_t serial_format = 2;  // 2: with the server's chain
constexpr std::size_t max_serial_chain = 16;
constexpr std::uint32_t max_lifetime = 604800;  // 7 days (RFC 8446 §4.6.1)

bool expired(const session_ticket& t, std::chrono::system_clock::time_point now) {
  const auto lifetime = std::chrono::seconds(std::min(t.lifetime, max_lifetime));
  return now < t.received || now - t.received >= lifetime;
}
}  // namespace

// format(1) suite(2) psk<1..255> age_add(4) lifetime(4) max_early_data(4) received_ms(8)
// alpn<0..255> ticket<1..2^16-1> chain<0..2^24-1> of cert<1..2^24-1>
std::vector<std::byte> session_ticket::serialize() const {
  std::vector<std::byte> out;
  handshake::writer w(out);
  session::write_head(w, serial_format, suite, psk, age_add, lifetime);
  w.u32(max_early_data);
  // Rounded up to the millisecond: a stored ticket may understate its age, never overstate it
  // (servers refuse 0-RTT when the client's age exceeds theirs).
  session::write_time_ms(w, std::chrono::ceil<std::chrono::milliseconds>(received));
  (void)w.vec(1, bytes(reinterpret_cast<const std::byte*>(alpn.data()), alpn.size()));
  (void)w.vec(2, ticket);
  session::write_chain(w, peer_chain);
  return out;
}

result<session_ticket> session_ticket::parse(bytes data) {
  handshake::reader r(data);
  session_ticket t;
  TLS13_TRY_ASSIGN(auto head, session::read_head(r, serial_format));
  t.suite = head.suite;
  t.psk = std::move(head.psk);
  t.age_add = head.age_add;
  t.lifetime = head.lifetime;
  TLS13_TRY_ASSIGN(t.max_early_data, r.u32());
  TLS13_TRY_ASSIGN(t.received, session::read_time_ms(r));
  TLS13_TRY_ASSIGN(const bytes alpn, r.vec(1, 0, 255));
  t.alpn.assign(reinterpret_cast<const char*>(alpn.data()), alpn.size());
  TLS13_TRY_ASSIGN(const bytes ticket, r.vec(2, 1, 0xffff));
  t.ticket.assign(ticket.begin(), ticket.end());
  TLS13_TRY_ASSIGN(t.peer_chain, session::read_chain(r, max_serial_chain));
  TLS13_TRY(r.expect_end());
  return t;
}

namespace {

class memory_store final : public client_ticket_store {
 public:
  memory_store(std::size_t per_server, std::size_t max_servers)
      : per_server_(std::max<std::size_t>(per_server, 1)),
        max_servers_(std::max<std::size_t>(max_servers, 1)) {}

  void insert(std::string_view server_name, session_ticket ticket) const override {
    std::lock_guard lock(mu_);
    auto it = servers_.find(std::string(server_name));
    if (it == servers_.end()) {
      if (servers_.size() >= max_servers_) evict_least_recent();
      it = servers_.emplace(std::string(server_name), entry{}).first;
    }
    it->second.last_use = ++clock_;
    auto& q = it->second.tickets;
    // §4.6.1: nothing is kept past its lifetime (7 days at most): drop what had expired by the time
    // this ticket arrived.
    const auto arrived = ticket.received;
    q.erase(
        std::remove_if(q.begin(), q.end(),
                       [&](const session_ticket& t) { return t.received <= arrived && expired(t, arrived); }),
        q.end());
    q.push_back(std::move(ticket));
    while (q.size() > per_server_) q.pop_front();
  }

  std::optional<session_ticket> take(std::string_view server_name,
                                     std::chrono::system_clock::time_point now) const override {
    std::lock_guard lock(mu_);
    const auto it = servers_.find(std::string(server_name));
    if (it == servers_.end()) return std::nullopt;
    auto& q = it->second.tickets;
    std::optional<session_ticket> out;
    while (!q.empty() && !out) {
      if (!expired(q.back(), now)) out.emplace(std::move(q.back()));
      q.pop_back();
    }
    if (q.empty()) servers_.erase(it);
    return out;
  }

 private:
  struct entry {
    std::deque<session_ticket> tickets;  // oldest first
    std::uint64_t last_use = 0;
  };

  void evict_least_recent() const {
    const auto victim = std::min_element(servers_.begin(), servers_.end(), [](const auto& a, const auto& b) {
      return a.second.last_use < b.second.last_use;
    });
    if (victim != servers_.end()) servers_.erase(victim);
  }

  const std::size_t per_server_, max_servers_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, entry> servers_;
  mutable std::uint64_t clock_ = 0;
};

}  // namespace

std::shared_ptr<client_ticket_store> make_memory_ticket_store(std::size_t per_server,
                                                              std::size_t max_servers) {
  return std::make_shared<memory_store>(per_server, max_servers);
}

}  // namespace tls13
