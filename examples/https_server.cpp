// A Beast HTTPS file server on tls13: one coroutine per connection, ALPN http/1.1, timeouts on the
// TCP layer, graceful stop on SIGINT/SIGTERM. Swapping ssl::stream for tls13::stream and
// ssl::context for tls13::context is the whole migration.
//   https_server --listen 127.0.0.1:8443 --cert chain.pem --key key.pem --root DIR [--requests N]
//                [--early-data] [--metrics]
// GET and HEAD serve files; POST answers with the size of what it received.
// --early-data accepts 0-RTT (up to 16 KiB, replays refused by the default anti-replay store) and
// answers early requests at once (0.5-RTT), except those that are not safe to replay: a request
// that arrived (even in part) as TLS early data, or with "Early-Data: 1" from a proxy (RFC 8470
// §5.1), whose method is not GET, HEAD or OPTIONS gets 425 Too Early, and the client retries it
// after the handshake. Every response says in X-Early-Data whether its request was early.
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
  long max_requests = -1;   // stop after this many requests (demo and tests); -1: run until a signal
  bool early_data = false;  // accept 0-RTT
  bool metrics = false;     // serve GET /metrics (tls13::metrics, Prometheus text)
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

// Methods that are safe to replay, so they may be answered when they arrive as early data.
bool safe_to_replay(http::verb v) {
  return v == http::verb::get || v == http::verb::head || v == http::verb::options;
}

// The response for one request: a file under root, 425 for an early request that is not safe to
// replay, or 400/404.
http::message_generator respond(const std::string& root, http::request<http::string_body>&& req,
                                const tls13::session_info& tls, bool early, const tls13::metrics* metrics) {
  auto text = [&](unsigned status, std::string what) {
    http::response<http::string_body> res;
    res.version(req.version());
    res.result(status);
    if (status == 425) res.reason("Too Early");  // RFC 8470 (Beast has no name for it)
    res.set(http::field::content_type, "text/plain");
    res.set("X-Early-Data", early ? "1" : "0");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(what);
    res.prepare_payload();
    return http::message_generator(std::move(res));
  };
  if (early && !safe_to_replay(req.method()))
    return text(
        425, "this request arrived as early data and could be a replay: send it again after the handshake\n");
  const std::string target(req.target());
  if (metrics != nullptr && target == "/metrics" && req.method() == http::verb::get) {
    return text(200, metrics->to_prometheus());
  }
  if (req.method() == http::verb::post)
    return text(200, "received " + std::to_string(req.body().size()) + " bytes\n");
  if (req.method() != http::verb::get && req.method() != http::verb::head)
    return text(400, "only GET, HEAD and POST\n");
  if (target.empty() || target[0] != '/' || target.find("..") != std::string::npos)
    return text(400, "bad path\n");
  std::filesystem::path path = std::filesystem::path(root) / target.substr(1);
  if (target.back() == '/') path /= "index.html";
  beast::error_code ec;
  http::file_body::value_type body;
  body.open(path.c_str(), beast::file_mode::scan, ec);
  if (ec) return text(404, target + " not found\n");
  http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                      std::make_tuple(http::status::ok, req.version())};
  res.set(http::field::content_type, mime_type(path));
  res.set("X-TLS", std::string("TLSv1.3 ") + (tls.alpn.empty() ? "no-alpn" : tls.alpn));
  res.set("X-Early-Data", early ? "1" : "0");
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return http::message_generator(std::move(res));
}

