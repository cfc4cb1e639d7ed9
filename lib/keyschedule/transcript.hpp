// The HelloRetryRequest transcript rewrite (RFC 8446 §4.4.1): ClientHello1 is replaced by the
// synthetic handshake message
//   message_hash(254) || 00 00 Hash.length || Hash(ClientHello1)
#pragma once

#include <array>
#include <cstddef>

#include "crypto/hash.hpp"
#include "tls13/types.hpp"

namespace tls13::keyschedule {

// The synthetic message itself (4 + Hash.length octets).
struct message_hash_message {
  std::array<std::byte, 4 + crypto::max_hash_size> data{};
  std::size_t size = 0;
  bytes view() const noexcept { return {data.data(), size}; }
};

// `client_hello1_hash` = Transcript-Hash(ClientHello1) must be hash_size(h) octets
// (internal_errc::invalid_argument otherwise).
result<message_hash_message> make_message_hash(crypto::hash_alg h,
                                               const crypto::digest& client_hello1_hash) noexcept;

// A fresh running transcript that starts with message_hash(Hash(ClientHello1)); the caller then
// adds the HelloRetryRequest, ClientHello2, ... Works from a stored hash, e.g. a stateless server's
// cookie, as well as from the live transcript's current() value.
result<crypto::transcript_hash> transcript_after_hello_retry(
    crypto::hash_alg h, const crypto::digest& client_hello1_hash) noexcept;

}  // namespace tls13::keyschedule
