// The engine behind tls13::connection: the receive path (records -> messages -> the transition
// table), the send path (messages and application data -> records in the caller's sink), alerts
// and closure. The client and server handshake handlers are members too, in client.cpp and
// server.cpp, so that each flow reads top to bottom next to the table it follows.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "crypto/hash.hpp"
#include "handshake/messages/hello.hpp"
#include "handshake/messages/post_hello.hpp"
#include "handshake/transitions.hpp"
#include "keyschedule/exporter.hpp"
#include "keyschedule/key_schedule.hpp"
#include "record/record_layer.hpp"
#include "session/server_ticket.hpp"
#include "tls13/config.hpp"
#include "tls13/connection.hpp"
#include "tls13/crypto_provider.hpp"
#include "tls13/x509.hpp"

namespace tls13 {

enum class role : std::uint8_t { client, server };

class connection_core {
 public:
  connection_core(std::shared_ptr<const client_config> c, std::string server_name);
  explicit connection_core(std::shared_ptr<const server_config> s);

  result<event> poll(input_window& in, output_sink& out);
  void consume_app_data(std::size_t n) noexcept;
  result<std::size_t> write(bytes plaintext, output_sink& out);
  bool can_write_early() const noexcept { return early_writable_ && !error_; }
  bool can_write() const noexcept;
  result<void> resolve_replay_check(replay_verdict verdict) noexcept;
  bool in_early_data() const noexcept {
    return role_ == role::server && info_.early_data_accepted && state_ != handshake::state::connected;
  }
  result<std::size_t> write_early(bytes plaintext, output_sink& out);
  void close(output_sink& out);
  void abort(alert_description alert, output_sink& out);
  result<void> key_update(output_sink& out, bool request_peer_update);
  bool is_handshaking() const noexcept { return state_ != handshake::state::connected; }
  bool wants_write() const noexcept { return pending_flush_ || flight_due_.has_value(); }
  void prepare_next_handshake() noexcept;
  const session_info& info() const noexcept { return info_; }
  result<void> export_keying_material(mut_bytes out, std::string_view label, bytes context) const;

 private:
  // ---- receive path (connection_core.cpp)
  result<std::optional<event>> process_record(input_window& in);
  result<std::optional<event>> on_plaintext(content_type type, mut_bytes fragment);
  result<std::optional<event>> on_alert(bytes fragment);
  result<void> check_application_data(std::size_t n);
  result<std::optional<event>> on_handshake_message(bytes message);
  result<handshake::state> dispatch(handshake::incoming kind, bytes message);
  result<handshake::state> on_post_handshake(handshake::incoming kind, bytes body);

  // ---- send path
  result<void> send_handshake(bytes message);        // adds to transcript, queues for flush_handshake()
  result<void> flush_handshake();                    // seals the queued messages into as few records as fit
  result<void> send_plain_handshake(bytes message);  // ClientHello / ServerHello / HRR: no keys yet
  result<void> send_change_cipher_spec();
  result<void> write_ccs_record();  // the plaintext CCS record alone (no flush, no bookkeeping)
  result<void> send_alert(alert_description d);
  result<void> seal(content_type type, bytes payload);
  void fail(std::error_code ec);
  void count_handshake() const noexcept;  // into config().metrics, if any

  // ---- keys
  result<void> install_read(const keyschedule::traffic_secret& s);
  result<void> install_write(const keyschedule::traffic_secret& s);
  result<void> derive_handshake_keys(bytes shared_secret);  // empty under psk_ke
  result<void> derive_application_keys();                   // after the server Finished is in the transcript
  void log_secret(const char* label, const keyschedule::traffic_secret& s);
  void log_secret(const char* label, bytes s);
  const common_config& config() const noexcept;

  // ---- client flow (client.cpp)
  result<void> client_send_hello();
  result<handshake::state> client_on_server_hello(const handshake::server_hello& sh, bytes message);
  result<handshake::state> client_on_hello_retry(const handshake::server_hello& hrr, bytes message);
  result<handshake::state> client_on_encrypted_extensions(bytes body);
  result<handshake::state> client_on_certificate_request(bytes body);
  result<handshake::state> client_on_certificate(bytes body);
  result<handshake::state> client_on_certificate_verify(bytes body);
  result<handshake::state> client_on_finished(bytes body);
  result<void> client_send_second_flight();
  result<void> client_build_hello(std::vector<std::byte>& out, bytes cookie);

