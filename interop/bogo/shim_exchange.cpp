// One connection of a BoGo test (BoringSSL bssl_shim.cc: DoConnection, DoExchange,
// CheckHandshakeProperties), over the sans-I/O core.
#include "shim_exchange.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
  // A 0-RTT reject is not a failure yet: run_connection decides (BoringSSL's retry flow).
  if (ec == make_error_code(policy_errc::early_data_rejected)) return false;
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
                     bool is_resume, bool in_early, shim_state& state) {
  // In early data the offered session counts as resumed, as in BoringSSL.
  const bool expect_resume = is_resume && (!c.expect_session_miss || in_early);
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
    state.ocsp_response = info.ocsp_response;
  }
  const der_chain& chain = info.resumed && info.peer_chain.empty() ? state.peer_chain : info.peer_chain;
  // SSL_get0_ocsp_response: the session's staple (a resumption has none of its own).
  const auto& staple = info.resumed ? state.ocsp_response : info.ocsp_response;
  if (!c.expect_ocsp_response.empty() &&
      !std::equal(staple.begin(), staple.end(),
                  reinterpret_cast<const std::byte*>(c.expect_ocsp_response.data()),
                  reinterpret_cast<const std::byte*>(c.expect_ocsp_response.data()) +
                      c.expect_ocsp_response.size())) {
    std::fprintf(stderr, "OCSP response mismatch\n");
    return false;
  }
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

// What BoringSSL reports while in early data. Client: the offered session's properties (its suite,
// the ALPN it predicts, its group; the peer's chain and signature come from shim_state anyway).
// Server (0-RTT accepted, client Finished not read yet): the handshake so far.
session_info early_info(const test_config& c, tls_socket& tls, const shim_state& state) {
  session_info p = tls.conn().info();
  p.version = 0x0304;
  if (c.is_server) return p;
  p.resumed = true;
  p.hello_retry = false;
  p.peer_chain.clear();
  p.suite.reset();
  p.alpn.clear();
  if (const auto t = state.tickets->taken()) {
    p.suite = t->suite;
    p.alpn = t->alpn;
  }
  p.group = state.ticket_group;
  return p;
}

bool has_extension(const std::vector<std::uint16_t>& types, std::uint16_t t) {
  return std::find(types.begin(), types.end(), t) != types.end();
}

// BoringSSL's SSL_get_early_data_reason, for a handshake that is over, derived from what the shim
// sees: its config, the ticket the client offered, the server's ClientHello (the shim reads it off
// the wire), the ticket the server opened and what the connection that issued it negotiated. The
// core reports no reason, so where the shim cannot tell, std::nullopt. The checks run in BoringSSL's
// order (tls13_server.cc, handshake_client.cc should_offer_early_data).
std::optional<std::string> early_data_reason(const test_config& c, const tls_socket& tls,
                                             const session_info& info, const shim_state& state) {
  if (!c.enable_early_data) return "disabled";
  if (info.early_data_accepted) return "accepted";
  if (!c.is_server) {
    if (tls.offered_early()) {
      if (info.hello_retry) return "hello_retry_request";
      return info.resumed ? "peer_declined" : "session_not_resumed";
    }
    const auto t = state.tickets->taken();
    if (!t) return "no_session_offered";
    if (t->max_early_data == 0) return "unsupported_for_session";
    // The core offers 0-RTT only for the ticket's ALPN protocol, and for a ticket without one only
    // when it offers none itself (BoringSSL offers then).
    std::vector<std::string> ours;
    (void)parse_alpn_list(c.advertise_alpn, ours);
    const bool alpn_ok =
        t->alpn.empty() ? ours.empty() : std::find(ours.begin(), ours.end(), t->alpn) != ours.end();
    if (!alpn_ok) return "alpn_mismatch";
    return std::nullopt;
  }
  const auto& hello = tls.client_hello_extensions();
  if (!hello) return std::nullopt;
  if (!has_extension(*hello, 41)) return "no_session_offered";  // pre_shared_key
  if (!info.resumed) return "session_not_resumed";
  const auto issued = state.issued.find(state.ticket_keys->opened_from());
  if (issued == state.issued.end()) return std::nullopt;
  if (issued->second.max_early_data == 0) return "unsupported_for_session";
  if (!has_extension(*hello, 42)) return "peer_declined";  // early_data
  if (info.alpn != issued->second.alpn) return "alpn_mismatch";
  // BoringSSL checks the ticket age before the HelloRetryRequest; the shim cannot see the age
  // check, which can only fail in the tests that also ask for -expect-ticket-age-skew (exit 89).
  if (info.hello_retry) return "hello_retry_request";
  // Left: the age check, the anti-replay store or another suite of the ticket's hash. The core does
  // not say which.
  return std::nullopt;
}

