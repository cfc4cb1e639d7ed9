// Flag table and parser for the BoGo shim. The table lists only what the shim implements (or may
// accept as a no-op because it has no meaning for a TLS 1.3-only stack); everything else is
// "unimplemented" (exit 89).
#include "shim_flags.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

namespace bogo {
namespace {

struct flag_spec {
  bool has_param;
  std::function<void(test_config&, const std::string&)> set;
};

[[noreturn]] void bad_parameter(const std::string& name, const std::string& value) {
  std::fprintf(stderr, "Invalid parameter for %s: %s\n", name.c_str(), value.c_str());
  std::exit(1);
}

long long to_int(const std::string& name, const std::string& s) {
  if (s.empty() || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) bad_parameter(name, s);
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno == ERANGE || *end != '\0') bad_parameter(name, s);
  return v;
}

flag_spec boolean(bool test_config::*field) {
  return {false, [field](test_config& c, const std::string&) { c.*field = true; }};
}

// Accepted and ignored: the behaviour it selects is the only one we have (see the comment at
// each use).
flag_spec no_op(bool has_param = false) {
  return {has_param, [](test_config&, const std::string&) {}};
}

flag_spec integer(const char* name, int test_config::*field) {
  return {true, [=](test_config& c, const std::string& v) {
            const long long x = to_int(name, v);
            if (x < INT_MIN || x > INT_MAX) bad_parameter(name, v);
            c.*field = static_cast<int>(x);
          }};
}

flag_spec int_vector(const char* name, std::vector<int> test_config::*field) {
  return {true, [=](test_config& c, const std::string& v) {
            const long long x = to_int(name, v);
            if (x < 0 || x > 0xffff) bad_parameter(name, v);
            (c.*field).push_back(static_cast<int>(x));
          }};
}

flag_spec string(std::string test_config::*field) {
  return {true, [field](test_config& c, const std::string& v) { c.*field = v; }};
}

// RFC 4648 base64 (BoringSSL's Base64Flag: padded, no line breaks), decoded into the string.
flag_spec base64(const char* name, std::string test_config::*field) {
  return {true, [=](test_config& c, const std::string& v) {
            static constexpr std::string_view alphabet =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            std::string out;
            unsigned acc = 0;
            int bits = 0;
            std::size_t pad = 0;
            for (char ch : v) {
              if (ch == '=') {
                ++pad;
                continue;
              }
              const auto i = alphabet.find(ch);
              if (i == std::string_view::npos || pad != 0) bad_parameter(name, v);
              acc = (acc << 6) | static_cast<unsigned>(i);
              bits += 6;
              if (bits >= 8) {
                bits -= 8;
                out.push_back(static_cast<char>((acc >> bits) & 0xff));
              }
            }
            if (v.size() % 4 != 0 || pad > 2) bad_parameter(name, v);
            c.*field = std::move(out);
          }};
}

using flag_list = std::vector<std::pair<std::string, flag_spec>>;

// The runner protocol and BoringSSL API variations with no counterpart here.
flag_list harness_flags() {
  return {
      {"-port", integer("-port", &test_config::port)},
      {"-shim-id",
       {true,
        [](test_config& c, const std::string& v) {
          char* end = nullptr;
          errno = 0;
          const unsigned long long id = std::strtoull(v.c_str(), &end, 10);
          if (v.empty() || errno == ERANGE || *end != '\0') bad_parameter("-shim-id", v);
          c.shim_id = id;
        }}},
      {"-ipv6", boolean(&test_config::ipv6)},
      {"-server", boolean(&test_config::is_server)},
      {"-resume-count", integer("-resume-count", &test_config::resume_count)},
      {"-resumption-delay", integer("-resumption-delay", &test_config::resumption_delay)},
      {"-is-handshaker-supported", boolean(&test_config::is_handshaker_supported)},
      // Non-blocking BIOs and SSL_do_handshake-less starts are BoringSSL API variations; the
      // sans-I/O core has one path (rustls accepts them the same way).
      {"-async", no_op()},
      {"-implicit-handshake", no_op()},
      {"-handshake-twice", no_op()},        // a second handshake call after completion is a no-op here
      {"-no-op-extra-handshake", no_op()},  // likewise
      {"-allow-hint-mismatch", no_op()},    // only meaningful with handshake hints (we answer "No")
  };
}

// Credentials and peer verification.
flag_list auth_flags() {
  return {
      {"-cert-file", string(&test_config::cert_file)},
      {"-key-file", string(&test_config::key_file)},
      // The root of the runner's chains. BoringSSL's shim ignores it and accepts any chain (see
      // shim_verifier); so do we.
      {"-trust-cert", no_op(true)},
      {"-expect-peer-cert-file", string(&test_config::expect_peer_cert_file)},
      {"-verify-peer", boolean(&test_config::verify_peer)},
      {"-verify-fail", boolean(&test_config::verify_fail)},
      {"-require-any-client-certificate", boolean(&test_config::require_any_client_certificate)},
      {"-use-custom-verify-callback", boolean(&test_config::use_custom_verify_callback)},
      {"-expect-verify-result", boolean(&test_config::expect_verify_result)},
      {"-reverify-on-resume", boolean(&test_config::reverify_on_resume)},
      {"-use-old-client-cert-callback", no_op()},  // our client certificate is always configured up front
      {"-use-early-callback", no_op()},            // and so is the server's (no select-certificate callback)
      // keyUsage is always enforced on the peer's leaf (RFC 8446 §4.4.2.2, digitalSignature), as
      // BoringSSL does for TLS 1.3 without the flag.
      {"-enforce-rsa-key-usage", no_op()},
      // OCSP stapling (client_config::request_ocsp, certified_key::ocsp, session_info::ocsp_response).
      {"-enable-ocsp-stapling", boolean(&test_config::enable_ocsp_stapling)},
      {"-ocsp-response", base64("-ocsp-response", &test_config::ocsp_response)},
      {"-expect-ocsp-response", base64("-expect-ocsp-response", &test_config::expect_ocsp_response)},
      // server_config::certificate_authorities / session_info::peer_certificate_authorities.
      {"-use-client-ca-list", string(&test_config::use_client_ca_list)},
      {"-expect-client-ca-list", string(&test_config::expect_client_ca_list)},
      // session_info::peer_signature_schemes (BoringSSL: SSL_get0_peer_verify_algorithms).
      {"-expect-peer-verify-pref",
       int_vector("-expect-peer-verify-pref", &test_config::expect_peer_verify_prefs)},
  };
}

// Versions, groups, signature schemes, ciphers, SNI, ALPN.
flag_list negotiation_flags() {
  return {
      // versions: the shim speaks TLS 1.3 only; older versions are switched off already
      {"-min-version", integer("-min-version", &test_config::min_version)},
      {"-max-version", integer("-max-version", &test_config::max_version)},
      {"-expect-version", integer("-expect-version", &test_config::expect_version)},
      {"-no-tls13", boolean(&test_config::no_tls13)},
      {"-no-tls12", no_op()},
      {"-no-tls11", no_op()},
      {"-no-tls1", no_op()},
      // negotiation
      {"-curves", int_vector("-curves", &test_config::curves)},
      {"-signing-prefs", int_vector("-signing-prefs", &test_config::signing_prefs)},
      {"-verify-prefs", int_vector("-verify-prefs", &test_config::verify_prefs)},
      {"-expect-curve-id", integer("-expect-curve-id", &test_config::expect_curve_id)},
      {"-expect-peer-signature-algorithm",
       integer("-expect-peer-signature-algorithm", &test_config::expect_peer_signature_algorithm)},
      {"-expect-cipher", integer("-expect-cipher", &test_config::expect_cipher)},
      {"-expect-cipher-aes", integer("-expect-cipher-aes", &test_config::expect_cipher_aes)},
      {"-expect-cipher-no-aes", integer("-expect-cipher-no-aes", &test_config::expect_cipher_no_aes)},
      // BoringSSL cipher strings configure TLS 1.2 and older only; TLS 1.3 suites are fixed there.
      {"-cipher", no_op(true)},
      // The PSK callbacks (SSL_set_psk_*_callback) serve the TLS 1.2 PSK cipher suites (RFC 4279)
      // only; BoringSSL's TLS 1.3 code never calls them, so they configure nothing here either.
      {"-psk", no_op(true)},
      {"-psk-identity", no_op(true)},
      // use_srtp (RFC 5764) is negotiated in DTLS only; BoringSSL ignores the profiles over TLS, and
      // a TLS-only library has none to ignore.
      {"-srtp-profiles", no_op(true)},
      // Our server always applies its own preference order.
      {"-server-preference", no_op()},
      {"-host-name", string(&test_config::host_name)},
      {"-expect-server-name", string(&test_config::expect_server_name)},
      {"-advertise-alpn", string(&test_config::advertise_alpn)},
      {"-expect-alpn", string(&test_config::expect_alpn)},
      {"-select-alpn", string(&test_config::select_alpn)},
      {"-decline-alpn", boolean(&test_config::decline_alpn)},
      {"-reject-alpn", boolean(&test_config::reject_alpn)},
      {"-expect-advertised-alpn", string(&test_config::expect_advertised_alpn)},  // peer_alpn_offers
      {"-expect-hrr", boolean(&test_config::expect_hrr)},
      {"-expect-no-hrr", boolean(&test_config::expect_no_hrr)},
      {"-max-cert-list", integer("-max-cert-list", &test_config::max_cert_list)},
  };
}

// Record-layer and renegotiation settings that TLS 1.3 makes moot.
flag_list record_flags() {
  return {
      // Records: CBC splitting and partial writes have no TLS 1.3 meaning for a blocking writer.
      {"-cbc-record-splitting", no_op()},
      {"-partial-write", no_op()},
      // TLS 1.3 has no renegotiation; these select BoringSSL's TLS 1.2 renegotiation policy.
      {"-renegotiate-freely", no_op()},
      {"-renegotiate-ignore", no_op()},
      {"-renegotiate-once", no_op()},
      {"-renegotiate-explicit", no_op()},
      {"-forbid-renegotiation-after-handshake", no_op()},
      {"-expect-total-renegotiations",
       {true,
        [](test_config&, const std::string& v) {
          if (to_int("-expect-total-renegotiations", v) != 0)
            unimplemented("-expect-total-renegotiations > 0");
        }}},
      // The extended master secret is built into the TLS 1.3 key schedule (RFC 8446 §7.1), which is
      // what SSL_get_extms_support reports for TLS 1.3.
      {"-expect-extended-master-secret", no_op()},
      // TLS 1.3 cannot renegotiate at all; BoringSSL reports secure renegotiation for it always.
      {"-expect-secure-renegotiation", no_op()},
  };
}

// Resumption, and what the shim does after the handshake.
flag_list session_flags() {
  return {
      // resumption
      {"-expect-session-miss", boolean(&test_config::expect_session_miss)},
      {"-expect-no-session", boolean(&test_config::expect_no_session)},
      // Stateful session-ID caching does not exist here: the assertion "no session ID cached" holds.
      {"-expect-no-session-id", no_op()},
      // Only TLS 1.2 tickets are renewed; the check is skipped for TLS 1.3 in BoringSSL's shim too.
      {"-expect-ticket-renewal", no_op()},
      {"-no-ticket", boolean(&test_config::no_ticket)},
      // 0-RTT
      {"-enable-early-data", boolean(&test_config::enable_early_data)},
      {"-expect-ticket-supports-early-data", boolean(&test_config::expect_ticket_supports_early_data)},
      {"-expect-accept-early-data", boolean(&test_config::expect_accept_early_data)},
      {"-expect-reject-early-data", boolean(&test_config::expect_reject_early_data)},
      {"-expect-no-offer-early-data", boolean(&test_config::expect_no_offer_early_data)},
      {"-expect-early-data-reason", string(&test_config::expect_early_data_reason)},
      {"-expect-ticket-age-skew", integer("-expect-ticket-age-skew", &test_config::expect_ticket_age_skew)},
      {"-early-write-after-message",
       integer("-early-write-after-message", &test_config::early_write_after_message)},
      // after the handshake
      {"-export-keying-material", integer("-export-keying-material", &test_config::export_keying_material)},
      {"-export-label", string(&test_config::export_label)},
      {"-export-context", string(&test_config::export_context)},
      {"-use-export-context", boolean(&test_config::use_export_context)},
      {"-use-exporter-between-reads", boolean(&test_config::use_exporter_between_reads)},
      {"-shim-writes-first", boolean(&test_config::shim_writes_first)},
      {"-shim-shuts-down", boolean(&test_config::shim_shuts_down)},
      {"-check-close-notify", boolean(&test_config::check_close_notify)},
      {"-key-update", boolean(&test_config::key_update)},
      {"-export-traffic-secrets", boolean(&test_config::export_traffic_secrets)},
      {"-peek-then-read", boolean(&test_config::peek_then_read)},
      {"-write-different-record-sizes", boolean(&test_config::write_different_record_sizes)},
      {"-read-with-unfinished-write", boolean(&test_config::read_with_unfinished_write)},
      {"-send-alert", boolean(&test_config::send_alert)},  // connection::abort
      {"-max-send-fragment", integer("-max-send-fragment", &test_config::max_send_fragment)},
      {"-read-size", integer("-read-size", &test_config::read_size)},
  };
}

const std::map<std::string, flag_spec, std::less<>>& flag_table() {
  static const std::map<std::string, flag_spec, std::less<>> table = [] {
    std::map<std::string, flag_spec, std::less<>> t;
    for (auto&& group : {harness_flags(), auth_flags(), negotiation_flags(), record_flags(), session_flags()})
      for (auto&& [name, spec] : group) t.emplace(name, spec);
    return t;
  }();
  return table;
}

// If `name` starts with `prefix` followed by '-', drops the prefix (keeping the '-').
bool remove_prefix(std::string_view& name, std::string_view prefix) {
  if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix && name[prefix.size()] == '-') {
    name.remove_prefix(prefix.size());
    return true;
  }
  return false;
}

}  // namespace

