// OCSP (RFC 6960) response verification for stapled responses (RFC 6066 / RFC 8446 §4.4.2.1), the
// server's "may I still staple this" check, and must-staple detection (RFC 7633).
#include <openssl/err.h>
#include <openssl/objects.h>

#include <cstdio>
#include <ctime>

#include "tls13/x509.hpp"
#include "x509/policy_checks.hpp"
#include "x509/x509_util.hpp"

namespace tls13 {

namespace {

using namespace x509;
using errc = certificate_errc;
using sys_clock = std::chrono::system_clock;

constexpr long status_request_feature = 5;  // TLS ExtensionType status_request

// A response that cannot be relied on: RFC 6066 §8 wants bad_certificate_status_response for it.
failure bad(std::string reason) {
  return failure{errc::bad_status_response, "OCSP: " + std::move(reason), 0};
}
// A certificate problem (the leaf or issuer does not parse, a required staple is missing).
failure bad_cert(std::string reason) {
  return failure{errc::bad_certificate, "OCSP: " + std::move(reason), 0};
}

std::string iso_time(sys_clock::time_point t) {
  const std::time_t s = sys_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

ocsp_basic_ptr parse_basic(bytes response, check_result& err) {
  const auto* p = u8(response.data());
  ocsp_response_ptr resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(response.size())));
  if (!resp || p != u8(response.data() + response.size())) {
    err = bad("the response is not a DER OCSPResponse");
    return nullptr;
  }
  const int st = OCSP_response_status(resp.get());
  if (st != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    err = bad(std::string("the responder answered \"") + OCSP_response_status_str(st) + "\"");
    return nullptr;
  }
  ocsp_basic_ptr bs(OCSP_response_get1_basic(resp.get()));
  if (!bs) err = bad("not a basic OCSP response");
  return bs;
}

check_result check_response_signature(OCSP_BASICRESP* bs, X509* signer) {
  const X509_ALGOR* alg = OCSP_resp_get0_tbs_sigalg(bs);
  int md = NID_undef, pk = NID_undef;
  if (alg == nullptr || OBJ_find_sigid_algs(OBJ_obj2nid(alg->algorithm), &md, &pk) != 1)
    return bad("unsupported signature algorithm");
  const bool md_ok =
      md == NID_sha256 || md == NID_sha384 || md == NID_sha512 || (md == NID_undef && pk == NID_ED25519);
  if (!md_ok)
    return bad(std::string("signature hash ") + (md == NID_undef ? "none" : OBJ_nid2sn(md)) +
               " is not accepted (never MD5 or SHA-1)");
  EVP_PKEY* key = X509_get0_pubkey(signer);
  if (key == nullptr || ASN1_item_verify(ASN1_ITEM_rptr(OCSP_RESPDATA), alg, OCSP_resp_get0_signature(bs),
                                         OCSP_resp_get0_respdata(bs), key) != 1)
    return bad("the response signature does not verify with the responder's key");
  return std::nullopt;
}

bool valid_at(X509* x, sys_clock::time_point now) {
  const std::time_t t = to_time_t(now);
  return ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), t) <= 0 &&
         ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), t) >= 0;
}

// The issuer itself, or a responder the issuer certified for OCSP signing (RFC 6960 §4.2.2.2).
check_result check_responder(OCSP_BASICRESP* bs, X509* issuer, sys_clock::time_point now, X509*& signer) {
  x509_stack_ptr extra(sk_X509_new_null());
  if (!extra || sk_X509_push(extra.get(), issuer) == 0) return bad("out of memory");
  X509_up_ref(issuer);
  signer = nullptr;
  if (OCSP_resp_get0_signer(bs, &signer, extra.get()) != 1 || signer == nullptr)
    return bad("the responder's certificate is neither the issuer nor included in the response");
  if (auto f = check_response_signature(bs, signer)) return f;
  if (X509_cmp(signer, issuer) == 0) return std::nullopt;
  if (X509_check_issued(issuer, signer) != X509_V_OK || X509_verify(signer, X509_get0_pubkey(issuer)) != 1)
    return bad("the responder (" + subject_of(signer) + ") is not the issuer and was not certified by it");
  if ((X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) == 0 ||
      (X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN) == 0)
    return bad("the delegated responder (" + subject_of(signer) + ") lacks id-kp-OCSPSigning");
  if (!valid_at(signer, now)) return bad("the delegated responder's certificate is expired or not yet valid");
  if (auto f = check_signature_algorithm(signer, 0)) return bad("delegated responder: " + f->reason);
  return std::nullopt;
}

