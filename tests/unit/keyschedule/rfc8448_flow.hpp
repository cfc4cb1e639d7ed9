// Runs the key schedule through one RFC 8448 handshake (sections 3-7), computing every transcript
// hash from the handshake messages in the trace and comparing each derived value with the trace.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "keyschedule/key_schedule.hpp"
#include "test_support.hpp"

namespace tls13::keyschedule::test {

using tls13::test::byte_vec;

// The value `name` of the `index`-th step of `section` whose actor and step text are exactly
// `actor` and `step`; throws (failing the test) if there is none.
byte_vec trace_value(int section, std::string_view actor, std::string_view step, std::string_view name,
                     std::size_t index = 0);

// The Hash.length octets of a digest from its hex/bytes form.
crypto::digest to_digest(const byte_vec& v);

struct section_flow {
  int section;
  bool hello_retry = false;  // §5: ClientHello1, HelloRetryRequest, ClientHello2
  bool resumed = false;      // §4: resumption PSK from §3, binder, 0-RTT, EndOfEarlyData, no certificates
  bool client_auth = false;  // §6: CertificateRequest, client Certificate and CertificateVerify
};

// What later tests build on.
struct section_result {
  std::optional<exporter_master_secret> exporter;
  std::optional<early_exporter_master_secret> early_exporter;
  std::optional<traffic_secret> client_application;
  std::optional<traffic_secret> server_application;
  secret resumption_psk;  // §3 only: the PSK of the NewSessionTicket
};

// `psk` is the resumption PSK for §4 (from the §3 run). Uses gtest assertions: check
// HasFatalFailure() after the call.
void run_section(const section_flow& flow, const secret* psk, section_result& out);

}  // namespace tls13::keyschedule::test