[[noreturn]] void unimplemented(const std::string& what) {
  std::fprintf(stderr, "unimplemented: %s\n", what.c_str());
  // For tallying what keeps tests from running (docs/conformance.md): one reason per line.
  if (const char* log = std::getenv("BOGO_SHIM_UNIMPLEMENTED_LOG")) {
    if (std::FILE* f = std::fopen(log, "a")) {
      std::fprintf(f, "%s\n", what.c_str());
      std::fclose(f);
    }
  }
  std::exit(exit_unimplemented);
}

parsed_flags parse_flags(int argc, char** argv) {
  parsed_flags out;
  const auto& table = flag_table();
  for (int i = 0; i < argc; ++i) {
    std::string_view name = argv[i];
    bool skip = false;
    if (remove_prefix(name, "-on-shim")) {
      // applies to the shim: keep it
    } else if (remove_prefix(name, "-on-handshaker")) {
      skip = true;  // split handshakes are not supported; those flags configure the handshaker
    }
    test_config* only = nullptr;
    if (remove_prefix(name, "-on-initial"))
      only = &out.initial;
    else if (remove_prefix(name, "-on-resume"))
      only = &out.resume;
    else if (remove_prefix(name, "-on-retry"))
      only = &out.retry;
    const auto it = table.find(name);
    if (it == table.end()) unimplemented("flag " + std::string(argv[i]));
    std::string param;
    if (it->second.has_param) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "Missing parameter for %s\n", argv[i]);
        std::exit(1);
      }
      param = argv[++i];
    }
    if (skip) continue;
    if (only != nullptr) {
      it->second.set(*only, param);
    } else {
      for (auto* c : {&out.initial, &out.resume, &out.retry}) it->second.set(*c, param);
    }
  }
  return out;
}

