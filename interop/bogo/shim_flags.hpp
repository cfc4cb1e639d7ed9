// BoGo shim: the runner's command line (BoringSSL ssl/test/test_config.cc spelling) parsed into one
// test_config per connection kind. Flags the shim does not implement end the process with exit
// code 89 ("unimplemented"), so the runner skips the test under -allow-unimplemented.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bogo {

inline constexpr int exit_unimplemented = 89;

// Everything one connection of a test asks for. Unprefixed flags go to all three copies;
// -on-initial-, -on-resume- and -on-retry- to one of them (BoringSSL's ParseConfig).
struct test_config {
  // harness
  int port = 0;
  std::optional<std::uint64_t> shim_id;  // newer runners: the 8-byte ID written after connecting
  bool ipv6 = false;
  bool is_server = false;
  int resume_count = 0;
  int resumption_delay = 0;  // seconds the shim's clock moves on after this connection
  bool is_handshaker_supported = false;

  // credentials and peer verification
  std::string cert_file, key_file, expect_peer_cert_file;
  bool verify_peer = false, verify_fail = false, require_any_client_certificate = false;
  bool use_custom_verify_callback = false, expect_verify_result = false, reverify_on_resume = false;
  // OCSP stapling: the client asks (status_request), the server staples these bytes (base64-decoded;
  // BoGo's responses are placeholders, not DER OCSPResponses), the client expects them.
  bool enable_ocsp_stapling = false;
  std::string ocsp_response, expect_ocsp_response;
  // certificate_authorities: comma-separated hex DER Names ("<EMPTY>", "<NULL>": none); the server
  // sends them in its CertificateRequest, the client expects them in the one it gets.
  std::string use_client_ca_list, expect_client_ca_list;

  // negotiation
  int min_version = 0, max_version = 0, expect_version = 0;
  bool no_tls13 = false;
  std::vector<int> curves, signing_prefs, verify_prefs;
  std::vector<int> expect_peer_verify_prefs;  // the peer's signature_algorithms, in its order
  int expect_curve_id = 0, expect_peer_signature_algorithm = 0;
  int expect_cipher = 0, expect_cipher_aes = 0, expect_cipher_no_aes = 0;
  std::string host_name, expect_server_name;
  std::string advertise_alpn, expect_alpn, select_alpn;
  std::string expect_advertised_alpn;  // server: the client's ALPN list (wire format)
  bool decline_alpn = false, reject_alpn = false;
  bool expect_hrr = false, expect_no_hrr = false;
  int max_cert_list = 0;

  // resumption and 0-RTT
  bool expect_session_miss = false, expect_no_session = false, no_ticket = false;
  bool enable_early_data = false, expect_ticket_supports_early_data = false;
  bool expect_accept_early_data = false, expect_reject_early_data = false;
  bool expect_no_offer_early_data = false;
  int early_write_after_message = 0;     // handshake type after which a 0-RTT client writes
  std::string expect_early_data_reason;  // BoringSSL's SSL_early_data_reason_string
  int expect_ticket_age_skew = 0;        // server, resumed: seconds (0: not checked, as in BoringSSL)

  // after the handshake
  int export_keying_material = 0;
  std::string export_label, export_context;
  bool use_export_context = false, use_exporter_between_reads = false;
  bool shim_writes_first = false, shim_shuts_down = false, check_close_notify = false;
  bool key_update = false, peek_then_read = false, write_different_record_sizes = false;
  bool export_traffic_secrets = false, read_with_unfinished_write = false;
  bool send_alert = false;  // a fatal decompression_failure alert instead of the echo
  int max_send_fragment = 0, read_size = 0;
};

struct parsed_flags {
  test_config initial, resume, retry;
};

// Parses argv (without argv[0]). An unknown or unimplemented flag exits with 89 after printing
// the flag to stderr; a malformed parameter exits with 1.
parsed_flags parse_flags(int argc, char** argv);

// Exits with 89 if the combination asks for something the shim or the library cannot do
// (a version other than TLS 1.3, an early-data reason we cannot tell, ...). Called once per
// connection config.
void check_supported(const test_config& c, bool resuming);

[[noreturn]] void unimplemented(const std::string& what);

}  // namespace bogo
