// The stateless HelloRetryRequest cookie (RFC 8446 §4.2.2): everything the server needs to carry
// on after ClientHello2 without remembering ClientHello1, protected by an HMAC.
//
//   cookie = version(1) || suite(2) || group(2) || hash_len(1) || Hash(ClientHello1) || HMAC-SHA256
//
// The HMAC covers all preceding bytes; the key is the server config's cookie key.
#pragma once

#include <optional>
#include <vector>

#include "crypto/hash.hpp"
#include "tls13/types.hpp"

namespace tls13::handshake {

struct cookie_contents {
  cipher_suite suite;
  named_group group;
  crypto::digest client_hello1_hash;
};

result<std::vector<std::byte>> seal_cookie(bytes key, const cookie_contents& c);
// protocol_errc::illegal_parameter if the cookie is malformed or its MAC does not verify.
result<cookie_contents> open_cookie(bytes key, bytes cookie);

}  // namespace tls13::handshake
