// Finished and binder MACs: HMAC(HKDF-Expand-Label(BaseKey, "finished", "", Hash.length), hash).
#include "keyschedule/finished.hpp"

#include "tls13/errors.hpp"
#include "tls13/secret.hpp"

namespace tls13::keyschedule {
namespace {

result<crypto::digest> finished_mac(crypto::hash_alg h, const result<secret>& finished_key,
                                    const crypto::digest& transcript) noexcept {
  if (!finished_key) return finished_key.error();
  if (transcript.size != crypto::hash_size(h)) return internal_errc::invalid_argument;
  return crypto::hmac(h, finished_key->view(), transcript.view());
}

result<void> check(const result<crypto::digest>& expected, bytes received) noexcept {
  if (!expected) return expected.error();
  if (!constant_time_equal(expected->view(), received)) return protocol_errc::decrypt_error;
  return {};
}

}  // namespace

result<crypto::digest> finished_verify_data(const traffic_secret& base_key,
                                            const crypto::digest& transcript) noexcept {
  return finished_mac(base_key.hash(), base_key.finished_key(), transcript);
}

result<void> verify_finished(const traffic_secret& base_key, const crypto::digest& transcript,
                             bytes received_verify_data) noexcept {
  return check(finished_verify_data(base_key, transcript), received_verify_data);
}

result<crypto::digest> psk_binder(const binder_key& key,
                                  const crypto::digest& truncated_transcript) noexcept {
  return finished_mac(key.hash(), key.finished_key(), truncated_transcript);
}

result<void> verify_psk_binder(const binder_key& key, const crypto::digest& truncated_transcript,
                               bytes received_binder) noexcept {
  return check(psk_binder(key, truncated_transcript), received_binder);
}

}  // namespace tls13::keyschedule
