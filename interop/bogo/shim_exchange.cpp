// One connection of a BoGo test (BoringSSL bssl_shim.cc: DoConnection, DoExchange), over the
// sans-I/O core; the checks of its properties are in shim_checks.cpp.
#include "shim_exchange.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "shim_checks.hpp"
#include "shim_errors.hpp"
#include "shim_transport.hpp"

namespace bogo {
namespace {

using namespace tls13;

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
  if (c.send_alert) {
    // BoringSSL's SSL_send_fatal_alert(SSL_AD_DECOMPRESSION_FAILURE), which ends the exchange. 30 is
    // decompression_failure_RESERVED in RFC 8446 §6, so our enum does not name it; abort sends the
    // byte as given.
    constexpr auto decompression_failure = static_cast<alert_description>(30);
    if (auto r = tls.send_fatal_alert(decompression_failure); !r) return failed("alert", r.error(), s);
    return true;
  }
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
  if (!in_early && !check_early_data(c, s, tls, info, state)) return exchange_result::failed;
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
  if (c.send_alert) return exchange_result::ok;  // the connection is over (BoringSSL returns here)
  // A client that offered 0-RTT learnt the answer on the way (it was accepted, or we failed above).
  if (in_early && !c.is_server && tls.handshake_complete() &&
      !check_early_data(c, s, tls, tls.conn().info(), state))
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