  // ---- server flow (server.cpp)
  result<handshake::state> server_on_client_hello(bytes message);
  result<handshake::state> server_on_certificate(bytes body);
  result<handshake::state> server_on_certificate_verify(bytes body);
  result<handshake::state> server_on_finished(bytes body);
  // What the flight after the ServerHello needs from the ClientHello, decoded before anything is
  // sent, so that the rest of the flight may wait for the next poll() (flush_server_hello_early).
  struct flight_inputs {
    std::unique_ptr<key_answer> dhe;  // our (EC)DHE answer, derived when the flight is made; null with psk_ke
    std::optional<std::uint16_t> peer_record_size_limit;
    bool ocsp_requested = false;
    bool early_data_offered = false;
  };
  result<flight_inputs> server_flight_inputs(const handshake::client_hello& ch) const;
  result<void> server_complete_flight(flight_inputs& in);
  result<void> server_complete_due_flight();
  result<void> server_send_flight(const flight_inputs& in);
  // A HelloRetryRequest for `group`, or `group_error` when no group is possible.
  result<handshake::state> server_retry_or_fail(const handshake::client_hello& ch, bytes ch1,
                                                named_group group, std::error_code group_error,
                                                cipher_suite suite);
  result<void> server_send_hello_retry(const handshake::client_hello& ch, bytes ch1, named_group group,
                                       cipher_suite suite);

  // ---- resumption (resumption.cpp)
  void client_take_ticket();
  result<void> client_add_psk(std::vector<std::byte>& ext);         // pre_shared_key, binder zeroed
  result<void> client_write_binder(std::vector<std::byte>& hello);  // fills the binder in
  result<void> client_on_psk_selected(const handshake::server_hello& sh);
  result<void> client_store_ticket(bytes body);
  result<void> client_reverify(const der_chain& chain);                   // reverify_on_resume
  result<void> server_read_psk_modes(const handshake::client_hello& ch);  // psk_key_exchange_modes
  // psk_ke may let us answer this ClientHello without the key share it lacks (server_config::psk_ke).
  bool server_psk_ke_may_avoid_retry(const handshake::client_hello& ch) const noexcept;
  // After the suite is chosen and the transcript holds what precedes `message` (§4.2.11.2).
  // `share_ready`: the client sent a key share we take, so psk_dhe_ke needs no HelloRetryRequest.
  result<void> server_try_psk(const handshake::client_hello& ch, bytes message, std::string_view sni,
                              std::string_view alpn, bool share_ready);
  std::size_t server_tickets_to_send() const noexcept;  // how many, now (0: none)
  result<void> server_send_tickets();
  result<void> server_send_early_tickets();
  result<void> client_start_early_data();  // after the ClientHello offering early_data went out
  bool server_early_data_allowed(const handshake::client_hello& ch, bytes binder,
                                 std::chrono::milliseconds skew, std::chrono::system_clock::time_point now,
                                 const session::ticket_contents& t, std::string_view alpn);
  result<handshake::state> server_on_end_of_early_data(bytes body);

  // ---- shared by both flows (peer_auth.cpp)
  result<handshake::certificate_msg> decode_peer_certificate(bytes body);
  result<void> finish_key_schedule();
  result<void> verify_peer_chain(const handshake::certificate_msg& msg, peer_role whose);
  result<void> run_verifier(const std::vector<bytes>& chain, peer_role whose, bytes staple,
                            bool staple_requested);
  result<void> verify_peer_signature(bytes body, handshake::signer_role whose);
  result<void> send_certificate_and_verify(const certified_key& key, signature_scheme scheme,
                                           handshake::signer_role as, bytes context,
                                           bytes leaf_extensions = {});
  result<void> check_finished(bytes body, const keyschedule::traffic_secret& peer_secret);
  // Finished over the transcript so far, keyed by `base_key` (ours to send, or the peer's to predict).
  result<std::vector<std::byte>> finished_message(const keyschedule::traffic_secret& base_key);
  result<void> send_finished(const keyschedule::traffic_secret& our_secret);

  // configuration (exactly one of these is set)
  std::shared_ptr<const client_config> client_cfg_;
  std::shared_ptr<const server_config> server_cfg_;
  crypto_provider* provider_ = nullptr;
  std::shared_ptr<crypto_provider> provider_owner_;
  role role_;

