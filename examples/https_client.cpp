// A Beast HTTPS client on tls13: `https_client https://host[:port]/path [--cafile F] [--resume]`
// prints the body. Without --cafile it trusts the system store; the server's name is checked either
// way. --resume fetches twice with the same context: the second handshake resumes with a ticket
// from the first (the context keeps them), which stderr reports.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <iostream>
#include <regex>

#include "tls13/asio.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

net::awaitable<int> fetch(tls13::context& ctx, std::string host, std::string port, std::string target) {
  auto ex = co_await net::this_coro::executor;
  tls13::stream<beast::tcp_stream> stream(ex, ctx);
  stream.set_server_name(host);
  auto endpoints = co_await tcp::resolver(ex).async_resolve(host, port, net::use_awaitable);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, net::use_awaitable);
  co_await stream.async_handshake(tls13::stream_base::client, net::use_awaitable);
  const auto& tls = *stream.session();
  std::cerr << "https_client: TLSv1.3, ALPN " << (tls.alpn.empty() ? "-" : tls.alpn) << ", "
            << (tls.resumed ? "resumed (session ticket)" : "full handshake, certificate verified") << "\n";
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "tls13-https-client");
  co_await http::async_write(stream, req, net::use_awaitable);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  co_await http::async_read(stream, buffer, res, net::use_awaitable);
  std::cout << res.body();
  auto [ec] = co_await stream.async_shutdown(net::as_tuple(net::use_awaitable));
  if (ec && ec != net::ssl::error::stream_truncated && ec != net::error::eof)
    std::cerr << "https_client: shutdown: " << ec.message() << "\n";
  co_return res.result_int() == 200 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: https_client https://host[:port]/path [--cafile F] [--resume]\n";
    return 2;
  }
  static const std::regex url(R"(https://([^/:]+|\[[^\]]+\])(?::(\d+))?(/.*)?)");
  std::cmatch m;
  if (!std::regex_match(argv[1], m, url)) {
    std::cerr << "https_client: not an https URL: " << argv[1] << "\n";
    return 2;
  }
  const std::string host = m[1], port = m[2].matched ? m[2].str() : "443",
                    target = m[3].matched ? m[3].str() : "/";
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
    net::io_context io;
    int rc = 1;
    auto fetches = [&]() -> net::awaitable<int> {
      int r = co_await fetch(ctx, host, port, target);
      if (r == 0 && resume) r = co_await fetch(ctx, host, port, target);
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
