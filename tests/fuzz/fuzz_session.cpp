// The resumption codecs on arbitrary bytes: the first byte picks the client's serialized
// session_ticket (what -sess_in reads from disk) or the server's ticket contents (what a ticket
// decrypts to), and whatever parses must re-encode to the same bytes. A ring must refuse every
// ticket it did not seal.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "session/server_ticket.hpp"
#include "tls13/session.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tls13;
  if (size < 1) return 0;
  const bytes in(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      if (auto t = session_ticket::parse(in)) {
        const auto again = t->serialize();
        if (again.size() != in.size() || !std::equal(again.begin(), again.end(), in.begin())) std::abort();
      }
      break;
    case 1:
      if (auto t = session::decode_ticket(in, 10)) {
        const auto again = session::encode_ticket(*t);
        if (again.size() != in.size() || !std::equal(again.begin(), again.end(), in.begin())) std::abort();
      }
      break;
    default: {
      static const auto ring = ticket_key_ring::create();
      if (ring->open(in)) std::abort();  // forging a ticket must not be possible
      break;
    }
  }
  return 0;
}
