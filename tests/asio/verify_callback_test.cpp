// set_verify_callback(bool(bool preverified, ssl::verify_context&)) on tls13::context and
// tls13::stream, with the same callbacks run against boost::asio::ssl::stream (libssl) where cheap:
// the calls (depth, preverified, error, subject) and the outcome must be the same.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tls13/asio.hpp"
#include "verify_calls.hpp"

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

std::string pki(const char* name) { return std::string(TLS13_VECTORS_DIR) + "/pki/" + name; }

using call = tls13::test::verify_call;

// An asio verify callback that records each call and then asks `inner` (shared state: asio and we
// both copy callbacks).
struct recording_callback {
  std::shared_ptr<std::vector<call>> calls = std::make_shared<std::vector<call>>();
  std::function<bool(bool, ssl::verify_context&)> inner = [](bool, ssl::verify_context&) { return true; };
  bool operator()(bool preverified, ssl::verify_context& vc) const {
    calls->push_back(tls13::test::record_call(preverified, vc.native_handle()));
    return inner(preverified, vc);
  }
};

// A tls13 server on 127.0.0.1 (test PKI chain: server-ecdsa, int, ca Test Root) for one handshake.
struct server {
  net::io_context io;
  tls13::context ctx{tls13::context::tls_server};
  tcp::acceptor acceptor{io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
  std::thread thread;
  boost::system::error_code handshake_ec;
  explicit server(const std::function<void(tls13::context&)>& setup = {}) {
    ctx.use_certificate_chain_file(pki("server-ecdsa-chain.pem"));
    ctx.use_private_key_file(pki("server-ecdsa-key.pem"), tls13::context::file_format::pem);
    if (setup) setup(ctx);
    thread = std::thread([this] {
      tls13::stream<tcp::socket> s(io, ctx);
      acceptor.accept(s.next_layer());
      s.handshake(tls13::stream_base::server, handshake_ec);
      if (!handshake_ec) {
        char byte = 0;
        boost::system::error_code ec;
        s.read_some(net::buffer(&byte, 1), ec);  // until the client closes
      }
    });
  }
  ~server() { thread.join(); }
  tcp::endpoint endpoint() const { return acceptor.local_endpoint(); }
};

// One client handshake with tls13::stream. `set_name`: set_server_name (SNI + our strict name check).
boost::system::error_code tls13_client(tls13::context& ctx, const std::string& set_name = "",
                                       const std::function<void(tls13::stream<tcp::socket>&)>& tweak = {},
                                       server* srv_out = nullptr) {
  std::optional<server> own;
  server& srv = srv_out != nullptr ? *srv_out : own.emplace();
  net::io_context io;
  tls13::stream<tcp::socket> s(io, ctx);
  if (!set_name.empty()) s.set_server_name(set_name);
  if (tweak) tweak(s);
  s.next_layer().connect(srv.endpoint());
  boost::system::error_code ec;
  s.handshake(tls13::stream_base::client, ec);
  s.next_layer().close();
  return ec;
}

// A client context trusting `ca`, with verify_peer.
struct client_context : tls13::context {
  explicit client_context(const char* ca) : tls13::context(tls13::context::tls_client) {
    load_verify_file(pki(ca));
    set_verify_mode(ssl::verify_peer);
  }
};

// The same with boost::asio::ssl::stream (libssl): the asio idiom, SNI set by hand.
boost::system::error_code asio_client(const char* ca, const recording_callback& cb,
                                      const std::string& sni = "") {
  server srv;
  net::io_context io;
  ssl::context ctx{ssl::context::tls_client};
  ctx.load_verify_file(pki(ca));
  ctx.set_verify_mode(ssl::verify_peer);
  ctx.set_verify_callback(cb);
  ssl::stream<tcp::socket> s(io, ctx);
  if (!sni.empty()) SSL_set_tlsext_host_name(s.native_handle(), sni.c_str());
  s.next_layer().connect(srv.endpoint());
  boost::system::error_code ec;
  s.handshake(ssl::stream_base::client, ec);
  s.next_layer().close();
  return ec;
}

std::error_code core_error(boost::system::error_code ec) { return tls13::asio_detail::to_std(ec); }

bool is_asio_verify_failure(boost::system::error_code ec) {
  return ec.category() == net::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

const std::vector<call> good_chain{
    {2, true, X509_V_OK, "ca Test Root"}, {1, true, X509_V_OK, "int"}, {0, true, X509_V_OK, "server-ecdsa"}};

TEST(AsioVerifyCallback, AcceptingCallbackSeesTheChainAnchorToLeafLikeAsio) {
  recording_callback ours;
  client_context ctx("ca.pem");
  boost::system::error_code set_ec = net::error::fault;
  ctx.set_verify_callback(ours, set_ec);
  EXPECT_FALSE(set_ec);
  EXPECT_FALSE(tls13_client(ctx, "localhost"));
  EXPECT_EQ(*ours.calls, good_chain);

  recording_callback theirs;
  EXPECT_FALSE(asio_client("ca.pem", theirs, "localhost"));
  EXPECT_EQ(*theirs.calls, *ours.calls);
}

TEST(AsioVerifyCallback, ReturningFalseFailsTheHandshake) {
  recording_callback ours;
  ours.inner = [](bool, ssl::verify_context&) { return false; };
  client_context ctx("ca.pem");
  ctx.set_verify_callback(ours);
  const auto ec = tls13_client(ctx, "localhost");
  EXPECT_EQ(core_error(ec), tls13::make_error_code(tls13::certificate_errc::unknown)) << ec.message();
  EXPECT_EQ(tls13::to_alert(core_error(ec)), tls13::alert_description::certificate_unknown);
  // Called once: the first call's answer ends the verification, as with OpenSSL.
  EXPECT_EQ(*ours.calls, std::vector<call>{good_chain.front()});

  recording_callback theirs;
  theirs.inner = ours.inner;
  const auto asio_ec = asio_client("ca.pem", theirs, "localhost");
  EXPECT_TRUE(is_asio_verify_failure(asio_ec)) << asio_ec.message();
  EXPECT_EQ(*theirs.calls, *ours.calls);
}

TEST(AsioVerifyCallback, HostNameVerification) {
  // Accepts the right name.
  client_context ctx("ca.pem");
  ctx.set_verify_callback(ssl::host_name_verification("localhost"));
  EXPECT_FALSE(tls13_client(ctx, "localhost"));
  // Without set_server_name (the asio idiom: the callback alone checks the name).
  EXPECT_FALSE(tls13_client(ctx));
  // Rejects a wrong one: the callback's own check...
  client_context wrong("ca.pem");
  wrong.set_verify_callback(ssl::host_name_verification("wrong.example"));
  auto ec = tls13_client(wrong, "localhost");
  EXPECT_EQ(core_error(ec), tls13::make_error_code(tls13::certificate_errc::unknown)) << ec.message();
  ec = tls13_client(wrong);
  EXPECT_EQ(core_error(ec), tls13::make_error_code(tls13::certificate_errc::unknown)) << ec.message();
  // ... and ours (preverified false at the leaf, which host_name_verification does not override).
  ec = tls13_client(wrong, "wrong.example");
  EXPECT_EQ(core_error(ec), tls13::make_error_code(tls13::certificate_errc::name_mismatch)) << ec.message();
  // The older rfc2818_verification works too.
  client_context old("ca.pem");
  old.set_verify_callback(ssl::rfc2818_verification("localhost"));
  EXPECT_FALSE(tls13_client(old));
  old.set_verify_callback(ssl::rfc2818_verification("wrong.example"));
  EXPECT_TRUE(tls13_client(old));

  // asio: the same verdicts.
  recording_callback good, bad;
  good.inner = ssl::host_name_verification("localhost");
  bad.inner = ssl::host_name_verification("wrong.example");
  EXPECT_FALSE(asio_client("ca.pem", good));
  EXPECT_TRUE(is_asio_verify_failure(asio_client("ca.pem", bad)));
}

TEST(AsioVerifyCallback, OverridingAnUnknownCaLikeAsio) {
  // Without a callback: unknown_ca.
  client_context strict("other-ca.pem");
  auto ec = tls13_client(strict, "localhost");
  EXPECT_EQ(core_error(ec), tls13::make_error_code(tls13::certificate_errc::unknown_issuer)) << ec.message();
  EXPECT_EQ(tls13::to_alert(core_error(ec)), tls13::alert_description::unknown_ca);

  // A callback that accepts everything: the handshake succeeds, after a preverified-false call.
  recording_callback ours;
  client_context ctx("other-ca.pem");
  ctx.set_verify_callback(ours);
  EXPECT_FALSE(tls13_client(ctx, "localhost"));
  ASSERT_FALSE(ours.calls->empty());
  EXPECT_FALSE(ours.calls->front().preverified);
  EXPECT_EQ(ours.calls->back().depth, 0);
  EXPECT_TRUE(ours.calls->back().preverified);

  recording_callback theirs;
  EXPECT_FALSE(asio_client("other-ca.pem", theirs, "localhost"));
  EXPECT_EQ(*theirs.calls, *ours.calls);

  // One that keeps the verdict: refused, as before.
  recording_callback keep;
  keep.inner = [](bool preverified, ssl::verify_context&) { return preverified; };
  ctx.set_verify_callback(keep);
  ec = tls13_client(ctx, "localhost");
  EXPECT_EQ(core_error(ec), tls13::make_error_code(tls13::certificate_errc::unknown_issuer)) << ec.message();
}

TEST(AsioVerifyCallback, StreamCallbackOverridesTheContexts) {
  client_context ctx("ca.pem");
  recording_callback refuse;
  refuse.inner = [](bool, ssl::verify_context&) { return false; };
  ctx.set_verify_callback(refuse);
  recording_callback accept;
  EXPECT_FALSE(tls13_client(ctx, "localhost", [&](tls13::stream<tcp::socket>& s) {
    boost::system::error_code ec = net::error::fault;
    s.set_verify_callback(accept, ec);
    EXPECT_FALSE(ec);
  }));
  EXPECT_TRUE(refuse.calls->empty());
  EXPECT_EQ(*accept.calls, good_chain);
  // Other streams of the context still use the context's.
  EXPECT_TRUE(tls13_client(ctx, "localhost"));
  EXPECT_FALSE(refuse.calls->empty());
  // A stream-level callback also works without one on the context, and with its own verify depth.
  client_context plain("other-ca.pem");
  recording_callback all;
  EXPECT_FALSE(tls13_client(plain, "localhost", [&](tls13::stream<tcp::socket>& s) {
    s.set_verify_callback(all);
    s.set_verify_depth(4);
  }));
  EXPECT_FALSE(all.calls->empty());
}

TEST(AsioVerifyCallback, AnExceptionIsARejection) {
  client_context ctx("ca.pem");
  ctx.set_verify_callback([](bool, ssl::verify_context&) -> bool { throw std::runtime_error("no"); });
  EXPECT_EQ(core_error(tls13_client(ctx, "localhost")),
            tls13::make_error_code(tls13::certificate_errc::unknown));
}

TEST(AsioVerifyCallback, ServerCheckingClientCertificates) {
  recording_callback seen;
  client_context ctx("ca.pem");
  ctx.use_certificate_chain_file(pki("client.pem"));
  ctx.use_private_key_file(pki("client-key.pem"), tls13::context::file_format::pem);
  auto require_client_cert = [&](tls13::context& c) {
    c.load_verify_file(pki("ca.pem"));
    c.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    c.set_verify_callback(seen);
  };
  {
    server srv(require_client_cert);
    EXPECT_FALSE(tls13_client(ctx, "localhost", {}, &srv));
    ctx.set_verify_mode(ssl::verify_none);  // (the client's verification is not what is tested here)
  }
  EXPECT_EQ(*seen.calls,
            (std::vector<call>{{1, true, X509_V_OK, "ca Test Root"}, {0, true, X509_V_OK, "client"}}));
  // A server callback that refuses: the server's handshake fails with certificate_unknown.
  seen.inner = [](bool, ssl::verify_context&) { return false; };
  boost::system::error_code server_ec;
  {
    server srv(require_client_cert);
    tls13_client(ctx, "localhost", {}, &srv);
    srv.thread.join();
    server_ec = srv.handshake_ec;
    srv.thread = std::thread([] {});
  }
  EXPECT_EQ(core_error(server_ec), tls13::make_error_code(tls13::certificate_errc::unknown))
      << server_ec.message();
}

}  // namespace
