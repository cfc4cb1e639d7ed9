// RESP2 (the Redis serialization protocol) without I/O: commands encoded as arrays of bulk strings,
// and a strict parser for one reply that checks every length the server sends against
// redis_reply_limits before it reads or allocates anything.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "tls13/redis.hpp"
#include "tls13/types.hpp"

namespace tls13::redis_detail {

// `*<n>\r\n` then `$<len>\r\n<bytes>\r\n` for each argument, appended to `out` in one allocation
// (so a password or a PSK never sits in a freed, unwiped buffer).
void encode_command(std::span<const std::string_view> args, std::vector<std::byte>& out);

// One reply from the front of `in`: the number of bytes it took (`out` holds it), or 0 when `in` is
// a correct but unfinished prefix of a reply. Errors: redis_errc::bad_reply (not RESP2, including
// RESP3-only types) and redis_errc::reply_too_large (over a limit, even if the reply is unfinished).
result<std::size_t> parse_reply(bytes in, const redis_reply_limits& limits, redis_reply& out);

}  // namespace tls13::redis_detail
