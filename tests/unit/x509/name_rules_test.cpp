// Server identity (RFC 9525) and name constraints (DNS, IP, directory names).
#include <gtest/gtest.h>

#include "x509/hostname.hpp"
#include "x509_fixture.hpp"

namespace tls13 {
namespace {

using namespace test;
using pki::issue;
using pki::issued;
using errc = certificate_errc;

TEST(NameRules, DnsMatchingFunction) {
  using x509::dns_name_matches;
  EXPECT_TRUE(dns_name_matches("example.com", "example.com"));
  EXPECT_TRUE(dns_name_matches("EXAMPLE.com", "example.com"));
  EXPECT_FALSE(dns_name_matches("example.com", "www.example.com"));
  EXPECT_TRUE(dns_name_matches("*.example.com", "www.example.com"));
  EXPECT_FALSE(dns_name_matches("*.example.com", "example.com"));       // not the apex
  EXPECT_FALSE(dns_name_matches("*.example.com", "a.b.example.com"));   // one label only
  EXPECT_FALSE(dns_name_matches("w*.example.com", "www.example.com"));  // partial label
  EXPECT_FALSE(dns_name_matches("*w.example.com", "ww.example.com"));
  EXPECT_FALSE(dns_name_matches("www.*.com", "www.example.com"));  // not leftmost
  EXPECT_FALSE(dns_name_matches("*.com", "example.com"));          // too broad
  EXPECT_FALSE(dns_name_matches("*", "localhost"));
  EXPECT_FALSE(dns_name_matches("*.*.example.com", "a.b.example.com"));
  EXPECT_FALSE(dns_name_matches("example.com.", "example.com"));
  EXPECT_FALSE(dns_name_matches("exa mple.com", "exa mple.com"));
  EXPECT_TRUE(dns_name_matches("*.xn--bcher-kva.example", "www.xn--bcher-kva.example"));
  EXPECT_TRUE(x509::valid_dns_name("a-b_c.example"));
  EXPECT_FALSE(x509::valid_dns_name("-a.example"));
  EXPECT_FALSE(x509::valid_dns_name("a..example"));
  std::string long_label(64, 'a');  // appended in place: GCC 12 -Warray-bounds false positive on operator+
  long_label += ".example";
  EXPECT_FALSE(x509::valid_dns_name(long_label));
}

struct san_case {
  std::string san;
  issued root = issue(pki::root_spec("Root"));
  issued leaf;
  explicit san_case(std::string s) : san(std::move(s)), leaf(issue(pki::server_spec("server", san), &root)) {}
  verify_report host(std::string h) {
    run_options o;
    o.host = std::move(h);
    return validate({&root}, {&leaf}, o);
  }
  verify_report ip(std::string a) {
    run_options o;
    o.host.clear();
    o.ip = std::move(a);
    return validate({&root}, {&leaf}, o);
  }
};

TEST(NameRules, DnsNamesAndWildcards) {
  san_case c("DNS:localhost,DNS:*.example.test,DNS:xn--bcher-kva.example");
  EXPECT_TRUE(accepted(c.host("localhost")));
  EXPECT_TRUE(accepted(c.host("LocalHost")));
  EXPECT_TRUE(accepted(c.host("localhost.")));  // absolute form
  EXPECT_TRUE(accepted(c.host("www.example.test")));
  EXPECT_TRUE(accepted(c.host("XN--BCHER-KVA.example")));
  EXPECT_TRUE(rejected(c.host("example.test"), errc::name_mismatch));
  EXPECT_TRUE(rejected(c.host("a.b.example.test"), errc::name_mismatch));
  EXPECT_TRUE(rejected(c.host("other.test"), errc::name_mismatch));
  // Reference names must be A-labels and valid DNS names.
  EXPECT_TRUE(rejected(c.host("bücher.example"), errc::name_mismatch));
  EXPECT_TRUE(rejected(c.host("*.example.test"), errc::name_mismatch));
  EXPECT_TRUE(rejected(c.host("a..example.test"), errc::name_mismatch));
  san_case partial("DNS:w*.example.test");
  EXPECT_TRUE(rejected(partial.host("www.example.test"), errc::name_mismatch));
}

TEST(NameRules, IpAddresses) {
  san_case c("DNS:localhost,IP:127.0.0.1,IP:::1,DNS:10.0.0.1");
  EXPECT_TRUE(accepted(c.host("127.0.0.1")));  // an IP literal in server_name is matched as an IP
  EXPECT_TRUE(accepted(c.ip("127.0.0.1")));
  EXPECT_TRUE(accepted(c.ip("::1")));
  EXPECT_TRUE(accepted(c.ip("0:0:0:0:0:0:0:1")));
  EXPECT_TRUE(rejected(c.ip("127.0.0.2"), errc::name_mismatch));
  EXPECT_TRUE(rejected(c.ip("::ffff:127.0.0.1"), errc::name_mismatch));  // exact: no v4-mapped equivalence
  EXPECT_TRUE(rejected(c.ip("10.0.0.1"), errc::name_mismatch));          // a dNSName is not an IP SAN
  EXPECT_TRUE(rejected(c.ip("localhost"), errc::name_mismatch));
  run_options both;
  both.ip = "127.0.0.1";
  EXPECT_TRUE(rejected(validate({&c.root}, {&c.leaf}, both), errc::name_mismatch));
}

TEST(NameRules, SanRequiredNoCnFallback) {
  issued root = issue(pki::root_spec("Root"));
  auto cn_only = pki::server_spec("localhost");
  cn_only.san.reset();
  issued leaf = issue(cn_only, &root);
  run_options o;
  EXPECT_TRUE(rejected(validate({&root}, {&leaf}, o), errc::name_mismatch));
  o.host.clear();  // a server certificate needs a SAN even when no name is checked
  EXPECT_TRUE(rejected(validate({&root}, {&leaf}, o), errc::name_mismatch));
  o.opts.policy.require_server_san = false;
  EXPECT_TRUE(accepted(validate({&root}, {&leaf}, o)));
  o.host = "localhost";  // ... and still never matched through the CN
  EXPECT_TRUE(rejected(validate({&root}, {&leaf}, o), errc::name_mismatch));
  // Client certificates need no SAN.
  auto client = pki::client_spec();
  client.san.reset();
  issued c = issue(client, &root);
  run_options as_client;
  as_client.host.clear();
  as_client.role = peer_role::client;
  EXPECT_TRUE(accepted(validate({&root}, {&c}, as_client)));
}

struct constrained {
  issued root = issue(pki::root_spec("Root"));
  issued ca;
  explicit constrained(pki::cert_spec spec) : ca(issue(spec, &root)) {}
  verify_report leaf(pki::cert_spec s, run_options o = {}) {
    issued l = issue(s, &ca);
    return validate({&root}, {&l, &ca}, o);
  }
};

pki::cert_spec with_nc(std::vector<std::string> permitted, std::vector<std::string> excluded = {}) {
  auto s = pki::ca_spec("Constrained CA");
  s.nc_permitted = std::move(permitted);
  s.nc_excluded = std::move(excluded);
  return s;
}

TEST(NameRules, DnsNameConstraints) {
  constrained c(with_nc({"DNS:example.com"}, {"DNS:bad.example.com"}));
  run_options www;
  www.host = "www.example.com";
  EXPECT_TRUE(accepted(c.leaf(pki::server_spec("s", "DNS:www.example.com"), www)));
  EXPECT_TRUE(rejected(c.leaf(pki::server_spec("s", "DNS:www.example.com,DNS:evil.test"), www),
                       errc::constraint_violated));
  run_options bad;
  bad.host = "bad.example.com";
  EXPECT_TRUE(rejected(c.leaf(pki::server_spec("s", "DNS:bad.example.com"), bad), errc::constraint_violated));
  // A wildcard under the permitted tree may not stand for a name in the excluded subtree.
  EXPECT_TRUE(accepted(c.leaf(pki::server_spec("s", "DNS:*.example.com"), www)));
  EXPECT_TRUE(rejected(c.leaf(pki::server_spec("s", "DNS:*.example.com"), bad), errc::constraint_violated));
}

TEST(NameRules, IpNameConstraints) {
  constrained c(with_nc({"IP:10.0.0.0/255.0.0.0", "DNS:example.com"}));
  run_options in, out;
  in.host.clear();
  in.ip = "10.1.2.3";
  out.host.clear();
  out.ip = "192.168.1.1";
  EXPECT_TRUE(accepted(c.leaf(pki::server_spec("s", "IP:10.1.2.3"), in)));
  EXPECT_TRUE(rejected(c.leaf(pki::server_spec("s", "IP:192.168.1.1"), out), errc::constraint_violated));
}

TEST(NameRules, DirectoryNameConstraints) {
  constrained c(with_nc({"dirName:O=Good Org", "DNS:localhost"}));
  auto good = pki::server_spec("server");
  good.rdns = {{"O", "Good Org"}};
  auto evil = pki::server_spec("server");
  evil.rdns = {{"O", "Evil Org"}};
  EXPECT_TRUE(accepted(c.leaf(good)));
  EXPECT_TRUE(rejected(c.leaf(evil), errc::constraint_violated));
  // Excluded directory names too.
  constrained x(with_nc({}, {"dirName:O=Evil Org"}));
  EXPECT_TRUE(accepted(x.leaf(good)));
  EXPECT_TRUE(rejected(x.leaf(evil), errc::constraint_violated));
}

}  // namespace
}  // namespace tls13
