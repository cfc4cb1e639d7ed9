// Built by the install_consumer test against an installed tls13 package only.
// Exercises the error API (errors module) and libcrypto through the default crypto provider,
// so the static or shared library and its exported link interface (OpenSSL::Crypto) are really used.
#include <tls13/crypto_provider.hpp>
#include <tls13/errors.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

namespace {
int failures = 0;
void check(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) ++failures;
}
}  // namespace

int main() {
  const std::error_code ec = tls13::make_error_code(tls13::protocol_errc::bad_record_mac);
  std::printf("error %s:%d \"%s\" -> alert %s\n", ec.category().name(), ec.value(), ec.message().c_str(),
              tls13::alert_name(tls13::to_alert(ec)));
  check(tls13::to_alert(ec) == tls13::alert_description::bad_record_mac, "to_alert(bad_record_mac)");
  check(!ec.message().empty(), "error message is not empty");
  check(std::strcmp(tls13::alert_name(tls13::alert_description::handshake_failure), "handshake_failure") == 0,
        "alert_name(handshake_failure)");

  tls13::alert_description received{};
  check(tls13::received_alert(tls13::alert_received(tls13::alert_description::unknown_ca), received) &&
            received == tls13::alert_description::unknown_ca,
        "alert_received/received_alert round trip");

  // An X25519 exchange through libcrypto: both sides must derive the same 32-byte secret.
  auto provider = tls13::default_crypto_provider();
  check(provider != nullptr && provider->supports(tls13::named_group::x25519), "default provider has x25519");
  if (provider) {
    auto a = provider->start_key_exchange(tls13::named_group::x25519);
    auto b = provider->start_key_exchange(tls13::named_group::x25519);
    check(a.has_value() && b.has_value(), "start_key_exchange(x25519) twice");
    if (a && b) {
      auto sa = a.value()->complete(b.value()->public_key());
      auto sb = b.value()->complete(a.value()->public_key());
      check(sa.has_value() && sb.has_value() && sa.value().size() == 32 &&
                std::equal(sa.value().view().begin(), sa.value().view().end(), sb.value().view().begin(),
                           sb.value().view().end()),
            "X25519 shared secrets agree");
    }
  }

  std::printf("%s\n", failures == 0 ? "consumer: all checks passed" : "consumer: FAILED");
  return failures == 0 ? 0 : 1;
}