// BoringSSL checks these once the handshake is confirmed (not in early data).
bool check_early_data(const test_config& c, const tls_socket& tls, const session_info& info,
                      const shim_state& state) {
  const bool accepted = info.early_data_accepted;
  if ((c.expect_accept_early_data && !accepted) || (c.expect_reject_early_data && accepted)) {
    std::fprintf(stderr, "Early data was%s accepted, but we expected the opposite\n", accepted ? "" : " not");
    return false;
  }
  if (c.expect_early_data_reason.empty()) return true;
  const auto reason = early_data_reason(c, tls, info, state);
  if (!reason)
    unimplemented("-expect-early-data-reason " + c.expect_early_data_reason +
                  ": the core reports no reason and the shim cannot tell this one");
  // BoringSSL's string is "accepted"; its tests say "accept" where it never compares (in early data).
  const std::string& want = c.expect_early_data_reason == "accept" ? "accepted" : c.expect_early_data_reason;
  if (*reason != want) {
    std::fprintf(stderr, "Early data reason was \"%s\", expected \"%s\"\n", reason->c_str(),
                 c.expect_early_data_reason.c_str());
    return false;
  }
  return true;
}

bool export_keying_material(const test_config& c, tls_socket& tls, const connection_setup& s) {
  if (c.export_keying_material <= 0) return true;
  std::vector<std::byte> out(static_cast<std::size_t>(c.export_keying_material));
  // TLS 1.3 treats "no context" and an empty context alike (RFC 8446 §7.5).
  const auto& ctx = c.export_context;
  if (!tls.handshake_complete()) {
    // BoringSSL's server exports in 0.5-RTT; our core only once the handshake is done.
    if (c.is_server) unimplemented("exporter before the client's Finished (0.5-RTT)");
    // A client in early data has no exporter (the early exporter is another API).
    std::fprintf(stderr, "failed to export keying material :HANDSHAKE_NOT_COMPLETE:\n");
    return false;
  }
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

bool echo_loop(const test_config& c, tls_socket& tls, const connection_setup& s, bool expect_reject) {
  // BoringSSL's shim reads 512 bytes at a time so that one record takes several reads.
  const std::size_t read_size = c.read_size > 0 ? static_cast<std::size_t>(c.read_size) : 512;
  std::vector<std::byte> buf(read_size);
  for (;;) {
    auto n = tls.read(buf.data(), buf.size(), c.peek_then_read);
    if (!n) return failed("read", n.error(), s);
    if (*n == 0) return true;  // close_notify or EOF
    if (expect_reject) {
      std::fprintf(stderr, "Unexpectedly received data instead of 0-RTT reject.\n");
      return false;
    }
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

bool application_phase(const test_config& c, tls_socket& tls, const connection_setup& s, bool expect_reject) {
  if (!export_keying_material(c, tls, s) || !export_traffic_secrets(c, tls, s)) return false;
  if (c.write_different_record_sizes) return write_record_sizes(c, tls, s);
  static const char hello[] = "hello";
  if (c.read_with_unfinished_write) {
    // BoringSSL's shim lets one byte of the record through its async BIO and reads with the rest
    // pending; here the rest waits in the driver's output, which the next flush sends first.
    tls.hold_back_next_flush();
    if (auto r = tls.write_all(as_bytes(hello, 5), static_cast<std::size_t>(c.max_send_fragment)); !r)
      return failed("write", r.error(), s);
  } else if (c.shim_writes_first) {
    if (auto r = tls.write_all(as_bytes(hello, 5), static_cast<std::size_t>(c.max_send_fragment)); !r)
      return failed("write", r.error(), s);
  }
  if (c.shim_shuts_down) return true;
  return echo_loop(c, tls, s, expect_reject);
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
bool check_new_session(const test_config& c, int tickets_before, tls_socket& tls, shim_state& state) {
  if (c.is_server) return true;
  const bool expect = !c.expect_no_session && !c.shim_shuts_down;
  const bool got = state.tickets->received() > tickets_before;
  if (expect != got) {
    std::fprintf(stderr, "new session was%s cached, but we expected the opposite\n", got ? "" : " not");
    return false;
  }
  if (got) state.ticket_group = tls.conn().info().group;
  if (expect) {
    const auto t = state.tickets->last_inserted();
    const bool early = t && t->max_early_data != 0;
    if (early != c.expect_ticket_supports_early_data) {
      std::fprintf(stderr, "new session did%s support early data, but we expected the opposite\n",
                   early ? "" : " not");
      return false;
    }
  }
  return true;
}

enum class exchange_result { ok, failed, early_data_rejected };

// BoringSSL's DoExchange: the handshake (unless this is the retry after a 0-RTT reject, on the same
// connection), the checks, the application phase, the session check and the shutdown.
exchange_result do_exchange(const test_config& c, tls_socket& tls, const connection_setup& s,
                            shim_state& state, bool is_resume, bool is_retry) {
  auto result_of = [&](bool ok) {
    if (ok) return exchange_result::ok;
    return tls.early_data_rejected() && !is_retry ? exchange_result::early_data_rejected
                                                  : exchange_result::failed;
  };
  if (!is_retry) {
    if (auto r = tls.handshake(); !r) return result_of(failed("handshake", r.error(), s, &tls.conn()));
  }
  const bool in_early = tls.in_early();
  const session_info info = in_early ? early_info(c, tls, state) : tls.conn().info();
  if (!check_handshake(c, s, info, is_resume, in_early, state)) return exchange_result::failed;
  if (!in_early && !check_early_data(c, tls, info, state)) return exchange_result::failed;
  if (c.is_server && tls.handshake_complete())
    state.issued[state.connection] = {s.server->max_early_data, info.alpn, info.suite};
  if (is_resume && !is_retry && !c.is_server && c.expect_no_offer_early_data && in_early) {
    std::fprintf(stderr, "Client unexpectedly offered early data.\n");
    return exchange_result::failed;
  }
  if (c.early_write_after_message != 0) {
    // BoringSSL's shim: run the handshake up to that message, then -shim-writes-first writes.
    if (!in_early || c.is_server || !c.shim_writes_first) {
      std::fprintf(stderr, "-early-write-after-message needs a 0-RTT client and -shim-writes-first.\n");
      return exchange_result::failed;
    }
    if (auto r = tls.run_until_message(static_cast<std::uint8_t>(c.early_write_after_message)); !r)
      return result_of(failed("handshake", r.error(), s, &tls.conn()));
  }
  const int tickets_before = state.tickets->received();
  const bool expect_reject = !c.is_server && is_resume && !is_retry && c.expect_reject_early_data;
  if (!application_phase(c, tls, s, expect_reject)) return result_of(false);
  // A client that offered 0-RTT learnt the answer on the way (it was accepted, or we failed above).
  if (in_early && !c.is_server && tls.handshake_complete() &&
      !check_early_data(c, tls, tls.conn().info(), state))
    return exchange_result::failed;
  if (!check_new_session(c, tickets_before, tls, state)) return exchange_result::failed;
  return shutdown(c, tls, s) ? exchange_result::ok : exchange_result::failed;
}

}  // namespace

bool run_connection(const test_config& c, const test_config& retry, shim_state& state, bool is_resume) {
  check_supported(c, is_resume);
  const bool may_retry = !c.is_server && is_resume && c.expect_reject_early_data;
  if (may_retry) {
    check_supported(retry, is_resume);
    // BoringSSL pauses the handshake at the reject (EncryptedExtensions) and finishes it under the
    // -on-retry- config; our core finishes it in one go under this one. Checks (-on-retry-expect-*)
    // and what follows the handshake apply to the retry; settings the handshake itself uses cannot.
    if (retry.verify_fail != c.verify_fail || retry.verify_peer != c.verify_peer ||
        retry.use_custom_verify_callback != c.use_custom_verify_callback ||
        retry.advertise_alpn != c.advertise_alpn || retry.curves != c.curves ||
        retry.cert_file != c.cert_file || retry.key_file != c.key_file ||
        retry.enable_ocsp_stapling != c.enable_ocsp_stapling || retry.ocsp_response != c.ocsp_response)
      unimplemented("-on-retry- settings for the handshake after a 0-RTT reject");
  }
  connection_setup s = make_setup(c, state);
  state.ticket_keys->begin_connection(state.connection);
  state.tickets->forget_taken();
  auto conn = c.is_server ? connection::server(s.server) : connection::client(s.client, s.server_name);
  if (!conn) return failed("connection setup", conn.error(), s);
  const int fd = connect_to_runner(c);
  if (fd < 0) return false;
  tls_socket tls(fd, std::move(*conn), !c.is_server);
  exchange_result r = do_exchange(c, tls, s, state, is_resume, false);
  if (may_retry) {
    // BoringSSL's DoConnection: the exchange must have stopped at the 0-RTT reject; the connection
    // then goes on at 1-RTT under the -on-retry- config (SSL_reset_early_data_reject).
    if (r == exchange_result::ok) {
      std::fprintf(stderr, "0-RTT exchange unexpected succeeded.\n");
      return false;
    }
    if (r != exchange_result::early_data_rejected) {
      std::fprintf(stderr, "SSL_get_error did not signal SSL_ERROR_EARLY_DATA_REJECTED.\n");
      return false;
    }
    if (!c.expect_early_data_reason.empty()) {
      std::fprintf(stderr,
                   "Test error: client reject -expect-early-data-reason flags should be configured with "
                   "-on-retry, not -on-resume.\n");
      return false;
    }
    r = do_exchange(retry, tls, s, state, is_resume, true);
  }
  if (r == exchange_result::early_data_rejected)
    std::fprintf(stderr, "SSL error: EARLY_DATA_REJECTED (0-RTT was rejected) :EARLY_DATA_REJECTED:\n");
  return r == exchange_result::ok;
}

}  // namespace bogo
