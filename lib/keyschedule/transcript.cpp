// message_hash synthetic message for the HelloRetryRequest transcript (RFC 8446 §4.4.1).
#include "keyschedule/transcript.hpp"

#include "tls13/errors.hpp"

namespace tls13::keyschedule {

result<message_hash_message> make_message_hash(crypto::hash_alg h,
                                               const crypto::digest& client_hello1_hash) noexcept {
  const std::size_t n = crypto::hash_size(h);
  if (client_hello1_hash.size != n) return internal_errc::invalid_argument;
  message_hash_message m;
  m.data[0] = static_cast<std::byte>(handshake_type::message_hash);
  m.data[1] = std::byte{0};
  m.data[2] = std::byte{0};
  m.data[3] = static_cast<std::byte>(n);
  for (std::size_t i = 0; i < n; ++i) m.data[4 + i] = client_hello1_hash.data[i];
  m.size = 4 + n;
  return m;
}

result<crypto::transcript_hash> transcript_after_hello_retry(
    crypto::hash_alg h, const crypto::digest& client_hello1_hash) noexcept {
  TLS13_TRY_ASSIGN(const message_hash_message m, make_message_hash(h, client_hello1_hash));
  TLS13_TRY_ASSIGN(crypto::transcript_hash t, crypto::transcript_hash::create(h));
  TLS13_TRY(t.update(m.view()));
  return t;
}

}  // namespace tls13::keyschedule
