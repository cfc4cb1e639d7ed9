// The RESP2 reply parser on arbitrary bytes, under tight limits so deep and long inputs reach them:
// it must never read past the input, and what it accepts must be consistent (a whole reply within
// the input, its strings within the limits). Every prefix of an accepted reply must be unfinished
// or the same reply, never an error: the connection parses again as bytes arrive.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "redis/resp.hpp"

namespace {

void check(const tls13::redis_reply& r, const tls13::redis_reply_limits& l, std::size_t depth) {
  if (depth > l.max_depth) std::abort();
  if (r.type == tls13::redis_reply::kind::bulk && r.str.size() > l.max_bulk) std::abort();
  if (r.elements.size() > l.max_array) std::abort();
  for (const auto& e : r.elements) check(e, l, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tls13;
  redis_reply_limits l;
  l.max_bulk = 256;
  l.max_array = 32;
  l.max_depth = 3;
  l.max_line = 64;
  l.max_total = 1024;
  const bytes in(reinterpret_cast<const std::byte*>(data), size);
  redis_reply r;
  const auto used = redis_detail::parse_reply(in, l, r);
  if (!used || *used == 0) return 0;
  if (*used > size || *used > l.max_total) std::abort();
  check(r, l, 0);
  for (std::size_t n = 0; n < *used; ++n) {
    redis_reply p;
    const auto again = redis_detail::parse_reply(in.first(n), l, p);
    if (!again || *again != 0) std::abort();
  }
  return 0;
}
