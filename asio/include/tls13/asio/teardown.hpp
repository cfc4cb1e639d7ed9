// ADL teardown / async_teardown so beast::websocket::stream<tls13::stream<...>> closes the TLS
// layer (close_notify both ways) and then the transport, like Beast's own ssl_stream overloads.
#pragma once

#include <boost/asio/compose.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include "tls13/asio/stream.hpp"

namespace tls13 {

template <class NextLayer>
void teardown(boost::beast::role_type role, stream<NextLayer>& s, boost::system::error_code& ec) {
  s.shutdown(ec);
  using boost::beast::websocket::teardown;
  boost::system::error_code ec2;
  teardown(role, s.next_layer(), ec ? ec2 : ec);
}

namespace asio_detail {

template <class NextLayer>
class teardown_op : boost::asio::coroutine {
 public:
  teardown_op(stream<NextLayer>& s, boost::beast::role_type role) : s_(s), role_(role) {}

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec = {}, std::size_t = 0) {
    BOOST_ASIO_CORO_REENTER(*this) {
      self.reset_cancellation_state(boost::asio::enable_total_cancellation());
      BOOST_ASIO_CORO_YIELD s_.async_shutdown(std::move(self));
      ec_ = ec;
      {
        using boost::beast::websocket::async_teardown;
        BOOST_ASIO_CORO_YIELD async_teardown(role_, s_.next_layer(), std::move(self));
      }
      if (!ec_) ec_ = ec;
      self.complete(ec_);
    }
  }

 private:
  stream<NextLayer>& s_;
  boost::beast::role_type role_;
  boost::system::error_code ec_;
};

}  // namespace asio_detail

template <class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type role, stream<NextLayer>& s, TeardownHandler&& handler) {
  boost::asio::async_compose<TeardownHandler, void(boost::system::error_code)>(
      asio_detail::teardown_op<NextLayer>(s, role), handler, s);
}

}  // namespace tls13
