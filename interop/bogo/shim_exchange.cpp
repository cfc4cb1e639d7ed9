// One connection of a BoGo test (BoringSSL bssl_shim.cc: DoConnection, DoExchange,
// CheckHandshakeProperties), over the sans-I/O core.
#include "shim_exchange.hpp"

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "shim_errors.hpp"
#include "shim_transport.hpp"
#include "tls13/x509.hpp"

#if defined(__x86_64__) || defined(__i386__)
#define BOGO_X86 1
#endif

namespace bogo {
namespace {

using namespace tls13;

bool report(const char* fmt, unsigned got, unsigned want) {
  std::fprintf(stderr, fmt, got, want);
  std::fputc('\n', stderr);
  return false;
}

// The library failed: the error and its BoringSSL reason. A verifier rejection is reported as
// BoringSSL reports its verify callback's: CERTIFICATE_VERIFY_FAILED.
bool failed(const char* step, std::error_code ec, const connection_setup& s,
            const connection* conn = nullptr) {
  std::string reason = describe_error(ec);
  if (s.verifier && s.verifier->rejected()) reason += " :CERTIFICATE_VERIFY_FAILED:";
  // BoringSSL names a handshake_failure alert that answers its ClientHello (no ServerHello yet).
  alert_description d{};
  if (conn != nullptr && s.client && !conn->info().suite && received_alert(ec, d) &&
      d == alert_description::handshake_failure)
    reason += " :HANDSHAKE_FAILURE_ON_CLIENT_HELLO:";
  std::fprintf(stderr, "%s failed: %s\n", step, reason.c_str());
  return false;
}

bool has_aes_hardware() {
#ifdef BOGO_X86
  return __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul");
#else
  return false;  // ARMv8 crypto extensions are not probed; the tests using this flag are x86-tuned
#endif
}

bool check_cipher(const test_config& c, const session_info& info) {
  const unsigned cipher = info.suite ? static_cast<unsigned>(*info.suite) : 0;
  if (c.expect_cipher != 0 && cipher != static_cast<unsigned>(c.expect_cipher))
    return report("Cipher ID was %04x, wanted %04x", cipher, static_cast<unsigned>(c.expect_cipher));
  const bool aes = has_aes_hardware();
  const int want = aes ? c.expect_cipher_aes : c.expect_cipher_no_aes;
  if (want != 0 && cipher != static_cast<unsigned>(want))
    return report("Cipher ID was %04x, wanted %04x (AES hardware per the expectation)", cipher,
                  static_cast<unsigned>(want));
  return true;
}

bool check_peer_chain(const test_config& c, const der_chain& chain) {
  if (c.expect_peer_cert_file.empty()) return true;
  auto want = load_certificate_chain_file(c.expect_peer_cert_file);
  if (!want) {
    std::fprintf(stderr, "cannot load %s\n", c.expect_peer_cert_file.c_str());
    return false;
  }
  if (want->size() != chain.size())
    return report("Received a chain of length %u instead of %u.", static_cast<unsigned>(chain.size()),
                  static_cast<unsigned>(want->size()));
  for (std::size_t i = 0; i < want->size(); ++i) {
    if ((*want)[i] != chain[i]) {
      std::fprintf(stderr, "Chain certificate %zu did not match.\n", i + 1);
      return false;
    }
  }
  return true;
}

bool check_negotiated(const test_config& c, const session_info& info, unsigned peer_signature_scheme) {
  if (c.expect_version != 0 && info.version != c.expect_version)
    return report("want version %04x, got %04x", static_cast<unsigned>(c.expect_version), info.version);
  if (c.expect_curve_id != 0) {
    const unsigned g = info.group ? static_cast<unsigned>(*info.group) : 0;
    if (g != static_cast<unsigned>(c.expect_curve_id))
      return report("curve_id was %04x, wanted %04x", g, static_cast<unsigned>(c.expect_curve_id));
  }
  if (c.expect_peer_signature_algorithm != 0 &&
      peer_signature_scheme != static_cast<unsigned>(c.expect_peer_signature_algorithm))
    return report("Peer signature algorithm was %04x, wanted %04x", peer_signature_scheme,
                  static_cast<unsigned>(c.expect_peer_signature_algorithm));
  if ((c.expect_hrr && !info.hello_retry) || (c.expect_no_hrr && info.hello_retry)) {
    std::fprintf(stderr, "Got %sHRR, but wanted opposite.\n", info.hello_retry ? "" : "no ");
    return false;
  }
  // The server reports what its ALPN callback selected, the client what the test expects.
  std::string alpn = c.is_server ? c.select_alpn : c.expect_alpn;
  if (c.is_server && (c.decline_alpn || c.reject_alpn)) alpn.clear();
  if (info.alpn != alpn) {
    std::fprintf(stderr, "negotiated alpn proto mismatch (got '%s', want '%s')\n", info.alpn.c_str(),
                 alpn.c_str());
    return false;
  }
  if (!c.expect_server_name.empty() && info.server_name != c.expect_server_name) {
    std::fprintf(stderr, "servername mismatch (got %s; want %s)\n", info.server_name.c_str(),
                 c.expect_server_name.c_str());
    return false;
  }
  return check_cipher(c, info);
}

bool check_handshake(const test_config& c, const connection_setup& s, const session_info& info,
                     bool is_resume, shim_state& state) {
  const bool expect_resume = is_resume && !c.expect_session_miss;
  if (info.resumed != expect_resume) {
    std::fprintf(stderr, "session unexpectedly was%s reused\n", info.resumed ? "" : " not");
    return false;
  }
  // The verify result, the peer's signature scheme and its chain belong to the session: a
  // resumption reports the original handshake's (the server's tickets carry the chain themselves).
  if (!info.resumed) {
    state.verify_failed = s.verifier->called() && c.verify_fail;
    state.peer_signature_scheme =
        info.peer_signature_scheme ? static_cast<unsigned>(*info.peer_signature_scheme) : 0;
    state.peer_chain = info.peer_chain;
  }
  const der_chain& chain = info.resumed && info.peer_chain.empty() ? state.peer_chain : info.peer_chain;
  if (c.expect_verify_result && state.verify_failed != c.verify_fail) {
    std::fprintf(stderr, "Wrong certificate verification result\n");
    return false;
  }
  // A client always has the server's certificate, a server when it required one.
  const bool need_peer_cert = !c.is_server || c.require_any_client_certificate;
  if (need_peer_cert && chain.empty()) {
    std::fprintf(stderr, "Received no peer certificate but expected one.\n");
    return false;
  }
  return check_negotiated(c, info, state.peer_signature_scheme) && check_peer_chain(c, chain);
}

bool export_keying_material(const test_config& c, tls_socket& tls, const connection_setup& s) {
  if (c.export_keying_material <= 0) return true;
  std::vector<std::byte> out(static_cast<std::size_t>(c.export_keying_material));
  // TLS 1.3 treats "no context" and an empty context alike (RFC 8446 §7.5).
  const auto& ctx = c.export_context;
  if (auto r = tls.conn().export_keying_material(out, c.export_label, as_bytes(ctx.data(), ctx.size())); !r)
    return failed("export_keying_material", r.error(), s);
  if (auto r = tls.write_all(out); !r) return failed("write", r.error(), s);
  return true;
}

// u16 length (little-endian, as BoringSSL's shim writes it), then our read and write secrets.
bool export_traffic_secrets(const test_config& c, tls_socket& tls, const connection_setup& s) {
  if (!c.export_traffic_secrets) return true;
  const auto& read = c.is_server ? s.secrets->client : s.secrets->server;
  const auto& write = c.is_server ? s.secrets->server : s.secrets->client;
  if (read.empty() || read.size() != write.size()) {
    std::fprintf(stderr, "failed to export traffic secrets\n");
    return false;
  }
  std::vector<std::byte> out{static_cast<std::byte>(read.size() & 0xff),
                             static_cast<std::byte>(read.size() >> 8)};
  out.insert(out.end(), read.begin(), read.end());
  out.insert(out.end(), write.begin(), write.end());
  if (auto r = tls.write_all(out); !r) return failed("write", r.error(), s);
  return true;
}

bool write_record_sizes(const test_config& c, tls_socket& tls, const connection_setup& s) {
  static const std::size_t sizes[] = {0, 1, 255, 256, 257, 16383, 16384, 16385, 32767, 32768, 32769};
  const std::vector<std::byte> buf(32769, std::byte{0x42});
  for (std::size_t n : sizes) {
    if (n == 0) continue;  // SSL_write of nothing writes nothing
    if (auto r = tls.write_all(bytes(buf.data(), n), static_cast<std::size_t>(c.max_send_fragment)); !r)
      return failed("write", r.error(), s);
  }
  return true;
}

bool echo_loop(const test_config& c, tls_socket& tls, const connection_setup& s) {
  // BoringSSL's shim reads 512 bytes at a time so that one record takes several reads.
  const std::size_t read_size = c.read_size > 0 ? static_cast<std::size_t>(c.read_size) : 512;
  std::vector<std::byte> buf(read_size);
  for (;;) {
    auto n = tls.read(buf.data(), buf.size(), c.peek_then_read);
    if (!n) return failed("read", n.error(), s);
    if (*n == 0) return true;  // close_notify or EOF
    if (c.use_exporter_between_reads) {
      std::byte one[1];
      if (auto r = tls.conn().export_keying_material(one, "", {}); !r)
        return failed("export_keying_material", r.error(), s);
    }
    if (c.key_update) {
      if (auto r = tls.key_update(); !r) return failed("key_update", r.error(), s);
    }
    for (std::size_t i = 0; i < *n; ++i) buf[i] ^= std::byte{0xff};
    if (auto r = tls.write_all(bytes(buf.data(), *n), static_cast<std::size_t>(c.max_send_fragment)); !r)
      return failed("write", r.error(), s);
  }
}

bool application_phase(const test_config& c, tls_socket& tls, const connection_setup& s) {
  if (!export_keying_material(c, tls, s) || !export_traffic_secrets(c, tls, s)) return false;
  if (c.write_different_record_sizes) return write_record_sizes(c, tls, s);
  if (c.shim_writes_first) {
    static const char hello[] = "hello";
    if (auto r = tls.write_all(as_bytes(hello, 5), static_cast<std::size_t>(c.max_send_fragment)); !r)
      return failed("write", r.error(), s);
  }
  if (c.shim_shuts_down) return true;
  return echo_loop(c, tls, s);
}

// BoringSSL's shim sets quiet shutdown unless -check-close-notify: then nothing is sent at all.
bool shutdown(const test_config& c, tls_socket& tls, const connection_setup& s) {
  if (!c.check_close_notify) return true;
  // BoringSSL's SSL_shutdown fails (-1) after the transport ended without close_notify.
  static const char unclean[] = "Unexpected SSL_shutdown result: -1 != 1";
  if (!c.shim_shuts_down && !tls.peer_closed_cleanly()) {
    std::fprintf(stderr, "%s (EOF without close_notify)\n", unclean);
    return false;
  }
  if (auto r = tls.send_close_notify(); !r) return failed("close", r.error(), s);
  if (c.shim_shuts_down) {
    if (auto r = tls.wait_for_close_notify(); !r) {
      if (r.error() == make_error_code(protocol_errc::truncated)) std::fprintf(stderr, "%s\n", unclean);
      return failed("shutdown", r.error(), s);
    }
  }
  return true;
}

// A TLS 1.3 client must have stored a NewSessionTicket by now, unless the test says otherwise.
bool check_new_session(const test_config& c, int tickets_before, const shim_state& state) {
  if (c.is_server) return true;
  const bool expect = !c.expect_no_session && !c.shim_shuts_down;
  const bool got = state.tickets->received() > tickets_before;
  if (expect != got) {
    std::fprintf(stderr, "new session was%s cached, but we expected the opposite\n", got ? "" : " not");
    return false;
  }
  return true;
}

}  // namespace

bool run_connection(const test_config& c, shim_state& state, bool is_resume) {
  check_supported(c, is_resume);
  connection_setup s = make_setup(c, state);
  auto conn = c.is_server ? connection::server(s.server) : connection::client(s.client, s.server_name);
  if (!conn) return failed("connection setup", conn.error(), s);
  const int fd = connect_to_runner(c);
  if (fd < 0) return false;
  tls_socket tls(fd, std::move(*conn));
  const int tickets_before = state.tickets->received();
  if (auto r = tls.handshake(); !r) return failed("handshake", r.error(), s, &tls.conn());
  if (!check_handshake(c, s, tls.conn().info(), is_resume, state)) return false;
  if (!application_phase(c, tls, s)) return false;
  if (!check_new_session(c, tickets_before, state)) return false;
  return shutdown(c, tls, s);
}

}  // namespace bogo
