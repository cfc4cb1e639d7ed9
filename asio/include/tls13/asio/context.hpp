// tls13::context: boost::asio::ssl::context's names over tls13's client/server configs.
// Setters change a pending configuration; handshakes take an immutable snapshot
// (shared_ptr<const config>), so a context can be shared by many streams on many threads and
// changed later (certificate hot reload): new handshakes see the change, running ones do not.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context_base.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <boost/asio/ssl/verify_mode.hpp>
#include <boost/system/system_error.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tls13/asio/error.hpp"
#include "tls13/config.hpp"
#include "tls13/keys.hpp"
#include "tls13/metrics.hpp"
#include "tls13/x509.hpp"

namespace tls13 {

namespace asio_detail {

// An asio verify callback, bool(bool preverified, boost::asio::ssl::verify_context&), as the core's
// x509_verify_callback: the verify_context wraps the X509_STORE_CTX the core passes (the one that
// built the path). An exception from the callback counts as a rejection (the core has none).
template <class VerifyCallback>
x509_verify_callback adapt_verify_callback(VerifyCallback callback) {
  auto f = std::make_shared<VerifyCallback>(std::move(callback));
  return [f](bool preverified, x509_store_ctx_st* ctx) -> bool {
    boost::asio::ssl::verify_context vc(ctx);
    try {
      return static_cast<bool>((*f)(preverified, vc));
    } catch (...) {
      return false;
    }
  };
}

}  // namespace asio_detail

class context {
 public:
  // The names asio users know; every method is TLS 1.3 only (TLS 1.2 and older are not offered).
  enum method { tls, tls_client, tls_server, tlsv13, tlsv13_client, tlsv13_server };
  using file_format = boost::asio::ssl::context_base::file_format;

