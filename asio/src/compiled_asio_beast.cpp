// Asio and Beast compiled once, for the project's own tests and examples (target
// tls13_compiled_asio_beast, which defines BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION for whatever links it). Asio.SSL is not here: it needs libssl,
// which only the tests that compare with boost::asio::ssl::stream may link (tests/asio/asio_impl.cpp).
// Only its error categories are, since tls13::stream reports errors in them (libcrypto only).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/error.ipp>
#include <boost/beast/src.hpp>
