// Core errors as boost::system::error_code, with asio's own codes where users compare against them:
// the peer's close_notify is net::error::eof and a transport EOF without close_notify is
// net::ssl::error::stream_truncated (the exact codes asio::ssl::stream produces).
#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/system/error_code.hpp>

#include "tls13/errors.hpp"

namespace tls13::asio_detail {

inline boost::system::error_code to_boost(std::error_code ec) {
  if (!ec) return {};
  if (ec == make_error_code(protocol_errc::truncated)) return boost::asio::ssl::error::stream_truncated;
  // Boost.System wraps the std::error_code: same value, category name and message.
  return boost::system::error_code(ec);
}

// The original core error behind a boost::system::error_code made by to_boost(), if any.
inline std::error_code to_std(const boost::system::error_code& ec) { return std::error_code(ec); }

}  // namespace tls13::asio_detail