  explicit context(method m) : method_(m) {}
  context(const context&) = delete;
  context& operator=(const context&) = delete;

#define TLS13_CTX_THROWING(name, ...)                     \
  {                                                       \
    boost::system::error_code ec;                         \
    name(__VA_ARGS__, ec);                                \
    if (ec) throw boost::system::system_error(ec, #name); \
  }

  void use_certificate_chain_file(const std::string& path)
      TLS13_CTX_THROWING(use_certificate_chain_file,
                         path) void use_certificate_chain_file(const std::string& path,
                                                               boost::system::error_code& ec) {
    auto chain = load_certificate_chain_file(path);
    if (!chain) return set(ec, chain.error());
    update([&](state& s) { s.chain = std::move(*chain); });
    ec = {};
  }
  void use_certificate_chain(boost::asio::const_buffer pem)
      TLS13_CTX_THROWING(use_certificate_chain,
                         pem) void use_certificate_chain(boost::asio::const_buffer pem,
                                                         boost::system::error_code& ec) {
    auto chain =
        load_certificate_chain_pem(std::string_view(static_cast<const char*>(pem.data()), pem.size()));
    if (!chain) return set(ec, chain.error());
    update([&](state& s) { s.chain = std::move(*chain); });
    ec = {};
  }
  void use_private_key_file(const std::string& path, file_format f)
      TLS13_CTX_THROWING(use_private_key_file, path,
                         f) void use_private_key_file(const std::string& path, file_format,
                                                      boost::system::error_code& ec) {
    auto key = private_key::from_pem_file(path);
    if (!key) return set(ec, key.error());
    update([&](state& s) { s.key = std::make_shared<private_key>(std::move(*key)); });
    ec = {};
  }
  void use_private_key(boost::asio::const_buffer b, file_format f)
      TLS13_CTX_THROWING(use_private_key, b, f) void use_private_key(boost::asio::const_buffer b,
                                                                     file_format f,
                                                                     boost::system::error_code& ec) {
    auto key = f == file_format::pem
                   ? private_key::from_pem(std::string_view(static_cast<const char*>(b.data()), b.size()))
                   : private_key::from_der(as_bytes(b.data(), b.size()));
    if (!key) return set(ec, key.error());
    update([&](state& s) { s.key = std::make_shared<private_key>(std::move(*key)); });
    ec = {};
  }
  void load_verify_file(const std::string& path)
      TLS13_CTX_THROWING(load_verify_file, path) void load_verify_file(const std::string& path,
                                                                       boost::system::error_code& ec) {
    with_roots(ec, [&](trust_store& t) { return t.load_file(path); });
  }
  void add_verify_path(const std::string& path)
      TLS13_CTX_THROWING(add_verify_path, path) void add_verify_path(const std::string& path,
                                                                     boost::system::error_code& ec) {
    with_roots(ec, [&](trust_store& t) { return t.add_directory(path); });
  }
  void add_certificate_authority(boost::asio::const_buffer pem)
      TLS13_CTX_THROWING(add_certificate_authority,
                         pem) void add_certificate_authority(boost::asio::const_buffer pem,
                                                             boost::system::error_code& ec) {
    with_roots(ec, [&](trust_store& t) {
      return t.add_pem(std::string_view(static_cast<const char*>(pem.data()), pem.size()));
    });
  }
  void set_default_verify_paths() {
    boost::system::error_code ec;
    set_default_verify_paths(ec);
    if (ec) throw boost::system::system_error(ec, "set_default_verify_paths");
  }
  void set_default_verify_paths(boost::system::error_code& ec) {
    auto sys = trust_store::system_default();
    if (!sys) return set(ec, sys.error());
    update([&](state& s) { s.roots = std::move(*sys); });
    ec = {};
  }
  void set_verify_mode(boost::asio::ssl::verify_mode v)
      TLS13_CTX_THROWING(set_verify_mode, v) void set_verify_mode(boost::asio::ssl::verify_mode v,
                                                                  boost::system::error_code& ec) {
    update([&](state& s) { s.verify_mode = v; });
    ec = {};
  }
  void set_verify_depth(int depth)
      TLS13_CTX_THROWING(set_verify_depth, depth) void set_verify_depth(int depth,
                                                                        boost::system::error_code& ec) {
    update([&](state& s) { s.verify_depth = depth; });
    ec = {};
  }
#undef TLS13_CTX_THROWING

  // asio's verify callback, bool(bool preverified, boost::asio::ssl::verify_context&), e.g.
  // boost::asio::ssl::host_name_verification(host): called for each certificate of the built path,
  // from the anchor down to the leaf, with verify_context::native_handle() a real X509_STORE_CTX
  // (current certificate, error and depth set). preverified is the strict validator's verdict;
  // returning false fails the handshake, returning true overrides the rejections docs/X509.md lists
  // as overridable (unknown issuer, expiry, name mismatch, key usage, ...), never the others. The
  // callback may run on several threads at once (every stream of the context uses it).
  template <class VerifyCallback>
  void set_verify_callback(VerifyCallback callback) {
    boost::system::error_code ec;
    set_verify_callback(std::move(callback), ec);
    if (ec) throw boost::system::system_error(ec, "set_verify_callback");
  }
  template <class VerifyCallback>
  void set_verify_callback(VerifyCallback callback, boost::system::error_code& ec) {
    auto cb = asio_detail::adapt_verify_callback(std::move(callback));
    update([&](state& s) { s.verify_callback = std::move(cb); });
    ec = {};
  }

  // Beyond asio::ssl::context: ALPN, groups, suites and the NSS key log (off unless set).
  void set_alpn_protocols(std::vector<std::string> p) {
    update([&](state& s) { s.alpn = std::move(p); });
  }
  void set_groups(std::vector<named_group> g) {
    update([&](state& s) { s.groups = std::move(g); });
  }
  void set_cipher_suites(std::vector<cipher_suite> c) {
    update([&](state& s) { s.suites = std::move(c); });
  }
  void set_key_log(key_log_callback cb) {
    update([&](state& s) { s.key_log = std::move(cb); });
  }

  // Resumption. Client: streams made from this context keep tickets in one store (by default a
  // store of this context's own) and resume with them; pass null to turn resumption off. Server:
  // tickets are sealed by `ring` (default: the process-wide ring, rotated hourly); share one ring,
  // or export_keys()/import_keys() it, between servers that should resume each other's sessions.
  void set_ticket_store(std::shared_ptr<const client_ticket_store> store) {
    update([&](state& s) { s.ticket_store = std::move(store); });
  }
  void set_ticket_key_ring(std::shared_ptr<const ticket_key_ring> ring) {
    update([&](state& s) { s.ticket_keys = std::move(ring); });
  }
  // Tickets a server sends after a full handshake and after a resumption (0: no resumption).
  void set_num_tickets(std::size_t after_full, std::size_t after_resumption = 1) {
    update([&](state& s) {
      s.tickets_full = after_full;
      s.tickets_resumed = after_resumption;
    });
  }

  // 0-RTT (RFC 8446 §2.3; off by default; docs/ZERO_RTT.md). Client: stream handshakes with early
  // data (stream::async_handshake_with_early_data) offer it when the ticket being resumed allows
  // it; plain handshakes never do. Early data can be replayed by an attacker: send only requests
  // that are safe to repeat.
  void set_early_data(bool enable) {
    boost::system::error_code ec;
    set_early_data(enable, ec);
    if (ec) throw boost::system::system_error(ec, "set_early_data");
  }
  void set_early_data(bool enable, boost::system::error_code& ec) {
    update([&](state& s) { s.early_data = enable; });
    ec = {};
  }
  // Server: accept up to `max_bytes` of early data on resumption (0: never, the default); tickets
  // issued from now on allow it. Streams then see stream::in_early_data() while they read it.
  void set_max_early_data(std::uint32_t max_bytes) {
    boost::system::error_code ec;
    set_max_early_data(max_bytes, ec);
    if (ec) throw boost::system::system_error(ec, "set_max_early_data");
  }
  void set_max_early_data(std::uint32_t max_bytes, boost::system::error_code& ec) {
    update([&](state& s) { s.max_early_data = max_bytes; });
    ec = {};
  }
  // Server: the store that refuses a replayed ClientHello's early data (null: the process-wide
  // Bloom filter). Every server that accepts the same tickets must share one.
  void set_anti_replay(std::shared_ptr<const anti_replay_store> store) {
    boost::system::error_code ec;
    set_anti_replay(std::move(store), ec);
    if (ec) throw boost::system::system_error(ec, "set_anti_replay");
  }
  void set_anti_replay(std::shared_ptr<const anti_replay_store> store, boost::system::error_code& ec) {
    update([&](state& s) { s.anti_replay = std::move(store); });
    ec = {};
  }
  // Server: stateful single-use tickets (make_memory_session_store()) instead of the sealed ones
  // of the ticket-key ring; 0-RTT under them needs no anti-replay check. Null: sealed tickets.
  void set_session_store(std::shared_ptr<const server_session_store> store) {
    boost::system::error_code ec;
    set_session_store(std::move(store), ec);
    if (ec) throw boost::system::system_error(ec, "set_session_store");
  }
  void set_session_store(std::shared_ptr<const server_session_store> store, boost::system::error_code& ec) {
    update([&](state& s) { s.session_store = std::move(store); });
    ec = {};
  }

  // Counters (tls13/metrics.hpp: handshakes, resumptions, 0-RTT, groups, failures and alerts)
  // that every stream made from this context adds to; read them with metrics::read() or
  // metrics::to_prometheus() from any thread. Null: none kept (the default).
  void set_metrics(std::shared_ptr<tls13::metrics> m) {
    update([&](state& s) { s.metrics = std::move(m); });
  }
  void set_metrics(std::shared_ptr<tls13::metrics> m, boost::system::error_code& ec) {
    set_metrics(std::move(m));
    ec = {};
  }

  method get_method() const noexcept { return method_; }
  bool is_server() const noexcept { return method_ == tls_server || method_ == tlsv13_server; }

  // The verifier of a stream that set its own verify depth or callback (empty: the context's),
  // over the context's trust anchors (none loaded: an empty store, nothing is trusted).
  std::shared_ptr<const certificate_verifier> make_verifier(std::optional<int> depth,
                                                            const x509_verify_callback* callback) const {
    std::lock_guard lock(mu_);
    verifier_options o = options(st_);
    if (depth) o.max_depth = *depth;
    if (callback != nullptr) o.verify_callback = *callback;
    return verifier_over(st_.roots, std::move(o));
  }

  // Snapshots for new handshakes (rebuilt after a change).
  std::shared_ptr<const client_config> client_snapshot() const {
    std::lock_guard lock(mu_);
    if (!client_) client_ = build_client(st_);
    return client_;
  }
  std::shared_ptr<const server_config> server_snapshot() const {
    std::lock_guard lock(mu_);
    if (!server_) server_ = build_server(st_);
    return server_;
  }

 private:
  struct state {
    der_chain chain;
    std::shared_ptr<const private_key> key;
    std::shared_ptr<trust_store> roots;
    boost::asio::ssl::verify_mode verify_mode = boost::asio::ssl::verify_none;
    int verify_depth = 8;
    x509_verify_callback verify_callback;
    std::vector<std::string> alpn;
    std::vector<named_group> groups;
    std::vector<cipher_suite> suites;
    key_log_callback key_log;
    std::shared_ptr<const client_ticket_store> ticket_store = make_memory_ticket_store();
    std::shared_ptr<const ticket_key_ring> ticket_keys;
    std::size_t tickets_full = 2, tickets_resumed = 1;
    bool early_data = false;
    std::uint32_t max_early_data = 0;
    std::shared_ptr<const anti_replay_store> anti_replay;
    std::shared_ptr<const server_session_store> session_store;
    std::shared_ptr<tls13::metrics> metrics;
  };

  static void set(boost::system::error_code& ec, std::error_code e) { ec = asio_detail::to_boost(e); }

  template <class F>
  void update(F&& f) {
    std::lock_guard lock(mu_);
    f(st_);
    client_.reset();
    server_.reset();
  }

  template <class F>
  void with_roots(boost::system::error_code& ec, F&& f) {
    std::lock_guard lock(mu_);
    if (!st_.roots) {
      auto t = trust_store::create();
      if (!t) return set(ec, t.error());
      st_.roots = std::move(*t);
    }
    if (auto r = f(*st_.roots); !r) return set(ec, r.error());
    client_.reset();
    server_.reset();
    ec = {};
  }

  // The default verifier over `roots`; none loaded: an empty store, so nothing is trusted (as OpenSSL).
  static std::shared_ptr<const certificate_verifier> verifier_over(const std::shared_ptr<trust_store>& roots,
                                                                   verifier_options o) {
    if (roots) return make_default_verifier(roots, std::move(o));
    auto empty = trust_store::create();
    return empty ? make_default_verifier(std::move(*empty), std::move(o)) : nullptr;
  }

  static verifier_options options(const state& s) {
    verifier_options o;
    o.max_depth = s.verify_depth;
    o.verify_callback = s.verify_callback;
    return o;
  }

  static void fill_common(const state& s, common_config& c) {
    c.alpn = s.alpn;
    c.groups = s.groups;
    c.cipher_suites = s.suites;
    c.key_log = s.key_log;
    c.metrics = s.metrics;
    if (s.roots) c.verifier = make_default_verifier(s.roots, options(s));
  }

  static std::shared_ptr<const client_config> build_client(const state& s) {
    auto c = std::make_shared<client_config>();
    fill_common(s, *c);
    // asio's verify_none is its default; with verify_none a client does not check the server.
    c->verify_peer = (s.verify_mode & boost::asio::ssl::verify_peer) != 0;
    // verify_peer with no trust anchors loaded: like OpenSSL, nothing can be trusted.
    if (c->verify_peer && !c->verifier) c->verifier = verifier_over(nullptr, options(s));
    if (!s.chain.empty() && s.key) {
      auto ck = std::make_shared<certified_key>();
      ck->chain = s.chain;
      ck->key = s.key;
      c->client_certificate = ck;
    }
    c->ticket_store = s.ticket_store;
    c->enable_early_data = s.early_data;
    return c;
  }

  static std::shared_ptr<const server_config> build_server(const state& s) {
    auto c = std::make_shared<server_config>();
    fill_common(s, *c);
    if (!s.chain.empty() && s.key) {
      auto ck = std::make_shared<certified_key>();
      ck->chain = s.chain;
      ck->key = s.key;
      c->certificates.push_back(ck);
    }
    c->ticket_keys = s.ticket_keys;
    c->tickets_after_full_handshake = s.tickets_full;
    c->tickets_after_resumption = s.tickets_resumed;
    c->session_store = s.session_store;
    c->max_early_data = s.max_early_data;
    c->anti_replay = s.anti_replay;
    using boost::asio::ssl::verify_fail_if_no_peer_cert;
    using boost::asio::ssl::verify_peer;
    if (s.verify_mode & verify_peer)
      c->client_authentication =
          (s.verify_mode & verify_fail_if_no_peer_cert) ? client_auth::required : client_auth::optional;
    return c;
  }

  method method_;
  mutable std::mutex mu_;
  state st_;
  mutable std::shared_ptr<const client_config> client_;
  mutable std::shared_ptr<const server_config> server_;
};

}  // namespace tls13