OCSP_SINGLERESP* find_single(OCSP_BASICRESP* bs, X509* leaf, X509* issuer) {
  for (int i = 0; i < OCSP_resp_count(bs); ++i) {
    OCSP_SINGLERESP* single = OCSP_resp_get0(bs, i);
    const OCSP_CERTID* cid = OCSP_SINGLERESP_get0_id(single);
    ASN1_OBJECT* md_obj = nullptr;
    if (cid == nullptr ||
        OCSP_id_get0_info(nullptr, &md_obj, nullptr, nullptr, const_cast<OCSP_CERTID*>(cid)) != 1)
      continue;
    const int md = OBJ_obj2nid(md_obj);
    if (md != NID_sha1 && md != NID_sha256 && md != NID_sha384 && md != NID_sha512) continue;
    ocsp_certid_ptr ours(OCSP_cert_to_id(EVP_get_digestbynid(md), leaf, issuer));
    if (ours && OCSP_id_cmp(ours.get(), cid) == 0) return single;
  }
  return nullptr;
}

check_result read_times(OCSP_SINGLERESP* single, sys_clock::time_point now, const ocsp_policy& policy,
                        ocsp_response_info& out) {
  int reason = -1;
  ASN1_GENERALIZEDTIME *rev = nullptr, *thisupd = nullptr, *nextupd = nullptr;
  const int st = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);
  const auto this_update = to_time_point(thisupd);
  if (st < 0 || !this_update) return bad("the certificate's status does not parse");
  out.status = st == V_OCSP_CERTSTATUS_GOOD      ? ocsp_cert_status::good
               : st == V_OCSP_CERTSTATUS_REVOKED ? ocsp_cert_status::revoked
                                                 : ocsp_cert_status::unknown;
  out.this_update = *this_update;
  out.revocation_reason = reason;
  if (rev != nullptr) out.revocation_time = to_time_point(rev).value_or(sys_clock::time_point{});
  if (out.this_update > now + policy.skew)
    return bad("thisUpdate " + iso_time(out.this_update) + " is in the future");
  if (nextupd != nullptr) {
    const auto next = to_time_point(nextupd);
    if (!next || *next < out.this_update) return bad("nextUpdate does not parse or precedes thisUpdate");
    out.next_update = *next;
    out.valid_until = *next + policy.skew;
  } else {
    out.valid_until = out.this_update + policy.max_age_without_next_update + policy.skew;
  }
  if (out.valid_until < now)
    return bad("the response is stale (valid until " + iso_time(out.valid_until) + ")");
  return std::nullopt;
}

check_result verify_parsed(bytes response, X509* leaf, X509* issuer, sys_clock::time_point now,
                           const ocsp_policy& policy, ocsp_response_info& out) {
  check_result err;
  ocsp_basic_ptr bs = parse_basic(response, err);
  if (!bs) return err;
  X509* signer = nullptr;
  if (auto f = check_responder(bs.get(), issuer, now, signer)) return f;
  OCSP_SINGLERESP* single = find_single(bs.get(), leaf, issuer);
  if (single == nullptr) return bad("no status for this certificate in the response (CertID mismatch)");
  if (auto f = read_times(single, now, policy, out)) return f;
  if (out.status == ocsp_cert_status::revoked) {
    const char* why = out.revocation_reason >= 0 ? OCSP_crl_reason_str(out.revocation_reason) : "unspecified";
    return failure{errc::revoked,
                   "OCSP: the certificate was revoked at " + iso_time(out.revocation_time) + " (" + why + ")",
                   0};
  }
  return std::nullopt;
}