  // handshake
  handshake::state state_;
  std::optional<crypto::transcript_hash> transcript_;
  std::optional<keyschedule::handshake_secret> hs_secret_;
  std::optional<keyschedule::master_secret> master_;
  std::optional<keyschedule::traffic_secret> client_hs_, server_hs_;
  std::optional<keyschedule::traffic_secret> client_app_, server_app_;
  std::optional<keyschedule::exporter_master_secret> exporter_;
  std::optional<keyschedule::resumption_master_secret> resumption_;
  // Resumption: the PSK the handshake runs on once the server accepted it (both sides).
  std::optional<secret> psk_;
  bool psk_accepted_ = false;
  std::optional<session_ticket> offered_ticket_;  // client: taken from the store for this handshake
  bool psk_in_hello_ = false;                     // client: the last ClientHello offered it
  bool reverified_ = false;                       // client: the ticket's chain was verified again
  der_chain reverify_chain_;                      // client: the accepted ticket's chain, to verify at EE
  std::uint16_t selected_psk_ = 0;                // server: the identity we took
  bool peer_offers_psk_dhe_ = false;              // server: the client allows psk_dhe_ke
  bool peer_offers_psk_ke_ = false;               // server: the client allows psk_ke
  bool psk_ke_ = false;                           // both: the PSK runs without (EC)DHE (psk_ke)
  // 0-RTT
  bool early_offered_ = false;      // client: the ClientHello carried early_data
  bool early_offered_any_ = false;  // both: a ClientHello of this handshake offered early data
  std::string early_alpn_;          // client: the ALPN of the ticket the early data was sent under
  cipher_suite early_suite_{};      // client: the suite the early data was protected with
  bool early_writable_ = false;     // client: our write key is the early key
  std::size_t early_budget_ = 0;    // bytes of early data still allowed (client: to send; server: to take)
  std::optional<keyschedule::traffic_secret> client_early_;
  crypto::digest client_hello_hash_;  // server: Transcript-Hash(ClientHello), for the early key
  // Server, external anti-replay: the ClientHello waits (a copy) until the driver answers.
  enum class replay_wait : std::uint8_t { none, pending, answered };
  replay_wait replay_wait_ = replay_wait::none;
  replay_verdict replay_answer_ = replay_verdict::replayed;
  std::vector<std::byte> replay_id_;
  std::vector<std::byte> held_client_hello_;
  crypto::digest pre_message_hash_;  // transcript before the current CertificateVerify / Finished
  cipher_suite suite_{};
  crypto::hash_alg hash_ = crypto::hash_alg::sha256;

  // client-only state
  std::vector<std::unique_ptr<key_exchange>> our_shares_;
  std::vector<std::byte> client_hello_;  // kept until the suite (and so the hash) is known
  std::array<std::byte, 32> client_random_{};
  std::array<std::byte, 32> session_id_{};
  std::size_t session_id_size_ = 0;
  bool sent_ccs_ = false;
  bool ccs_due_ = false;  // client: the compatibility CCS goes out before our next record (D.4)
  bool retried_ = false;
  bool cert_requested_ = false;
  std::vector<std::byte> cert_request_context_;
  std::vector<std::byte> peer_leaf_;  // DER of the peer's leaf, for CertificateVerify

  // server-only state
  bool tickets_due_early_ = false;           // the next poll() makes the tickets (§4.6.1 Note)
  std::optional<flight_inputs> flight_due_;  // the ServerHello is out; the next poll() sends the rest
  std::shared_ptr<const certified_key> chosen_key_;
  signature_scheme chosen_scheme_{};

  // records
  record::record_layer records_;
  output_sink* out_ = nullptr;  // set for the duration of poll()/write()
  bool pending_flush_ = false;
  // Handshake messages of the flight being built: one flight under one key goes out in as few
  // records as fit (one AEAD call, one record header), sealed at the next key change or flush.
  std::vector<std::byte> hs_out_;
  // The application data record being delivered: its plaintext starts app_start_ bytes after
  // in.consumed, is app_len_ long, app_offset_ of it taken; app_wire_size_ is the whole record.
  std::size_t app_start_ = 0, app_len_ = 0, app_offset_ = 0, app_wire_size_ = 0;
  bool app_early_ = false;  // the record being delivered is 0-RTT data
  bool handshake_done_reported_ = false;
  bool prepared_next_ = false;  // prepare_next_handshake() did its work
  bool peer_closed_ = false;
  bool we_closed_ = false;
  std::error_code error_;
  std::size_t empty_records_ = 0;
  std::size_t key_updates_in_row_ = 0;
  bool answered_key_update_ = false;  // our KeyUpdate answer went out; no more until we send data
  std::size_t ccs_records_ = 0;       // compatibility CCS records dropped (bounded)
  std::size_t warning_alerts_ = 0;

  session_info info_;
};

}  // namespace tls13
