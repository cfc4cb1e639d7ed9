// The Boost.Asio adapter of tls13: include this one header.
//   tls13::context           asio::ssl::context's names over tls13 configs
//   tls13::stream<Next>      drop-in for asio::ssl::stream<Next> / beast::ssl_stream<Next>
//   teardown/async_teardown  for beast::websocket::stream<tls13::stream<...>>
//   tls13::ticket_key_rotator rotates a ticket_key_ring on a timer
#pragma once

#include "tls13/asio/context.hpp"
#include "tls13/asio/error.hpp"
#include "tls13/asio/stream.hpp"
#include "tls13/asio/teardown.hpp"
#include "tls13/asio/ticket_rotator.hpp"
