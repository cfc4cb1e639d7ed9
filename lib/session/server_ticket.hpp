// What a server seals into a stateless ticket: enough to accept the ticket's PSK later and to
// restore what the original handshake established (the suite hash, SNI, the client's identity).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tls13/secret.hpp"
#include "tls13/types.hpp"

namespace tls13::session {

struct ticket_contents {
  cipher_suite suite{};
  secret psk;
  std::uint32_t age_add = 0;
  std::uint32_t lifetime = 0;  // seconds
  std::chrono::system_clock::time_point issued;
  std::uint32_t max_early_data = 0;
  std::string server_name;
  std::string alpn;
  bool peer_authenticated = false;
  std::vector<std::vector<std::byte>> peer_chain;  // the client's certificates, if it sent any
};

// Versioned encoding (the ring's AEAD protects it; the format octet lets the layout change).
std::vector<std::byte> encode_ticket(const ticket_contents& t);
// A malformed plaintext (only possible with a key we issued and a bug, or an old format):
// decode_errc::bad_value and friends. Chains longer than max_chain are refused.
result<ticket_contents> decode_ticket(bytes plaintext, std::size_t max_chain);

}  // namespace tls13::session
