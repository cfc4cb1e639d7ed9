// A Beast HTTPS client on tls13: `https_client https://host[:port]/path [--cafile F] [--resume]
// [--early-data] [--method GET|HEAD|POST|...]` prints the body. Without --cafile it trusts the system
// store; the server's name is checked either way. --resume fetches twice with the same context: the
// second handshake resumes with a ticket from the first (the context keeps them), which stderr
// reports. --early-data sends the request as 0-RTT early data whenever a ticket allows it (so, with
// --resume, the second fetch) and reports whether the server accepted it; what it did not accept
// goes after the handshake. A 425 Too Early answer (RFC 8470: the server will not act on a request
// that could be a replay) is reported and the request is sent again, after the handshake.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <iostream>
#include <regex>
#include <sstream>

#include "tls13/asio.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

struct request_options {
  std::string target;
  http::verb method = http::verb::get;
  bool early_data = false;
};

net::awaitable<int> fetch(tls13::context& ctx, std::string host, std::string port, const request_options& o) {
  auto ex = co_await net::this_coro::executor;
  tls13::stream<beast::tcp_stream> stream(ex, ctx);
  stream.set_server_name(host);
  auto endpoints = co_await tcp::resolver(ex).async_resolve(host, port, net::use_awaitable);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, net::use_awaitable);

  http::request<http::string_body> req{o.method, o.target, 11};
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "tls13-https-client");
  if (o.method == http::verb::post) {
    req.set(http::field::content_type, "text/plain");
    req.body() = "hello from https_client\n";
  }
  req.prepare_payload();
  // The request as bytes: all of it may go as early data.
  std::ostringstream os;
  os << req;
  const std::string wire = os.str();
  std::size_t early = 0;
  if (o.early_data) {
    early = co_await stream.async_handshake_with_early_data(net::buffer(wire), net::use_awaitable);
  } else {
    co_await stream.async_handshake(tls13::stream_base::client, net::use_awaitable);
  }
  const auto& tls = *stream.session();
  std::cerr << "https_client: TLSv1.3, ALPN " << (tls.alpn.empty() ? "-" : tls.alpn) << ", "
            << (tls.resumed ? "resumed (session ticket)" : "full handshake, certificate verified") << "\n";
  if (o.early_data) {
    if (early == wire.size())
      std::cerr << "https_client: early data accepted: the " << req.method_string() << " went in 0-RTT ("
                << early << " bytes)\n";
    else if (early != 0)
      std::cerr << "https_client: early data accepted in part (" << early << " of " << wire.size()
                << " bytes); the rest goes after the handshake\n";
    else
      std::cerr << "https_client: early data not accepted"
                << (tls.resumed ? " by the server" : " (no ticket)") << ": the " << req.method_string()
                << " goes after the handshake\n";
  }
  if (early < wire.size())
    co_await net::async_write(stream, net::buffer(wire.data() + early, wire.size() - early),
                              net::use_awaitable);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (o.method == http::verb::head) {
    http::response_parser<http::string_body> p;
    p.skip(true);
    co_await http::async_read(stream, buffer, p, net::use_awaitable);
    res = p.release();
  } else {
    co_await http::async_read(stream, buffer, res, net::use_awaitable);
  }
  if (res.result_int() == 425 && early != 0) {
    // RFC 8470 §4.2: the server would not act on it as early data; our handshake is complete now.
    std::cerr << "https_client: 425 Too Early: sending the " << req.method_string()
              << " again after the handshake\n";
    co_await net::async_write(stream, net::buffer(wire), net::use_awaitable);
    res = {};
    co_await http::async_read(stream, buffer, res, net::use_awaitable);
  }
  std::cerr << "https_client: HTTP " << res.result_int() << " " << res.reason()
            << (res["X-Early-Data"] == "1" ? " (the server saw early data)" : "") << "\n";
  std::cout << res.body();
  auto [ec] = co_await stream.async_shutdown(net::as_tuple(net::use_awaitable));
  if (ec && ec != net::ssl::error::stream_truncated && ec != net::error::eof)
    std::cerr << "https_client: shutdown: " << ec.message() << "\n";
  co_return res.result_int() == 200 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: https_client https://host[:port]/path [--cafile F] [--resume] [--early-data]"
                 " [--method M]\n";
    return 2;
  }
  static const std::regex url(R"(https://([^/:]+|\[[^\]]+\])(?::(\d+))?(/.*)?)");
  std::cmatch m;
  if (!std::regex_match(argv[1], m, url)) {
    std::cerr << "https_client: not an https URL: " << argv[1] << "\n";
    return 2;
  }
  const std::string host = m[1], port = m[2].matched ? m[2].str() : "443";
  request_options req;
  req.target = m[3].matched ? m[3].str() : "/";
  try {
    tls13::context ctx(tls13::context::tls_client);
    std::string cafile;
    bool resume = false;
    for (int i = 2; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--cafile" && i + 1 < argc) {
        cafile = argv[++i];
      } else if (a == "--resume") {
        resume = true;
      } else if (a == "--early-data") {
        req.early_data = true;
      } else if (a == "--method" && i + 1 < argc) {
        req.method = http::string_to_verb(argv[++i]);
        if (req.method == http::verb::unknown) {
          std::cerr << "https_client: unknown method " << argv[i] << "\n";
          return 2;
        }
      } else {
        std::cerr << "https_client: unknown option " << a << "\n";
        return 2;
      }
    }
    if (!cafile.empty())
      ctx.load_verify_file(cafile);
    else
      ctx.set_default_verify_paths();
    ctx.set_verify_mode(net::ssl::verify_peer);
    ctx.set_alpn_protocols({"http/1.1"});
    // 0-RTT when a ticket allows it. Early data can be replayed by an attacker: a real client
    // sends early only requests that are safe to repeat (the server answers others with 425).
    if (req.early_data) ctx.set_early_data(true);
    net::io_context io;
    int rc = 1;
    auto fetches = [&]() -> net::awaitable<int> {
      int r = co_await fetch(ctx, host, port, req);
      if (r == 0 && resume) r = co_await fetch(ctx, host, port, req);
      co_return r;
    };
    net::co_spawn(io, fetches(), [&](std::exception_ptr e, int r) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          std::cerr << "https_client: " << x.what() << "\n";
        }
        return;
      }
      rc = r;
    });
    io.run();
    return rc;
  } catch (const std::exception& e) {
    std::cerr << "https_client: " << e.what() << "\n";
    return 1;
  }
}
