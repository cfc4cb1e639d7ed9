// A Beast HTTPS file server on tls13: one coroutine per connection, ALPN http/1.1, timeouts on the
// TCP layer, graceful stop on SIGINT/SIGTERM. Swapping ssl::stream for tls13::stream and
// ssl::context for tls13::context is the whole migration.
//   https_server --listen 127.0.0.1:8443 --cert chain.pem --key key.pem --root DIR [--requests N]
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <iostream>

#include "tls13/asio.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

struct options {
  std::string host = "127.0.0.1", port = "8443", cert, key, root = ".";
  long max_requests = -1;  // stop after this many requests (demo and tests); -1: run until a signal
};

std::string mime_type(const std::filesystem::path& p) {
  const auto ext = p.extension().string();
  if (ext == ".html" || ext == ".htm") return "text/html";
  if (ext == ".css") return "text/css";
  if (ext == ".js") return "application/javascript";
  if (ext == ".json") return "application/json";
  if (ext == ".png") return "image/png";
  return "text/plain";
}

// The response for one request: a file under root, or 400/404.
http::message_generator respond(const std::string& root, http::request<http::string_body>&& req,
                                const tls13::session_info& tls) {
  auto error = [&](http::status s, std::string what) {
    http::response<http::string_body> res{s, req.version()};
    res.set(http::field::content_type, "text/plain");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(what);
    res.prepare_payload();
    return http::message_generator(std::move(res));
  };
  const std::string target(req.target());
  if (req.method() != http::verb::get && req.method() != http::verb::head)
    return error(http::status::bad_request, "only GET and HEAD\n");
  if (target.empty() || target[0] != '/' || target.find("..") != std::string::npos)
    return error(http::status::bad_request, "bad path\n");
  std::filesystem::path path = std::filesystem::path(root) / target.substr(1);
  if (target.back() == '/') path /= "index.html";
  beast::error_code ec;
  http::file_body::value_type body;
  body.open(path.c_str(), beast::file_mode::scan, ec);
  if (ec) return error(http::status::not_found, target + " not found\n");
  http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                      std::make_tuple(http::status::ok, req.version())};
  res.set(http::field::content_type, mime_type(path));
  res.set("X-TLS", std::string("TLSv1.3 ") + (tls.alpn.empty() ? "no-alpn" : tls.alpn));
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return http::message_generator(std::move(res));
}

net::awaitable<void> session(tcp::socket socket, tls13::context& ctx, const options& opt, long& served,
                             net::cancellation_signal& stop) {
  tls13::stream<beast::tcp_stream> stream(std::move(socket), ctx);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
  co_await stream.async_handshake(tls13::stream_base::server, net::use_awaitable);
  beast::flat_buffer buffer;
  for (;;) {
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    http::request<http::string_body> req;
    auto [ec, n] = co_await http::async_read(stream, buffer, req, net::as_tuple(net::use_awaitable));
    if (ec == http::error::end_of_stream || ec == net::ssl::error::stream_truncated) break;
    if (ec) throw beast::system_error(ec);
    const bool keep_alive = req.keep_alive();
    co_await beast::async_write(stream, respond(opt.root, std::move(req), *stream.session()), net::use_awaitable);
    if (opt.max_requests > 0 && ++served >= opt.max_requests) stop.emit(net::cancellation_type::all);
    if (!keep_alive) break;
  }
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  co_await stream.async_shutdown(net::as_tuple(net::use_awaitable));
}

net::awaitable<void> listen(tls13::context& ctx, const options& opt, net::cancellation_signal& stop) {
  auto ex = co_await net::this_coro::executor;
  tcp::acceptor acceptor(ex, *tcp::resolver(ex).resolve(opt.host, opt.port).begin());
  std::cerr << "https_server: listening on https://" << opt.host << ":" << acceptor.local_endpoint().port() << "/\n";
  long served = 0;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(
        net::bind_cancellation_slot(stop.slot(), net::as_tuple(net::use_awaitable)));
    if (ec == net::error::operation_aborted) co_return;
    if (ec) continue;
    net::co_spawn(ex, session(std::move(socket), ctx, opt, served, stop), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        std::cerr << "https_server: connection: " << x.what() << "\n";
      }
    });
  }
}

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--listen") {
      const auto colon = v.rfind(':');
      if (colon == std::string::npos) return false;
      o.host = v.substr(0, colon);
      o.port = v.substr(colon + 1);
    } else if (a == "--cert") o.cert = v;
    else if (a == "--key") o.key = v;
    else if (a == "--root") o.root = v;
    else if (a == "--requests") o.max_requests = std::stol(v);
    else return false;
  }
  return !o.cert.empty() && !o.key.empty() && argc % 2 == 1;
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  if (!parse(argc, argv, opt)) {
    std::cerr << "usage: https_server --listen host:port --cert chain.pem --key key.pem --root DIR [--requests N]\n";
    return 2;
  }
  try {
    tls13::context ctx(tls13::context::tls_server);
    ctx.use_certificate_chain_file(opt.cert);
    ctx.use_private_key_file(opt.key, tls13::context::file_format::pem);
    ctx.set_alpn_protocols({"http/1.1"});
    net::io_context io;
    net::cancellation_signal stop;
    net::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { stop.emit(net::cancellation_type::all); });
    net::co_spawn(io, listen(ctx, opt, stop), [&](std::exception_ptr e) {
      signals.cancel();
      if (e) std::rethrow_exception(e);
    });
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "https_server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