check_result verify_der(bytes response, bytes leaf_der, bytes issuer_der, sys_clock::time_point now,
                        const ocsp_policy& policy, ocsp_response_info& out) {
  x509_ptr leaf = parse_der_cached(leaf_der);
  x509_ptr issuer = parse_der_cached(issuer_der);
  if (!leaf || !issuer) return bad_cert("the leaf or issuer certificate does not parse");
  return verify_parsed(response, leaf.get(), issuer.get(), now, policy, out);
}

// nullopt: absent; otherwise whether status_request is listed. Sets `malformed` on a bad extension.
bool has_must_staple(X509* leaf, bool& malformed) {
  int crit = -1;
  auto* features = static_cast<TLS_FEATURE*>(X509_get_ext_d2i(leaf, NID_tlsfeature, &crit, nullptr));
  malformed = features == nullptr && crit != -1;
  bool found = false;
  for (int i = 0; features != nullptr && i < sk_ASN1_INTEGER_num(features); ++i)
    found = found || ASN1_INTEGER_get(sk_ASN1_INTEGER_value(features, i)) == status_request_feature;
  TLS_FEATURE_free(features);
  return found;
}

}  // namespace

result<ocsp_response_info> verify_ocsp_response(bytes response, bytes leaf, bytes issuer,
                                                sys_clock::time_point now, const ocsp_policy& policy,
                                                std::string* why) {
  ocsp_response_info info;
  check_result f = verify_der(response, leaf, issuer, now, policy, info);
  ERR_clear_error();
  if (!f) return info;
  if (why != nullptr) *why = f->reason;
  return f->code;
}

result<sys_clock::time_point> ocsp_staple_valid_until(bytes response, bytes leaf, bytes issuer,
                                                      sys_clock::time_point now, const ocsp_policy& policy) {
  TLS13_TRY_ASSIGN(const ocsp_response_info info, verify_ocsp_response(response, leaf, issuer, now, policy));
  if (info.status != ocsp_cert_status::good) return certificate_errc::bad_status_response;
  return info.valid_until;
}

result<bool> requires_ocsp_staple(bytes leaf_der) {
  x509_ptr leaf = parse_der_cached(leaf_der);
  bool malformed = false;
  const bool must = leaf && has_must_staple(leaf.get(), malformed);
  ERR_clear_error();
  if (!leaf || malformed) return certificate_errc::bad_certificate;
  return must;
}

namespace x509 {

check_result check_stapled_ocsp(const verify_request& req, STACK_OF(X509) * path, const ocsp_policy& policy,
                                sys_clock::time_point now) {
  if (sk_X509_num(path) < 2) return std::nullopt;  // a directly trusted leaf has no issuer to ask
  X509* leaf = sk_X509_value(path, 0);
  X509* issuer = sk_X509_value(path, 1);
  bool malformed = false;
  const bool must = req.ocsp_requested && policy.enforce_must_staple && has_must_staple(leaf, malformed);
  if (malformed) return failure{errc::bad_certificate, "the TLS feature extension does not parse", 0};
  const bool required = must || policy.mode == ocsp_mode::hard_fail;
  if (req.ocsp_response.empty()) {
    if (!required) return std::nullopt;
    return bad_cert(must ? "the certificate requires a stapled response (must-staple) and none was sent"
                         : "no stapled response (hard-fail policy)");
  }
  // RFC 6066 §8: a staple that was sent must be satisfactory, whatever the policy.
  ocsp_response_info info;
  if (auto f = verify_parsed(req.ocsp_response, leaf, issuer, now, policy, info)) return f;
  if (info.status == ocsp_cert_status::unknown && required)
    return bad("the responder does not know the certificate (status unknown)");
  return std::nullopt;
}

}  // namespace x509

}  // namespace tls13
