// RFC 9525 server identity checks over the leaf's subjectAltName.
#include "x509/hostname.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace tls13::x509 {

namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

bool valid_label(std::string_view l) noexcept {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  for (char c : l) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::size_t label_count(std::string_view s) noexcept {
  std::size_t n = 1;
  for (char c : s) n += c == '.' ? 1 : 0;
  return n;
}

std::string_view ia5(const ASN1_IA5STRING* s) {
  if (s == nullptr) return {};
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
          static_cast<std::size_t>(ASN1_STRING_length(s))};
}

failure mismatch(std::string reason) {
  return failure{certificate_errc::name_mismatch, std::move(reason), 0};
}

// RFC 5280 §4.2.1.10 dNSName subtree (OpenSSL's reading: a leading '.' means subdomains only).
bool in_dns_subtree(std::string_view name, std::string_view base) noexcept {
  if (base.empty()) return true;
  if (base.front() == '.') return ends_with_ci(name, base);
  if (iequals(name, base)) return true;
  return name.size() > base.size() && ends_with_ci(name, base) && name[name.size() - base.size() - 1] == '.';
}

// nullopt: the constraint set has no dNSName subtree of that kind.
std::optional<bool> any_dns_subtree(STACK_OF(GENERAL_SUBTREE) * trees, std::string_view name) {
  std::optional<bool> hit;
  for (int i = 0; i < sk_GENERAL_SUBTREE_num(trees); ++i) {
    const GENERAL_SUBTREE* t = sk_GENERAL_SUBTREE_value(trees, i);
    if (t->base == nullptr || t->base->type != GEN_DNS) continue;
    hit = hit.value_or(false) || in_dns_subtree(name, ia5(t->base->d.dNSName));
  }
  return hit;
}

}  // namespace

bool valid_dns_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    const std::string_view label = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!valid_label(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool dns_name_matches(std::string_view presented, std::string_view reference) noexcept {
  if (presented.size() >= 2 && presented[0] == '*' && presented[1] == '.') {
    // The wildcard is the whole leftmost label, over at least two more labels ("*.example.com"), and
    // stands for exactly one non-empty label of the reference.
    const std::string_view suffix = presented.substr(2);
    if (!valid_dns_name(suffix) || label_count(suffix) < 2) return false;
    const std::size_t dot = reference.find('.');
    if (dot == std::string_view::npos || dot == 0) return false;
    return iequals(reference.substr(dot + 1), suffix);
  }
  return valid_dns_name(presented) && iequals(presented, reference);
}

check_result parse_reference(std::string_view server_name, std::string_view ip_address, reference_id& out) {
  out = reference_id{};
  if (!server_name.empty() && !ip_address.empty())
    return mismatch("both a server name and an IP address were given to check");
  const std::string_view text = ip_address.empty() ? server_name : ip_address;
  if (text.empty()) return std::nullopt;  // nothing to check
  out.text.assign(text);
  const std::string z(text);  // inet_pton wants a terminated string
  if (inet_pton(AF_INET, z.c_str(), out.ip.data()) == 1) {
    out.type = reference_id::kind::ip;
    out.ip_len = 4;
    return std::nullopt;
  }
  if (inet_pton(AF_INET6, z.c_str(), out.ip.data()) == 1) {
    out.type = reference_id::kind::ip;
    out.ip_len = 16;
    return std::nullopt;
  }
  if (!ip_address.empty()) return mismatch("'" + out.text + "' is not an IPv4 or IPv6 address");
  std::string_view name = server_name;
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);  // absolute form
  for (char c : name)
    if (static_cast<unsigned char>(c) >= 0x80)
      return mismatch("internationalized server names must be given as A-labels (xn--)");
  if (!valid_dns_name(name)) return mismatch("'" + out.text + "' is not a valid DNS name");
  out.type = reference_id::kind::dns;
  out.dns.reserve(name.size());
  for (char c : name) out.dns += lower(c);
  return std::nullopt;
}

check_result match_leaf_name(X509* leaf, const reference_id& ref) {
  if (ref.type == reference_id::kind::none) return std::nullopt;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr));
  if (sans == nullptr)
    return mismatch("the certificate has no subjectAltName; the subject CN is never used as a name");
  bool hit = false;
  for (int i = 0; i < sk_GENERAL_NAME_num(sans) && !hit; ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
    if (ref.type == reference_id::kind::dns && g->type == GEN_DNS) {
      const std::string_view p = ia5(g->d.dNSName);
      hit = p.find('\0') == std::string_view::npos && dns_name_matches(p, ref.dns);
    } else if (ref.type == reference_id::kind::ip && g->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = g->d.iPAddress;
      hit = static_cast<std::size_t>(ASN1_STRING_length(ip)) == ref.ip_len &&
            std::memcmp(ASN1_STRING_get0_data(ip), ref.ip.data(), ref.ip_len) == 0;
    }
  }
  GENERAL_NAMES_free(sans);
  if (hit) return std::nullopt;
  return mismatch(std::string(ref.type == reference_id::kind::ip ? "no iPAddress" : "no dNSName") +
                  " subjectAltName of the certificate matches '" + ref.text + "'");
}

check_result check_reference_constraints(STACK_OF(X509) * path, const reference_id& ref) {
  if (ref.type != reference_id::kind::dns)
    return std::nullopt;  // IP SANs match exactly: OpenSSL checked them
  for (int i = 1; i < sk_X509_num(path); ++i) {
    X509* ca = sk_X509_value(path, i);
    auto* nc = static_cast<NAME_CONSTRAINTS*>(X509_get_ext_d2i(ca, NID_name_constraints, nullptr, nullptr));
    if (nc == nullptr) continue;
    const auto permitted = any_dns_subtree(nc->permittedSubtrees, ref.dns);
    const auto excluded = any_dns_subtree(nc->excludedSubtrees, ref.dns);
    NAME_CONSTRAINTS_free(nc);
    if ((permitted && !*permitted) || (excluded && *excluded))
      return failure{certificate_errc::constraint_violated,
                     "'" + ref.text + "' is outside the name constraints of " + where(ca, i), i};
  }
  return std::nullopt;
}

}  // namespace tls13::x509