net::awaitable<void> session(tcp::socket socket, tls13::context& ctx, const options& opt, long& served,
                             net::cancellation_signal& stop, const tls13::metrics* metrics) {
  tls13::stream<beast::tcp_stream> stream(std::move(socket), ctx);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
  // With accepted 0-RTT the handshake completes once our flight is out; the early data is read next.
  co_await stream.async_handshake(tls13::stream_base::server, net::use_awaitable);
  beast::flat_buffer buffer;
  for (;;) {
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    // Was any of this request early data? Bytes left in the buffer from an earlier read are early
    // if the client's Finished has not been read since; bytes read now are early if the stream
    // delivered early data meanwhile.
    const bool leftover_early = stream.in_early_data() && buffer.size() != 0;
    const auto early_before = stream.early_bytes_read();
    http::request<http::string_body> req;
    auto [ec, n] = co_await http::async_read(stream, buffer, req, net::as_tuple(net::use_awaitable));
    if (ec == http::error::end_of_stream || ec == net::ssl::error::stream_truncated) break;
    if (ec) throw beast::system_error(ec);
    const bool tls_early =
        leftover_early || stream.early_bytes_read() != early_before || stream.in_early_data();
    const bool proxy_early = req["Early-Data"] == "1";  // a proxy got it as early data (RFC 8470 §5.1)
    const bool early = tls_early || proxy_early;
    const bool keep_alive = req.keep_alive();
    const std::string what = std::string(req.method_string()) + " " + std::string(req.target());
    auto res = respond(opt.root, std::move(req), *stream.session(), early, opt.metrics ? metrics : nullptr);
    if (early)
      std::cerr << "https_server: " << what << ": early data (" << (tls_early ? "TLS 0-RTT" : "Early-Data: 1")
                << ")" << (stream.in_early_data() ? ", answered at 0.5-RTT" : "") << "\n";
    co_await beast::async_write(stream, std::move(res), net::use_awaitable);
    if (opt.max_requests > 0 && ++served >= opt.max_requests) stop.emit(net::cancellation_type::all);
    if (!keep_alive) break;
  }
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  co_await stream.async_shutdown(net::as_tuple(net::use_awaitable));
}

net::awaitable<void> listen(tls13::context& ctx, const options& opt, net::cancellation_signal& stop,
                            const tls13::metrics* metrics) {
  auto ex = co_await net::this_coro::executor;
  tcp::acceptor acceptor(ex, *tcp::resolver(ex).resolve(opt.host, opt.port).begin());
  std::cerr << "https_server: listening on https://" << opt.host << ":" << acceptor.local_endpoint().port()
            << "/\n";
  long served = 0;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(
        net::bind_cancellation_slot(stop.slot(), net::as_tuple(net::use_awaitable)));
    if (ec == net::error::operation_aborted) co_return;
    if (ec) continue;
    net::co_spawn(ex, session(std::move(socket), ctx, opt, served, stop, metrics), [](std::exception_ptr e) {
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
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--early-data" || a == "--metrics") {
      (a == "--metrics" ? o.metrics : o.early_data) = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const std::string v = argv[++i];
    if (a == "--listen") {
      const auto colon = v.rfind(':');
      if (colon == std::string::npos) return false;
      o.host = v.substr(0, colon);
      o.port = v.substr(colon + 1);
    } else if (a == "--cert") {
      o.cert = v;
    } else if (a == "--key") {
      o.key = v;
    } else if (a == "--root") {
      o.root = v;
    } else if (a == "--requests") {
      o.max_requests = std::stol(v);
    } else {
      return false;
    }
  }
  return !o.cert.empty() && !o.key.empty();
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  if (!parse(argc, argv, opt)) {
    std::cerr
        << "usage: https_server --listen host:port --cert chain.pem --key key.pem --root DIR [--requests N]"
           " [--early-data] [--metrics]\n";
    return 2;
  }
  try {
    tls13::context ctx(tls13::context::tls_server);
    ctx.use_certificate_chain_file(opt.cert);
    ctx.use_private_key_file(opt.key, tls13::context::file_format::pem);
    ctx.set_alpn_protocols({"http/1.1"});
    // 0-RTT: tickets issued from now on allow 16 KiB of early data; the default anti-replay store
    // (one per process) refuses a replayed ClientHello's early data.
    if (opt.early_data) ctx.set_max_early_data(16384);
    // Counters of every connection (handshakes, resumptions, 0-RTT, groups, failures): GET /metrics
    // with --metrics, and a summary when the server stops.
    auto metrics = std::make_shared<tls13::metrics>();
    ctx.set_metrics(metrics);
    net::io_context io;
    net::cancellation_signal stop;
    net::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { stop.emit(net::cancellation_type::all); });
    net::co_spawn(io, listen(ctx, opt, stop, metrics.get()), [&](std::exception_ptr e) {
      signals.cancel();
      if (e) std::rethrow_exception(e);
    });
    io.run();
    const auto m = metrics->read();
    std::cerr << "https_server: " << m.handshakes << " handshakes (" << m.resumed << " resumed, "
              << m.early_data_accepted << " with 0-RTT), " << m.failures << " connections failed\n";
  } catch (const std::exception& e) {
    std::cerr << "https_server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
