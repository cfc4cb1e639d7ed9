// Server identity (RFC 9525): the reference identifier we were asked to check and its match against
// the leaf's subjectAltName. DNS names are compared case-insensitively as A-labels; a wildcard is only
// ever the entire leftmost label and covers exactly one label; IP addresses match iPAddress SANs
// exactly; the subject CN is never consulted.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "x509/x509_util.hpp"

namespace tls13::x509 {

struct reference_id {
  enum class kind : std::uint8_t { none, dns, ip };
  kind type = kind::none;
  std::string dns;  // lower case, no trailing dot
  std::array<unsigned char, 16> ip{};
  std::size_t ip_len = 0;  // 4 or 16
  std::string text;        // as the caller gave it, for reasons
};

// From a request's server_name / ip_address. name_mismatch if the name is not a valid DNS name or IP
// literal (e.g. a U-label, a wildcard, an empty label), or if both are given.
check_result parse_reference(std::string_view server_name, std::string_view ip_address, reference_id& out);

// True if `s` is a syntactically valid DNS name (LDH labels plus '_', 1..63 octets each, <= 253).
bool valid_dns_name(std::string_view s) noexcept;
// One presented dNSName against a normalized reference name (lower case, no trailing dot).
bool dns_name_matches(std::string_view presented, std::string_view reference) noexcept;

// The leaf's SANs against the reference: name_mismatch unless one matches.
check_result match_leaf_name(X509* leaf, const reference_id& ref);

// The reference DNS name against the dNSName constraints of every CA in `path` (index >= 1): a wildcard
// SAN must not let a name inside an excluded subtree (or outside the permitted ones) through.
check_result check_reference_constraints(STACK_OF(X509) * path, const reference_id& ref);

}  // namespace tls13::x509