void check_supported(const test_config& c, bool resuming) {
  constexpr int tls13 = 0x0304;
  if (c.no_tls13) unimplemented("-no-tls13: this library speaks TLS 1.3 only");
  if (c.max_version != 0 && c.max_version != tls13) {
    unimplemented("-max-version " + std::to_string(c.max_version) + ": TLS 1.3 only");
  }
  if (c.min_version != 0 && c.min_version > tls13) unimplemented("-min-version above TLS 1.3");
  if (c.min_version >= 0xfe00) unimplemented("DTLS versions");
  // Reasons for features we do not have (see early_data_reason in shim_checks.cpp).
  for (const char* r : {"channel_id", "alps_mismatch", "quic_parameter_mismatch", "unknown"})
    if (c.expect_early_data_reason == r)
      unimplemented("-expect-early-data-reason " + c.expect_early_data_reason + " (not observable)");
  // ServerHello and EncryptedExtensions are the messages the shim can find in the server's records.
  if (c.early_write_after_message != 0 && c.early_write_after_message != 2 &&
      c.early_write_after_message != 8)
    unimplemented("-early-write-after-message " + std::to_string(c.early_write_after_message));
  if (resuming && c.is_server && c.no_ticket && !c.expect_session_miss)
    unimplemented("stateful session resumption (-no-ticket on a resuming server)");
}

}  // namespace bogo
