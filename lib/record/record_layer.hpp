// The record layer (RFC 8446 §5) as the connection uses it: records in (deframed, decrypted in
// place), records out (fragmented, sealed straight into the caller's sink), handshake reassembly
// with a size cap, key changes and AEAD usage limits.
#pragma once

#include <memory>
#include <optional>

#include "keyschedule/key_schedule.hpp"
#include "tls13/connection.hpp"

namespace tls13::record {

class record_layer {
 public:
  record_layer();
  ~record_layer();
  record_layer(record_layer&&) noexcept;
  record_layer& operator=(record_layer&&) noexcept;

  struct inbound {
    content_type type;  // the real type (inner type for protected records)
    mut_bytes payload;  // decrypted in place inside the caller's window, or at the start of `dest`
    bool was_protected;
    std::size_t destination_used = 0;  // octets of `dest` written (the whole TLSInnerPlaintext)
    // The payload is in `dest` (read()), not in the window: a record opened there has at least its
    // inner type octet, so nothing written means nothing there.
    bool in_destination() const noexcept { return destination_used != 0; }
  };
  // The next record at the front of `window`. nullopt: incomplete, read more. `consumed` is set
  // to the record's size on the wire whenever a record is returned. A protected record whose
  // plaintext fits `dest` (which must not overlap `window`) is decrypted there instead of in place,
  // which saves the caller a copy of application data. A record that fails to open is wiped from
  // `dest`; one that is not application data the caller wipes once it has taken it in.
  result<std::optional<inbound>> read(mut_bytes window, std::size_t& consumed, mut_bytes dest = {});

  result<void> set_read_keys(const keyschedule::traffic_keys& k);
  result<void> set_write_keys(const keyschedule::traffic_keys& k);
  bool has_read_keys() const noexcept;
  // Drops both directions' keys (after a fatal error nothing is sent or read any more).
  void clear_keys() noexcept;
  bool has_write_keys() const noexcept;

  // Fragments `payload` into records (sealed when write keys are set) appended to `out`.
  result<void> write(content_type type, bytes payload, output_sink& out);
  // The first ClientHello, in records whose legacy_record_version is 0x0301: RFC 8446 §5.1 allows
  // it there, and old middleboxes and servers expect it (what NSS, OpenSSL and browsers send).
  result<void> write_initial_client_hello(bytes hello, output_sink& out);
  // Drops the write key: later records go out unprotected (a ClientHello after HelloRetryRequest
  // when the early-data key was in use).
  void clear_write_keys() noexcept;
  // Unprotected records whatever keys are installed (the compatibility-mode CCS).
  // legacy_record_version 0x03 `minor` (0x0303 unless a caller needs the initial ClientHello's 0x0301).
  result<void> write_plain(content_type type, bytes payload, output_sink& out,
                           std::byte minor = std::byte{3});
  // How much application data one record carries (2^14, or less after record_size_limit).
  std::size_t max_fragment() const noexcept;
  void set_peer_record_size_limit(std::uint16_t limit) noexcept;
  // Our own cap on the plaintext per record we send, handshake and plaintext records included
  // (0: 2^14; other values clamped to 512..2^14).
  void set_max_send_fragment(std::size_t n) noexcept;
  // The write key has been used close to its AEAD limit: send a KeyUpdate (RFC 8446 §5.5).
  bool write_key_exhausted_soon() const noexcept;

  // Handshake reassembly across records, with a size cap.
  void set_max_handshake_message(std::size_t n) noexcept;
  result<void> add_handshake_fragment(bytes fragment);
  // The next complete handshake message (header included), valid until the next call.
  result<std::optional<bytes>> next_handshake_message();
  // While the handshake runs, a peer that rejects our flight may answer with an unprotected alert
  // even though we already expect protected records: accept that (and only that) to report it.
  void allow_plaintext_alerts(bool on) noexcept;
  // 0-RTT that the server does not accept: records that fail to decrypt (or arrive protected
  // before any key) are skipped, up to `budget` bytes in all, until one decrypts (RFC 8446 §4.2.10).
  // Skipped records come back as content_type::invalid with an empty payload.
  void skip_undecryptable(std::size_t budget) noexcept;

  // Sequence numbers of both directions: tests use it to reach the limits without 2^64 records.
  void set_sequence_numbers_for_testing(std::uint64_t read_seq, std::uint64_t write_seq) noexcept;

  // Part of a handshake message is buffered (a key change now would be an error, §5.1).
  bool handshake_partial() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tls13::record
