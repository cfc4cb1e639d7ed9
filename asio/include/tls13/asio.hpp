// The Boost.Asio adapter of tls13: include this one header.
//   tls13::context           asio::ssl::context's names over tls13 configs
//   tls13::stream<Next>      drop-in for asio::ssl::stream<Next> / beast::ssl_stream<Next>
//   teardown/async_teardown  for beast::websocket::stream<tls13::stream<...>>
#pragma once

#include "tls13/asio/context.hpp"
#include "tls13/asio/error.hpp"
#include "tls13/asio/stream.hpp"
#include "tls13/asio/teardown.hpp"
