// Asio.SSL compiled once for the tests that also run boost::asio::ssl::stream over libssl (target
// asio_test_impl, on top of tls13_compiled_asio_beast, which has Asio, Beast and ssl/impl/error.ipp).
#include <boost/asio/detail/config.hpp>
#include <boost/asio/ssl/detail/impl/engine.ipp>
#include <boost/asio/ssl/detail/impl/openssl_init.ipp>
#include <boost/asio/ssl/impl/context.ipp>
#include <boost/asio/ssl/impl/host_name_verification.ipp>
#include <boost/asio/ssl/impl/rfc2818_verification.ipp>
