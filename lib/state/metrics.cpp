// tls13::metrics: relaxed atomic counters and their Prometheus text form.
#include "tls13/metrics.hpp"

#include <algorithm>

#include "tls13/errors.hpp"

namespace tls13 {
namespace {

constexpr std::array<std::string_view, metrics::counted_groups.size() + 2> group_names = {
    "X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024", "x25519",
    "secp256r1",      "secp384r1",         "none_psk_ke",        "other"};
constexpr std::array<std::string_view, metrics::counted_suites.size()> suite_names = {
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"};

std::size_t category_index(const std::error_code& ec) noexcept {
  const std::error_category* cats[] = {&decode_category(),      &protocol_category(), &alert_category(),
                                       &certificate_category(), &policy_category(),   &internal_category()};
  for (std::size_t i = 0; i < std::size(cats); ++i)
    if (ec.category() == *cats[i]) return i;
  return 5;  // a foreign error_code (a custom verifier's, say) counts as internal
}

template <typename T, std::size_t N>
std::size_t index_of(const std::array<T, N>& list, T v) noexcept {
  return static_cast<std::size_t>(std::find(list.begin(), list.end(), v) - list.begin());
}

void counter_line(std::string& out, std::string_view prefix, std::string_view name, std::string_view labels,
                  std::uint64_t v) {
  out.append(prefix).append("_").append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(std::to_string(v)).append("\n");
}

void type_line(std::string& out, std::string_view prefix, std::string_view name, std::string_view help) {
  out.append("# HELP ").append(prefix).append("_").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(prefix).append("_").append(name).append(" counter\n");
}

}  // namespace

void metrics::on_handshake(const completed& c) noexcept {
  add(!c.resumed ? full_ : c.psk_ke ? resumed_psk_ke_ : resumed_dhe_);
  if (c.hello_retry) add(hello_retries_);
  if (c.early_accepted) add(early_accepted_);
  if (c.early_offered && !c.early_accepted) add(early_rejected_);
  if (c.peer_authenticated) add(peer_authenticated_);
  std::size_t g = counted_groups.size();  // no group: psk_ke
  if (c.group) {
    g = index_of(counted_groups, *c.group);
    if (g == counted_groups.size()) g += 1;  // a group not in the list: "other"
  }
  add(by_group_[g]);
  if (const auto i = index_of(counted_suites, c.suite); i < counted_suites.size()) add(by_suite_[i]);
}

void metrics::on_failure(std::error_code ec, bool alert_sent, alert_description sent) noexcept {
  if (ec == make_error_code(protocol_errc::truncated)) {
    add(truncated_);
    return;
  }
  add(failures_);
  add(by_category_[category_index(ec)]);
  if (alert_sent) add(alerts_sent_[static_cast<std::uint8_t>(sent)]);
  if (alert_description d{}; received_alert(ec, d)) add(alerts_received_[static_cast<std::uint8_t>(d)]);
}

void metrics::on_alert_sent(alert_description d) noexcept { add(alerts_sent_[static_cast<std::uint8_t>(d)]); }

void metrics::on_key_update(bool sent) noexcept { add(sent ? key_updates_sent_ : key_updates_received_); }

metrics::snapshot metrics::read() const noexcept {
  snapshot s;
  const auto get = [](const counter& c) { return c.load(std::memory_order_relaxed); };
  const std::uint64_t full = get(full_), dhe = get(resumed_dhe_), ke = get(resumed_psk_ke_);
  s.handshakes = full + dhe + ke;
  s.resumed = dhe + ke;
  s.psk_ke = ke;
  s.hello_retries = get(hello_retries_);
  s.early_data_accepted = get(early_accepted_);
  s.early_data_rejected = get(early_rejected_);
  s.peer_authenticated = get(peer_authenticated_);
  s.failures = get(failures_);
  s.truncated = get(truncated_);
  s.key_updates_sent = get(key_updates_sent_);
  s.key_updates_received = get(key_updates_received_);
  for (std::size_t i = 0; i < s.by_group.size(); ++i) s.by_group[i] = get(by_group_[i]);
  for (std::size_t i = 0; i < s.by_suite.size(); ++i) s.by_suite[i] = get(by_suite_[i]);
  for (std::size_t i = 0; i < s.failures_by_category.size(); ++i)
    s.failures_by_category[i] = get(by_category_[i]);
  for (std::size_t i = 0; i < 256; ++i) {
    s.alerts_sent[i] = get(alerts_sent_[i]);
    s.alerts_received[i] = get(alerts_received_[i]);
  }
  return s;
}

std::string metrics::to_prometheus(std::string_view prefix) const {
  const snapshot s = read();
  const auto get = [](const counter& c) { return c.load(std::memory_order_relaxed); };
  std::string out;
  const std::string_view p = prefix;
  type_line(out, p, "handshakes_total", "Completed TLS handshakes.");
  counter_line(out, p, "handshakes_total", "mode=\"full\"", get(full_));
  counter_line(out, p, "handshakes_total", "mode=\"resumed\"", get(resumed_dhe_));
  counter_line(out, p, "handshakes_total", "mode=\"resumed_psk_ke\"", get(resumed_psk_ke_));
  type_line(out, p, "hello_retries_total", "Completed handshakes that needed a HelloRetryRequest.");
  counter_line(out, p, "hello_retries_total", {}, s.hello_retries);
  type_line(out, p, "early_data_total", "0-RTT offers by outcome.");
  counter_line(out, p, "early_data_total", "result=\"accepted\"", s.early_data_accepted);
  counter_line(out, p, "early_data_total", "result=\"rejected\"", s.early_data_rejected);
  type_line(out, p, "peer_authenticated_total", "Completed handshakes with a verified peer certificate.");
  counter_line(out, p, "peer_authenticated_total", {}, s.peer_authenticated);
  type_line(out, p, "handshakes_by_group_total", "Completed handshakes by key exchange group.");
  for (std::size_t i = 0; i < s.by_group.size(); ++i)
    counter_line(out, p, "handshakes_by_group_total", "group=\"" + std::string(group_names[i]) + "\"",
                 s.by_group[i]);
  type_line(out, p, "handshakes_by_suite_total", "Completed handshakes by cipher suite.");
  for (std::size_t i = 0; i < s.by_suite.size(); ++i)
    counter_line(out, p, "handshakes_by_suite_total", "suite=\"" + std::string(suite_names[i]) + "\"",
                 s.by_suite[i]);
  type_line(out, p, "truncated_total", "Connections whose transport ended without close_notify.");
  counter_line(out, p, "truncated_total", {}, s.truncated);
  type_line(out, p, "failures_total", "Connections ended by a fatal error, by error category.");
  for (std::size_t i = 0; i < s.failures_by_category.size(); ++i)
    counter_line(out, p, "failures_total", "category=\"" + std::string(categories[i]) + "\"",
                 s.failures_by_category[i]);
  // Each family's samples together, after its HELP and TYPE lines (the exposition format's rule).
  const auto alerts = [&](std::string_view name, std::string_view help,
                          const std::array<std::uint64_t, 256>& n) {
    type_line(out, p, name, help);
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (n[i] == 0) continue;
      std::string alert = alert_name(static_cast<alert_description>(i));
      if (alert == "unknown") alert += "_" + std::to_string(i);
      counter_line(out, p, name, "alert=\"" + alert + "\"", n[i]);
    }
  };
  alerts("alerts_sent_total", "Error alerts sent, by description.", s.alerts_sent);
  alerts("alerts_received_total", "Fatal alerts received, by description.", s.alerts_received);
  type_line(out, p, "key_updates_total", "KeyUpdate messages by direction.");
  counter_line(out, p, "key_updates_total", "direction=\"sent\"", s.key_updates_sent);
  counter_line(out, p, "key_updates_total", "direction=\"received\"", s.key_updates_received);
  return out;
}

}  // namespace tls13
