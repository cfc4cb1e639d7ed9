// The strict path validator, rule by rule, on chains issued at test time (cert_factory.hpp): a
// positive and a negative case for each rule of docs/X509.md.
#include <gtest/gtest.h>

#include "x509_fixture.hpp"

namespace tls13 {
namespace {

using namespace test;
using pki::issue;
using pki::issued;
using errc = certificate_errc;

TEST(PathRules, GoodChainAndReport) {
  basic_pki p;
  auto r = validate({&p.root}, {&p.leaf, &p.inter});
  ASSERT_TRUE(accepted(r));
  ASSERT_EQ(r.subjects.size(), 3u);
  EXPECT_EQ(r.subjects[0], "CN=server");
  EXPECT_EQ(r.subjects[1], "CN=Test Intermediate");
  EXPECT_EQ(r.subjects[2], "CN=Test Root");
  EXPECT_EQ(r.chain.size(), 3u);
  EXPECT_EQ(r.chain[0], p.leaf.der());
  // The default verifier agrees, and so does the zero time_point ("now": the factory's window is 2020-2040).
  auto v = make_default_verifier(store_of({&p.root}));
  const auto l = p.leaf.der(), i = p.inter.der();
  std::vector<bytes> views{bytes(l), bytes(i)};
  verify_request req;
  req.chain = &views;
  req.server_name = "localhost";
  EXPECT_TRUE(v->verify(req));
  req.server_name = "other.test";
  EXPECT_EQ(v->verify(req).error(), make_error_code(errc::name_mismatch));
}

TEST(PathRules, UnknownIssuerAndPartialChainAnchors) {
  basic_pki p;
  issued other = issue(pki::root_spec("Other Root"));
  EXPECT_TRUE(rejected(validate({&p.root}, {&p.leaf}), errc::unknown_issuer));
  EXPECT_TRUE(rejected(validate({&other}, {&p.leaf, &p.inter}), errc::unknown_issuer));
  // A trust anchor need not be self-signed: the intermediate alone is enough, and the path ends there.
  auto r = validate({&p.inter}, {&p.leaf});
  ASSERT_TRUE(accepted(r));
  EXPECT_EQ(r.subjects.size(), 2u);
  // A self-signed leaf the peer made up is not an anchor.
  issued self = issue(pki::server_spec("self"));
  EXPECT_TRUE(rejected(validate({&p.root}, {&self}), errc::unknown_issuer));
  EXPECT_TRUE(rejected(validate({&p.root}, {}), errc::certificate_required));
}

TEST(PathRules, DirectlyTrustedLeaf) {
  issued self = issue(pki::server_spec("self"));
  EXPECT_TRUE(accepted(validate({&self}, {&self})));
  // The self-signed certificate `openssl req -x509` makes (CA:TRUE, no keyUsage, no
  // extendedKeyUsage), trusted as itself: the application pinned this very certificate, so the
  // CA flag and the missing extendedKeyUsage are accepted (as OpenSSL, Go and Java accept them).
  auto spec = pki::server_spec("self-ca");
  spec.basic_constraints = "critical,CA:TRUE";
  spec.key_usage.reset();
  spec.ext_key_usage.reset();
  issued self_ca = issue(spec);
  EXPECT_TRUE(accepted(validate({&self_ca}, {&self_ca})));
  // The other leaf rules still hold for it: an extendedKeyUsage must fit the role, a server needs a SAN.
  auto client_only = spec;
  client_only.ext_key_usage = "clientAuth";
  issued pinned_client = issue(client_only);
  EXPECT_TRUE(rejected(validate({&pinned_client}, {&pinned_client}), errc::bad_key_usage));
  auto no_san = spec;
  no_san.san.reset();
  issued pinned_no_san = issue(no_san);
  EXPECT_TRUE(rejected(validate({&pinned_no_san}, {&pinned_no_san}), errc::name_mismatch));
  // Not pinned, the same certificate is a CA used as end entity (issued by a trusted root).
  issued root = issue(pki::root_spec("Root"));
  auto issued_spec = spec;
  issued_spec.key_usage = "critical,digitalSignature,keyCertSign";  // else X509_STRICT objects first
  issued ca_leaf = issue(issued_spec, &root);
  EXPECT_TRUE(rejected(validate({&root}, {&ca_leaf}), errc::constraint_violated));
}

TEST(PathRules, BasicConstraintsOnIssuers) {
  issued root = issue(pki::root_spec("Root"));
  auto no_bc = pki::ca_spec("No BC");
  no_bc.basic_constraints.reset();
  issued int_no_bc = issue(no_bc, &root);
  issued leaf1 = issue(pki::server_spec(), &int_no_bc);
  EXPECT_TRUE(rejected(validate({&root}, {&leaf1, &int_no_bc}), errc::constraint_violated));
  auto not_ca = pki::ca_spec("Not CA");
  not_ca.basic_constraints = "critical,CA:FALSE";
  not_ca.key_usage = "critical,digitalSignature";
  issued int_not_ca = issue(not_ca, &root);
  issued leaf2 = issue(pki::server_spec(), &int_not_ca);
  EXPECT_TRUE(rejected(validate({&root}, {&leaf2, &int_not_ca}), errc::constraint_violated));
  // A leaf with CA:TRUE is a CA used as end entity.
  auto ca_leaf = pki::server_spec();
  ca_leaf.basic_constraints = "critical,CA:TRUE";
  ca_leaf.key_usage = "critical,digitalSignature,keyCertSign";
  issued leaf3 = issue(ca_leaf, &root);
  EXPECT_TRUE(rejected(validate({&root}, {&leaf3}), errc::constraint_violated));
}

TEST(PathRules, PathLenConstraint) {
  issued root = issue(pki::root_spec("Root"));
  auto zero = pki::ca_spec("Int pathlen 0");
  zero.basic_constraints = "critical,CA:TRUE,pathlen:0";
  auto one = pki::ca_spec("Int pathlen 1");
  one.basic_constraints = "critical,CA:TRUE,pathlen:1";
  issued int0 = issue(zero, &root);
  issued int1 = issue(one, &root);
  issued below0 = issue(pki::ca_spec("Below 0"), &int0);
  issued below1 = issue(pki::ca_spec("Below 1"), &int1);
  issued leaf0 = issue(pki::server_spec(), &below0);
  issued leaf1 = issue(pki::server_spec(), &below1);
  EXPECT_TRUE(rejected(validate({&root}, {&leaf0, &below0, &int0}), errc::constraint_violated));
  EXPECT_TRUE(accepted(validate({&root}, {&leaf1, &below1, &int1})));
  // pathlen 0 still allows a leaf directly below.
  issued direct = issue(pki::server_spec(), &int0);
  EXPECT_TRUE(accepted(validate({&root}, {&direct, &int0})));
}

TEST(PathRules, KeyUsageOnIssuerAndLeaf) {
  issued root = issue(pki::root_spec("Root"));
  auto no_certsign = pki::ca_spec("No certsign");
  no_certsign.key_usage = "critical,digitalSignature,cRLSign";
  issued bad_int = issue(no_certsign, &root);
  issued leaf = issue(pki::server_spec(), &bad_int);
  EXPECT_TRUE(rejected(validate({&root}, {&leaf, &bad_int}), errc::bad_key_usage));
  auto no_ku = pki::ca_spec("No KU");
  no_ku.key_usage.reset();
  issued int_no_ku = issue(no_ku, &root);
  issued leaf2 = issue(pki::server_spec(), &int_no_ku);
  EXPECT_TRUE(rejected(validate({&root}, {&leaf2, &int_no_ku}), errc::bad_key_usage));

  auto enc_only = pki::server_spec();
  enc_only.key_usage = "critical,keyEncipherment";
  enc_only.key = pki::key_type::rsa2048;
  issued leaf_enc = issue(enc_only, &root);
  EXPECT_TRUE(rejected(validate({&root}, {&leaf_enc}), errc::bad_key_usage));
  auto both = pki::server_spec();
  both.key_usage = "critical,digitalSignature,keyEncipherment";
  issued leaf_both = issue(both, &root);
  EXPECT_TRUE(accepted(validate({&root}, {&leaf_both})));
  // RFC 5280 lets an end-entity certificate omit keyUsage (no restriction): accepted.
  auto absent = pki::server_spec();
  absent.key_usage.reset();
  issued leaf_absent = issue(absent, &root);
  EXPECT_TRUE(accepted(validate({&root}, {&leaf_absent})));
}

TEST(PathRules, ExtendedKeyUsageByRole) {
  basic_pki p;
  issued client = issue(pki::client_spec(), &p.inter);
  run_options as_client;
  as_client.role = peer_role::client;
  as_client.host.clear();
  EXPECT_TRUE(accepted(validate({&p.root}, {&client, &p.inter}, as_client)));
  EXPECT_TRUE(rejected(validate({&p.root}, {&client, &p.inter}), errc::bad_key_usage));
  EXPECT_TRUE(rejected(validate({&p.root}, {&p.leaf, &p.inter}, as_client), errc::bad_key_usage));
  auto both = pki::server_spec();
  both.ext_key_usage = "serverAuth,clientAuth";
  issued dual = issue(both, &p.inter);
  EXPECT_TRUE(accepted(validate({&p.root}, {&dual, &p.inter})));
  EXPECT_TRUE(accepted(validate({&p.root}, {&dual, &p.inter}, as_client)));
  auto none = pki::server_spec();
  none.ext_key_usage.reset();
  issued no_eku = issue(none, &p.inter);
  EXPECT_TRUE(rejected(validate({&p.root}, {&no_eku, &p.inter}), errc::bad_key_usage));
  run_options lenient;
  lenient.opts.policy.require_leaf_eku = false;
  EXPECT_TRUE(accepted(validate({&p.root}, {&no_eku, &p.inter}, lenient)));
  auto any = pki::server_spec();
  any.ext_key_usage = "anyExtendedKeyUsage";
  issued any_eku = issue(any, &p.inter);
  EXPECT_TRUE(rejected(validate({&p.root}, {&any_eku, &p.inter}), errc::bad_key_usage));
}

TEST(PathRules, ExtendedKeyUsageOnIntermediates) {
  issued root = issue(pki::root_spec("Root"));
  auto client_only = pki::ca_spec("Client CA");
  client_only.ext_key_usage = "clientAuth";
  auto server_only = pki::ca_spec("Server CA");
  server_only.ext_key_usage = "serverAuth";
  issued client_ca = issue(client_only, &root);
  issued server_ca = issue(server_only, &root);
  issued leaf_c = issue(pki::server_spec(), &client_ca);
  issued leaf_s = issue(pki::server_spec(), &server_ca);
  EXPECT_TRUE(rejected(validate({&root}, {&leaf_c, &client_ca}), errc::bad_key_usage));
  EXPECT_TRUE(accepted(validate({&root}, {&leaf_s, &server_ca})));
}

TEST(PathRules, UnknownCriticalAndDuplicateExtensions) {
  basic_pki p;
  const pki::raw_extension unknown{"1.3.6.1.4.1.55555.1", true, {0x05, 0x00}};
  auto crit = pki::server_spec();
  crit.extra = {unknown};
  issued leaf_crit = issue(crit, &p.inter);
  EXPECT_TRUE(rejected(validate({&p.root}, {&leaf_crit, &p.inter}), errc::unsupported_certificate));
  auto noncrit = pki::server_spec();
  noncrit.extra = {{unknown.oid, false, unknown.der}};
  issued leaf_noncrit = issue(noncrit, &p.inter);
  EXPECT_TRUE(accepted(validate({&p.root}, {&leaf_noncrit, &p.inter})));
  // certificatePolicies is "supported" by OpenSSL without policy processing; critical, we refuse it.
  const pki::raw_extension any_policy{
      "2.5.29.32", true, {0x30, 0x08, 0x30, 0x06, 0x06, 0x04, 0x55, 0x1d, 0x20, 0x00}};
  auto crit_policies = pki::server_spec();
  crit_policies.extra = {any_policy};
  issued leaf_policies = issue(crit_policies, &p.inter);
  EXPECT_TRUE(rejected(validate({&p.root}, {&leaf_policies, &p.inter}), errc::unsupported_certificate));
  auto policies = pki::server_spec();
  policies.extra = {{any_policy.oid, false, any_policy.der}};
  issued leaf_policies_ok = issue(policies, &p.inter);
  EXPECT_TRUE(accepted(validate({&p.root}, {&leaf_policies_ok, &p.inter})));
  // On an intermediate too.
  auto int_crit = pki::ca_spec("Crit Int");
  int_crit.extra = {unknown};
  issued bad_int = issue(int_crit, &p.root);
  issued leaf2 = issue(pki::server_spec(), &bad_int);
  EXPECT_TRUE(rejected(validate({&p.root}, {&leaf2, &bad_int}), errc::unsupported_certificate));
  // The same extension twice: an unknown one, and a subjectAltName.
  auto dup = pki::server_spec();
  dup.extra = {{unknown.oid, false, unknown.der}, {unknown.oid, false, unknown.der}};
  issued leaf_dup = issue(dup, &p.inter);
  EXPECT_TRUE(rejected(validate({&p.root}, {&leaf_dup, &p.inter}), errc::bad_certificate));
  // libcrypto passes over an intermediate with a repeated extension; the report says why.
  auto int_dup = pki::ca_spec("Dup Int");
  int_dup.extra = {{"2.5.29.15", true, {0x03, 0x02, 0x01, 0x06}}};  // a second keyUsage
  issued dup_int = issue(int_dup, &p.root);
  issued leaf3 = issue(pki::server_spec(), &dup_int);
  EXPECT_TRUE(rejected(validate({&p.root}, {&leaf3, &dup_int}), errc::bad_certificate));
  auto dup_san = pki::server_spec();
  dup_san.extra = {{"2.5.29.17", false, {0x30, 0x06, 0x82, 0x04, 'x', '.', 't', 'e'}}};
  issued leaf_dup_san = issue(dup_san, &p.inter);
  EXPECT_TRUE(rejected(validate({&p.root}, {&leaf_dup_san, &p.inter}), errc::bad_certificate));
}

TEST(PathRules, VersionAndSerial) {
  basic_pki p;
  auto v1 = pki::server_spec();
  v1.version = 1;
  issued leaf_v1 = issue(v1, &p.inter);
  EXPECT_TRUE(rejected(validate({&p.root}, {&leaf_v1, &p.inter}), errc::bad_certificate));
  auto with_serial = [&](std::vector<unsigned char> serial, bool negative) {
    auto s = pki::server_spec();
    s.serial = std::move(serial);
    s.negative_serial = negative;
    issued leaf = issue(s, &p.inter);
    return validate({&p.root}, {&leaf, &p.inter});
  };
  EXPECT_TRUE(rejected(with_serial({0x00}, false), errc::bad_certificate));
  EXPECT_TRUE(rejected(with_serial({0x05}, true), errc::bad_certificate));
  EXPECT_TRUE(accepted(with_serial({0x05}, false)));
  std::vector<unsigned char> twenty(20, 0x11), top_bit(20, 0x11), twenty_one(21, 0x11);
  top_bit[0] = 0x91;  // 20 octets of magnitude, 21 once DER adds its sign octet
  EXPECT_TRUE(accepted(with_serial(twenty, false)));
  EXPECT_TRUE(rejected(with_serial(top_bit, false), errc::bad_certificate));
  EXPECT_TRUE(rejected(with_serial(twenty_one, false), errc::bad_certificate));
}

TEST(PathRules, ValidityAtInjectedTime) {
  basic_pki p;
  run_options early, late, edge;
  early.now = pki::t_2020 - 1;
  late.now = pki::t_2040 + 1;
  edge.now = pki::t_2040;  // notAfter is inclusive (RFC 5280 §4.1.2.5), notBefore too
  run_options start;
  start.now = pki::t_2020;
  EXPECT_TRUE(rejected(validate({&p.root}, {&p.leaf, &p.inter}, early), errc::expired));
  EXPECT_TRUE(rejected(validate({&p.root}, {&p.leaf, &p.inter}, late), errc::expired));
  EXPECT_TRUE(accepted(validate({&p.root}, {&p.leaf, &p.inter}, edge)));
  EXPECT_TRUE(accepted(validate({&p.root}, {&p.leaf, &p.inter}, start)));
  auto old = pki::ca_spec("Expired Int");
  old.not_after = pki::t_2030 - 10;
  issued expired_int = issue(old, &p.root);
  issued leaf = issue(pki::server_spec(), &expired_int);
  EXPECT_TRUE(rejected(validate({&p.root}, {&leaf, &expired_int}), errc::expired));
}

TEST(PathRules, SignatureAlgorithms) {
  issued root = issue(pki::root_spec("Root"));
  auto sha1 = pki::server_spec();
  sha1.sig_hash = pki::hash::sha1;
  issued leaf_sha1 = issue(sha1, &root);
  // RFC 8446 §4.4.2.4 RECOMMENDS bad_certificate for SHA-1 (and requires it for MD5).
  EXPECT_TRUE(rejected(validate({&root}, {&leaf_sha1}), errc::bad_certificate));
  auto sha384 = pki::server_spec();
  sha384.sig_hash = pki::hash::sha384;
  issued leaf_sha384 = issue(sha384, &root);
  EXPECT_TRUE(accepted(validate({&root}, {&leaf_sha384})));
  // MD5 (RSA issuer), and SHA-1 on an intermediate.
  auto rsa_root_spec = pki::root_spec("RSA Root");
  rsa_root_spec.key = pki::key_type::rsa2048;
  issued rsa_root = issue(rsa_root_spec);
  auto md5 = pki::server_spec();
  md5.sig_hash = pki::hash::md5;
  issued leaf_md5 = issue(md5, &rsa_root);
  // RFC 8446 §4.4.2.4: a certificate that needs MD5 to validate is bad_certificate.
  EXPECT_TRUE(rejected(validate({&rsa_root}, {&leaf_md5}), errc::bad_certificate));
  issued leaf_rsa_sha256 = issue(pki::server_spec(), &rsa_root);
  EXPECT_TRUE(accepted(validate({&rsa_root}, {&leaf_rsa_sha256})));
  auto int_sha1 = pki::ca_spec("SHA-1 Int");
  int_sha1.sig_hash = pki::hash::sha1;
  issued bad_int = issue(int_sha1, &root);
  issued leaf = issue(pki::server_spec(), &bad_int);
  EXPECT_TRUE(rejected(validate({&root}, {&leaf, &bad_int}), errc::bad_certificate));
  // A SHA-1 self-signature on the anchor is never relied on: accepted.
  auto old_root_spec = pki::root_spec("SHA-1 Root");
  old_root_spec.sig_hash = pki::hash::sha1;
  issued old_root = issue(old_root_spec);
  issued leaf2 = issue(pki::server_spec(), &old_root);
  EXPECT_TRUE(accepted(validate({&old_root}, {&leaf2})));
}

TEST(PathRules, KeyTypesAndSizes) {
  issued root = issue(pki::root_spec("Root"));
  auto leaf_with = [&](pki::key_type t) {
    auto s = pki::server_spec();
    s.key = t;
    issued leaf = issue(s, &root);
    return validate({&root}, {&leaf});
  };
  EXPECT_TRUE(rejected(leaf_with(pki::key_type::rsa1024), errc::unsupported_certificate));
  EXPECT_TRUE(accepted(leaf_with(pki::key_type::rsa2048)));
  EXPECT_TRUE(accepted(leaf_with(pki::key_type::p384)));
  EXPECT_TRUE(accepted(leaf_with(pki::key_type::ed25519)));
  EXPECT_TRUE(rejected(leaf_with(pki::key_type::p521), errc::unsupported_certificate));
  EXPECT_TRUE(rejected(leaf_with(pki::key_type::secp256k1), errc::unsupported_certificate));
  EXPECT_TRUE(rejected(leaf_with(pki::key_type::ed448), errc::unsupported_certificate));
  // An RSA-1024 intermediate, and an Ed25519 CA.
  auto weak = pki::ca_spec("Weak Int");
  weak.key = pki::key_type::rsa1024;
  issued weak_int = issue(weak, &root);
  issued leaf = issue(pki::server_spec(), &weak_int);
  EXPECT_TRUE(rejected(validate({&root}, {&leaf, &weak_int}), errc::unsupported_certificate));
  auto ed = pki::ca_spec("Ed25519 Int");
  ed.key = pki::key_type::ed25519;
  issued ed_int = issue(ed, &root);
  issued leaf_ed = issue(pki::server_spec(), &ed_int);
  EXPECT_TRUE(accepted(validate({&root}, {&leaf_ed, &ed_int})));
}

TEST(PathRules, BadSignatureAndGarbage) {
  basic_pki p;
  auto der = p.leaf.der();
  der[der.size() - 3] ^= std::byte{0x01};  // inside the signature value
  auto store = store_of({&p.root});
  const auto inter = p.inter.der();
  std::vector<bytes> views{bytes(der), bytes(inter)};
  verify_request req{&views, "localhost", peer_role::server, pki::at(pki::t_2030)};
  auto r = verify_certificate_chain(*store, req);
  EXPECT_TRUE(rejected(r, errc::bad_signature)) << r.reason;
  std::vector<std::byte> garbage{std::byte{0x30}, std::byte{0x01}, std::byte{0x00}};
  const auto leaf = p.leaf.der();
  views = {bytes(leaf), bytes(garbage)};
  EXPECT_TRUE(rejected(verify_certificate_chain(*store, req), errc::bad_certificate));
}

TEST(PathRules, AlertsForEveryCode) {
  EXPECT_EQ(to_alert(errc::expired), alert_description::certificate_expired);
  EXPECT_EQ(to_alert(errc::unknown_issuer), alert_description::unknown_ca);
  EXPECT_EQ(to_alert(errc::unsupported_certificate), alert_description::unsupported_certificate);
  EXPECT_EQ(to_alert(errc::revoked), alert_description::certificate_revoked);
  EXPECT_EQ(to_alert(errc::bad_certificate), alert_description::bad_certificate);
  EXPECT_EQ(to_alert(errc::name_mismatch), alert_description::bad_certificate);
  EXPECT_EQ(to_alert(errc::constraint_violated), alert_description::bad_certificate);
  EXPECT_EQ(to_alert(errc::bad_key_usage), alert_description::bad_certificate);
  EXPECT_EQ(to_alert(errc::chain_too_long), alert_description::bad_certificate);
  EXPECT_EQ(to_alert(errc::bad_signature), alert_description::bad_certificate);
  EXPECT_EQ(to_alert(errc::certificate_required), alert_description::certificate_required);
  EXPECT_EQ(to_alert(errc::unknown), alert_description::certificate_unknown);
}

}  // namespace
}  // namespace tls13
