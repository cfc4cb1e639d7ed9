// The RESP2 codec without a server: commands encode as arrays of bulk strings, and the reply parser
// takes every correct reply, waits on every correct prefix and refuses malformed or oversized input
// (lengths the server announces are checked before anything is read or allocated).
#include "redis/resp.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tls13 {
namespace {

using redis_detail::encode_command;
using redis_detail::parse_reply;

bytes view(const std::string& s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }

result<std::size_t> parse(const std::string& s, redis_reply& out, const redis_reply_limits& l = {}) {
  return parse_reply(view(s), l, out);
}

std::error_code parse_error(const std::string& s, const redis_reply_limits& l = {}) {
  redis_reply r;
  return parse(s, r, l).error();
}

TEST(RespCodec, EncodesBinarySafeBulkStrings) {
  std::vector<std::byte> out;
  const std::string binary("a\0\r\n", 4);
  const std::string_view args[] = {"SET", binary, ""};
  encode_command(args, out);
  const std::string text(reinterpret_cast<const char*>(out.data()), out.size());
  EXPECT_EQ(text, std::string("*3\r\n$3\r\nSET\r\n$4\r\na\0\r\n\r\n$0\r\n\r\n", 29));
  EXPECT_EQ(out.capacity(), out.size());  // one exact allocation: nothing left behind to wipe
}

TEST(RespCodec, ParsesEveryReplyType) {
  redis_reply r;
  EXPECT_EQ(*parse("+OK\r\n", r), 5u);
  EXPECT_EQ(r.type, redis_reply::kind::simple);
  EXPECT_EQ(r.str, "OK");
  EXPECT_EQ(*parse("-ERR wrong type\r\n", r), 17u);
  EXPECT_EQ(r.type, redis_reply::kind::error);
  EXPECT_EQ(r.str, "ERR wrong type");
  ASSERT_TRUE(parse(":-9223372036854775808\r\n", r));
  EXPECT_EQ(r.integer, INT64_MIN);
  ASSERT_TRUE(parse(":9223372036854775807\r\n", r));
  EXPECT_EQ(r.integer, INT64_MAX);
  EXPECT_TRUE(parse("$2\r\nabc\r\n", r).error());  // wrong length: no CRLF where it must be
  EXPECT_EQ(*parse(std::string("$4\r\na\0\r\n\r\n", 10), r), 10u);
  EXPECT_EQ(r.type, redis_reply::kind::bulk);
  EXPECT_EQ(r.str, std::string("a\0\r\n", 4));
  EXPECT_EQ(*parse("$0\r\n\r\n", r), 6u);
  EXPECT_EQ(r.str, "");
  EXPECT_EQ(*parse("$-1\r\n", r), 5u);
  EXPECT_EQ(r.type, redis_reply::kind::nil);
  EXPECT_EQ(*parse("*-1\r\n", r), 5u);
  EXPECT_EQ(r.type, redis_reply::kind::nil);
  EXPECT_EQ(*parse("*2\r\n:1\r\n*1\r\n$1\r\nx\r\n", r), 19u);
  ASSERT_EQ(r.type, redis_reply::kind::array);
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[1].elements[0].str, "x");
  EXPECT_EQ(*parse("*0\r\n", r), 4u);
  EXPECT_TRUE(r.elements.empty());
}

TEST(RespCodec, EveryPrefixOfAReplyIsIncomplete) {
  const std::string full = "*3\r\n+OK\r\n$5\r\nhello\r\n*1\r\n:42\r\n";
  for (std::size_t n = 0; n < full.size(); ++n) {
    redis_reply r;
    const auto got = parse(full.substr(0, n), r);
    ASSERT_TRUE(got) << n;
    EXPECT_EQ(*got, 0u) << n;
  }
  redis_reply r;
  EXPECT_EQ(*parse(full + "+next\r\n", r), full.size());  // one reply; the rest is not ours
}

TEST(RespCodec, RefusesMalformedReplies) {
  const auto bad = make_error_code(redis_errc::bad_reply);
  for (const std::string s : {"?\r\n",
                              "_\r\n",
                              "%1\r\n",
                              ",1.5\r\n",
                              "#t\r\n",  // unknown / RESP3
                              "+OK\n",
                              "+O\nK\r\n",
                              "+OK\rX",
                              ":\r\n",
                              ":12a\r\n",
                              ":+1\r\n",
                              ": 1\r\n",
                              ":-\r\n",
                              ":99999999999999999999\r\n",
                              ":9223372036854775808\r\n",
                              "$-2\r\n",
                              "$-100\r\n",
                              "*-2\r\n",
                              "$x\r\n",
                              "$\r\n",
                              "$3\r\nabcd\r\n",
                              "$3\r\nabc\n\n",
                              "*1\r\n!\r\n"}) {
    EXPECT_EQ(parse_error(s), bad) << s;
  }
}

TEST(RespCodec, RefusesWhatBreaksALimitBeforeReadingIt) {
  const auto big = make_error_code(redis_errc::reply_too_large);
  redis_reply_limits l;
  l.max_bulk = 16;
  l.max_array = 8;
  l.max_depth = 2;
  l.max_line = 10;
  l.max_total = 64;
  // Announced lengths fail at once, before the bytes arrive.
  EXPECT_EQ(parse_error("$17\r\n", l), big);
  EXPECT_EQ(parse_error("$9223372036854775807\r\n", l), big);
  EXPECT_EQ(parse_error("*9\r\n", l), big);
  EXPECT_EQ(parse_error("*5\r\n*5\r\n", l), big);  // 10 elements in all
  EXPECT_EQ(parse_error("*1\r\n*1\r\n*1\r\n", l), big);
  EXPECT_EQ(parse_error("+0123456789A\r\n", l), big);
  EXPECT_EQ(parse_error("+0123456789ABCDEF", l), big);  // no CRLF in sight: no waiting for one
  EXPECT_EQ(parse_error("*4\r\n$16\r\n0123456789abcdef\r\n$16\r\n0123456789abcdef\r\n$16\r\n", l), big);
  redis_reply r;
  EXPECT_EQ(*parse("$16\r\n0123456789abcdef\r\n", r, l), 23u);
  EXPECT_EQ(*parse("*1\r\n*1\r\n:1\r\n", r, l), 12u);
}

TEST(RespCodec, DeepNestingIsBoundedWithDefaults) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "*1\r\n";
  EXPECT_EQ(parse_error(deep), make_error_code(redis_errc::reply_too_large));
}

}  // namespace
}  // namespace tls13
