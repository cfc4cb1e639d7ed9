// ocsp_staple: the server's reloadable OCSP response and the cached "may it still be stapled" check.
#include <algorithm>
#include <fstream>
#include <iterator>

#include "tls13/config.hpp"
#include "tls13/x509.hpp"

namespace tls13 {

struct ocsp_staple::entry {
  std::shared_ptr<const std::vector<std::byte>> der;
  std::mutex mutex;             // guards the cached check below
  std::vector<std::byte> leaf;  // the leaf the cached answer is about
  bool checked = false, usable = false;
  std::chrono::system_clock::time_point valid_until{}, retry_at{};
};

void ocsp_staple::set(std::vector<std::byte> der) {
  std::shared_ptr<entry> e;
  if (!der.empty()) {
    e = std::make_shared<entry>();
    e->der = std::make_shared<const std::vector<std::byte>>(std::move(der));
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  entry_.swap(e);
}

result<void> ocsp_staple::load_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return internal_errc::invalid_argument;
  std::vector<char> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return internal_errc::invalid_argument;
  std::vector<std::byte> der(data.size());
  std::transform(data.begin(), data.end(), der.begin(), [](char c) { return static_cast<std::byte>(c); });
  set(std::move(der));
  return {};
}

std::shared_ptr<const std::vector<std::byte>> ocsp_staple::current() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return entry_ ? entry_->der : nullptr;
}

std::shared_ptr<const std::vector<std::byte>> ocsp_staple::usable(
    const std::vector<std::vector<std::byte>>& chain, std::chrono::system_clock::time_point now) const {
  std::shared_ptr<entry> e;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    e = entry_;
  }
  if (!e || chain.size() < 2) return nullptr;  // nothing to staple, or no issuer to check it against
  const std::lock_guard<std::mutex> lock(e->mutex);
  if (e->checked && e->leaf == chain[0]) {
    if (e->usable) return now <= e->valid_until ? e->der : nullptr;
    if (now < e->retry_at) return nullptr;
  }
  const auto until = ocsp_staple_valid_until(*e->der, chain[0], chain[1], now);
  e->checked = true;
  e->leaf = chain[0];
  e->usable = static_cast<bool>(until);
  if (until) {
    e->valid_until = *until;
    return e->der;
  }
  e->retry_at = now + std::chrono::minutes(1);
  return nullptr;
}

}  // namespace tls13
