#include "redis/resp.hpp"

#include <charconv>
#include <cstdint>
#include <string>

namespace tls13::redis_detail {
namespace {

std::size_t digits(std::size_t n) {
  std::size_t d = 1;
  while (n >= 10) n /= 10, ++d;
  return d;
}

void append(std::vector<std::byte>& out, std::string_view s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  out.insert(out.end(), p, p + s.size());
}

void append_number(std::vector<std::byte>& out, std::size_t n) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  append(out, std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

// The parser walks the input once per call; an unfinished reply is parsed again from the start when
// more bytes have come. Replies here are small (a status, one bulk string), so that costs little,
// and keeping no state between calls leaves nothing half-built to get wrong.
class parser {
 public:
  parser(bytes in, const redis_reply_limits& l) : in_(in), lim_(l) {}

  // true: a whole value was read into `out`; false: the input ends first.
  result<bool> value(redis_reply& out, std::size_t depth) {
    if (pos_ >= in_.size()) return false;
    const char type = static_cast<char>(in_[pos_++]);
    std::string_view text;
    TLS13_TRY_ASSIGN(const bool have_line, line(text));
    if (!have_line) return false;
    switch (type) {
      case '+':
        out.type = redis_reply::kind::simple;
        out.str.assign(text);
        return true;
      case '-':
        out.type = redis_reply::kind::error;
        out.str.assign(text);
        return true;
      case ':': {
        out.type = redis_reply::kind::integer;
        TLS13_TRY_ASSIGN(out.integer, number(text));
        return true;
      }
      case '$':
        return bulk(text, out);
      case '*':
        return array(text, out, depth);
      default:
        return redis_errc::bad_reply;  // RESP3 types included: we never send HELLO 3
    }
  }

  std::size_t position() const { return pos_; }

 private:
  // The text up to the next CRLF, which must come within max_line bytes; a lone CR or LF inside a
  // line is not RESP.
  result<bool> line(std::string_view& out) {
    const std::size_t start = pos_;
    for (std::size_t i = start; i < in_.size(); ++i) {
      if (i - start > lim_.max_line) return redis_errc::reply_too_large;
      const auto c = static_cast<char>(in_[i]);
      if (c == '\n') return redis_errc::bad_reply;
      if (c != '\r') continue;
      if (i + 1 >= in_.size()) return false;
      if (static_cast<char>(in_[i + 1]) != '\n') return redis_errc::bad_reply;
      out = std::string_view(reinterpret_cast<const char*>(in_.data()) + start, i - start);
      pos_ = i + 2;
      if (pos_ > lim_.max_total) return redis_errc::reply_too_large;
      return true;
    }
    if (in_.size() - start > lim_.max_line + 1) return redis_errc::reply_too_large;
    return false;
  }

  // A signed decimal: an optional '-' and 1 to 19 digits, nothing else (no '+', spaces or overflow).
  static result<std::int64_t> number(std::string_view s) {
    const bool negative = !s.empty() && s.front() == '-';
    const std::string_view d = negative ? s.substr(1) : s;
    if (d.empty() || d.size() > 19) return redis_errc::bad_reply;
    std::uint64_t v = 0;
    for (const char c : d) {
      if (c < '0' || c > '9') return redis_errc::bad_reply;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    constexpr std::uint64_t max = static_cast<std::uint64_t>(INT64_MAX);
    if (v > max + (negative ? 1 : 0)) return redis_errc::bad_reply;
    if (!negative) return static_cast<std::int64_t>(v);
    return v == max + 1 ? INT64_MIN : -static_cast<std::int64_t>(v);
  }

  // A length header: -1 is nil, other negatives are malformed, anything above `limit` too large.
  static result<std::int64_t> length(std::string_view s, std::size_t limit) {
    TLS13_TRY_ASSIGN(const std::int64_t n, number(s));
    if (n < -1) return redis_errc::bad_reply;
    if (n > 0 && static_cast<std::uint64_t>(n) > limit) return redis_errc::reply_too_large;
    return n;
  }

  result<bool> bulk(std::string_view header, redis_reply& out) {
    TLS13_TRY_ASSIGN(const std::int64_t n, length(header, lim_.max_bulk));
    if (n == -1) {
      out.type = redis_reply::kind::nil;
      return true;
    }
    const auto len = static_cast<std::size_t>(n);
    // Checked before waiting for the bytes, so a huge announced length fails at once.
    if (pos_ + len + 2 > lim_.max_total) return redis_errc::reply_too_large;
    if (in_.size() - pos_ < len + 2) return false;
    const bytes body = in_.subspan(pos_, len);
    if (static_cast<char>(in_[pos_ + len]) != '\r' || static_cast<char>(in_[pos_ + len + 1]) != '\n')
      return redis_errc::bad_reply;
    out.type = redis_reply::kind::bulk;
    out.str.assign(reinterpret_cast<const char*>(body.data()), body.size());
    pos_ += len + 2;
    return true;
  }

  // max_array bounds the elements of all arrays in the reply together: memory then grows with the
  // bytes received, never with the counts a server announces.
  result<bool> array(std::string_view header, redis_reply& out, std::size_t depth) {
    TLS13_TRY_ASSIGN(const std::int64_t n, length(header, lim_.max_array));
    if (n == -1) {
      out.type = redis_reply::kind::nil;
      return true;
    }
    if (depth + 1 > lim_.max_depth) return redis_errc::reply_too_large;
    elements_ += static_cast<std::size_t>(n);
    if (elements_ > lim_.max_array) return redis_errc::reply_too_large;
    out.type = redis_reply::kind::array;
    for (std::int64_t i = 0; i < n; ++i) {
      redis_reply e;
      TLS13_TRY_ASSIGN(const bool done, value(e, depth + 1));
      if (!done) return false;
      out.elements.push_back(std::move(e));
    }
    return true;
  }

  bytes in_;
  const redis_reply_limits& lim_;
  std::size_t pos_ = 0;
  std::size_t elements_ = 0;
};

}  // namespace

void encode_command(std::span<const std::string_view> args, std::vector<std::byte>& out) {
  std::size_t size = 3 + digits(args.size());
  for (const auto a : args) size += 1 + digits(a.size()) + 2 + a.size() + 2;
  out.clear();
  out.reserve(size);
  append(out, "*");
  append_number(out, args.size());
  append(out, "\r\n");
  for (const auto a : args) {
    append(out, "$");
    append_number(out, a.size());
    append(out, "\r\n");
    append(out, a);
    append(out, "\r\n");
  }
}

result<std::size_t> parse_reply(bytes in, const redis_reply_limits& limits, redis_reply& out) {
  parser p(in, limits);
  out = redis_reply{};
  TLS13_TRY_ASSIGN(const bool done, p.value(out, 0));
  if (!done) return std::size_t{0};
  return p.position();
}

}  // namespace tls13::redis_detail
