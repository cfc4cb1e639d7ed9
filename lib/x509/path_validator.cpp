// The strict path validator: X509_verify_cert builds the path (and checks signatures, validity,
// depth, basic and name constraints under X509_V_FLAG_X509_STRICT), then policy_checks.cpp and
// hostname.cpp apply the web-PKI rules on it. A failure caused by a peer-supplied intermediate is
// retried without that certificate, within a small budget of path builds, so a second candidate issuer
// can still make a valid path while a peer cannot make us build paths without bound.
//
// With an application verify callback (verifier_options::verify_callback), libcrypto is told to go on
// past errors and every call of its verify callback is recorded; our rules then run on the path, and
// the record, with our rules' failures added as preverified-false calls at the certificates concerned,
// is replayed to the application's callback on the same X509_STORE_CTX (docs/X509.md, "The verify
// callback"). The strict decision is taken first, exactly as without a callback, and the callback can
// only turn an overridable rejection into an acceptance or an acceptance into a rejection.
#include <openssl/err.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "tls13/x509.hpp"
#include "x509/hostname.hpp"
#include "x509/policy_checks.hpp"
#include "x509/trust_store_impl.hpp"
#include "x509/verified_paths.hpp"
#include "x509/x509_util.hpp"

namespace tls13 {

namespace {

using namespace x509;
using errc = certificate_errc;

// X509_V_ERR_* -> our taxonomy.
errc map_verify_error(int err) {
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
      return errc::expired;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED:
      return errc::unknown_issuer;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return errc::name_mismatch;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
      return errc::bad_signature;
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_INVALID_NON_CA:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_PERMITTED_VIOLATION:
    case X509_V_ERR_EXCLUDED_VIOLATION:
    case X509_V_ERR_SUBTREE_MINMAX:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX:
    case X509_V_ERR_UNSUPPORTED_NAME_SYNTAX:
    case X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA:
    case X509_V_ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN:
    case X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA:
    case X509_V_ERR_CA_BCONS_NOT_CRITICAL:
      return errc::constraint_violated;
    case X509_V_ERR_INVALID_PURPOSE:
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
    case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE:
    case X509_V_ERR_CA_CERT_MISSING_KEY_USAGE:
      return errc::bad_key_usage;
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
      return errc::chain_too_long;
    case X509_V_ERR_CERT_REVOKED:
      return errc::revoked;
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_CA_MD_TOO_WEAK:
    case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
    case X509_V_ERR_EC_KEY_EXPLICIT_PARAMS:
    case X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM:
      return errc::unsupported_certificate;
    case X509_V_ERR_INVALID_EXTENSION:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
    case X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH:
    case X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY:
    case X509_V_ERR_ISSUER_NAME_EMPTY:
    case X509_V_ERR_SUBJECT_NAME_EMPTY:
    case X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER:
    case X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER:
    case X509_V_ERR_EMPTY_SUBJECT_ALT_NAME:
    case X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL:
    case X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL:
    case X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL:
    case X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3:
      return errc::bad_certificate;
    default:
      return errc::unknown;
  }
}

failure from_openssl(int err, int depth, X509* cur) {
  failure f{map_verify_error(err), X509_verify_cert_error_string(err), depth};
  // "invalid CA certificate" has two causes; say which.
  if (err == X509_V_ERR_INVALID_CA && cur != nullptr) {
    const std::uint32_t flags = X509_get_extension_flags(cur);
    if ((flags & EXFLAG_CA) == 0) {
      f.reason = "issues certificates but is not a CA (basicConstraints)";
    } else if ((flags & EXFLAG_KUSAGE) != 0 && (X509_get_key_usage(cur) & KU_KEY_CERT_SIGN) == 0) {
      f.code = errc::bad_key_usage;
      f.reason = "keyUsage lacks keyCertSign";
    }
  }
  if (cur != nullptr) f.reason = where(cur, depth) + ": " + f.reason;
  return f;
}

failure from_openssl(X509_STORE_CTX* ctx) {
  return from_openssl(X509_STORE_CTX_get_error(ctx), X509_STORE_CTX_get_error_depth(ctx),
                      X509_STORE_CTX_get_current_cert(ctx));
}

// RFC 5280 §4.1.2.5: the validity period includes notAfter; X509_cmp_time counts equality as expired.
int inclusive_not_after(int ok, X509_STORE_CTX* ctx) {
  if (ok == 1 || X509_STORE_CTX_get_error(ctx) != X509_V_ERR_CERT_HAS_EXPIRED) return ok;
  X509* cur = X509_STORE_CTX_get_current_cert(ctx);
  const std::time_t t = X509_VERIFY_PARAM_get_time(X509_STORE_CTX_get0_param(ctx));
  if (cur != nullptr && ASN1_TIME_cmp_time_t(X509_get0_notAfter(cur), t) == 0) {
    X509_STORE_CTX_set_error(ctx, X509_V_OK);
    return 1;
  }
  return ok;
}

// ---- the application's verify callback

// One call of libcrypto's verify callback (or one of our rules' failures), replayed to the hook.
struct callback_call {
  bool preverified = true;
  int error = X509_V_OK;  // for preverified calls: ignored (the replay shows the sticky error)
  int depth = 0;
  x509_ptr cert;
  std::optional<failure> ours;  // set for our rules' failures: what a rejection reports
};

struct call_record {
  std::vector<callback_call> calls;
};

int record_index() {
  static const int index = X509_STORE_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

x509_ptr ref(X509* x) {
  if (x == nullptr || X509_up_ref(x) != 1) return nullptr;
  return x509_ptr(x);
}

// libcrypto's verify callback while an application callback is set: note the call and go on, so the
// whole path is built and checked; the replay decides.
int recording_callback(int ok, X509_STORE_CTX* ctx) {
  const int adjusted = inclusive_not_after(ok, ctx);
  if (ok == 0 && adjusted == 1) return 1;  // RFC 5280's notAfter: not an error for us
  auto* rec = static_cast<call_record*>(X509_STORE_CTX_get_ex_data(ctx, record_index()));
  if (rec == nullptr) return adjusted;
  rec->calls.push_back(callback_call{ok == 1, ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx),
                                     X509_STORE_CTX_get_error_depth(ctx),
                                     ref(X509_STORE_CTX_get_current_cert(ctx)), std::nullopt});
  return 1;
}

// The X509_V_ERR_* code the application sees for one of our rules' failures.
int x509_error_for(const failure& f, int depth) {
  const bool eku = f.reason.find("extendedKeyUsage") != std::string::npos;
  switch (f.code) {
    case errc::constraint_violated:
      return depth == 0 ? X509_V_ERR_INVALID_NON_CA : X509_V_ERR_INVALID_CA;
    case errc::bad_key_usage:
      return depth == 0 || eku ? X509_V_ERR_INVALID_PURPOSE : X509_V_ERR_KEYUSAGE_NO_CERTSIGN;
    case errc::name_mismatch:
      return X509_V_ERR_HOSTNAME_MISMATCH;
    case errc::expired:
      return X509_V_ERR_CERT_HAS_EXPIRED;
    case errc::unknown_issuer:
      return X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    case errc::unsupported_certificate:
      return X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM;
    default:
      return X509_V_ERR_APPLICATION_VERIFICATION;
  }
}

// One verification: the parsed input, the attempts, and what the report needs.
std::optional<std::chrono::system_clock::time_point> earliest_not_after(STACK_OF(X509) * path) {
  std::optional<std::chrono::system_clock::time_point> earliest;
  for (int i = 0; i < sk_X509_num(path); ++i) {
    const auto t = to_time_point(X509_get0_notAfter(sk_X509_value(path, i)));
    if (!t) return std::nullopt;
    if (!earliest || *t < *earliest) earliest = t;
  }
  return earliest;
}

class path_validation {
 public:
  path_validation(const trust_store& roots, const verify_request& req, const verifier_options& opts,
                  bool details)
      : roots_(roots), req_(req), opts_(opts), details_(details) {}

  verify_report run();
  // After a successful run: the earliest notAfter on the accepted path (nullopt if one did not parse).
  std::optional<std::chrono::system_clock::time_point> path_not_after() const { return path_not_after_; }

 private:
  // One path build with libcrypto's calls of the verify callback recorded (application callback set).
  struct recorded {
    x509_stack_ptr untrusted;
    store_ctx_ptr ctx;
    call_record record;
    bool ran = false;  // X509_verify_cert was called
    int verified = 0;  // what it returned
  };

  check_result parse_input();
  // The attempts, without and with an application callback.
  check_result build();
  check_result build_with_callback();
  // One path build without the excluded certificates. Sets culprit_ when a retry could help.
  check_result attempt();
  // The same in recording mode; returns the strict outcome, as attempt() would.
  check_result attempt_recorded(recorded& a);
  check_result prepare(x509_stack_ptr& untrusted, store_ctx_ptr& ctx);
  failure after_openssl_failure(X509_STORE_CTX* ctx, failure f, X509* current);
  // A path our rules rejected: the callback sees every problem and may override the overridable ones.
  check_result decide(recorded& a, failure strict);
  // Our rules' failures on the built path, added to the record as preverified-false calls; a failure
  // of a rule the callback may not override is returned instead.
  check_result add_rule_failures(recorded& a, STACK_OF(X509) * path);
  // The recorded calls, in order, to the application's callback on the context that built the path.
  check_result replay(recorded& a);
  check_result configure(X509_STORE_CTX* ctx) const;
  check_result on_path(X509_STORE_CTX* ctx);
  void explain_missing_issuer(X509* subject, failure& f) const;
  void note_culprit(STACK_OF(X509) * path, int num_untrusted, const failure& f);
  // The report's chain: the path that succeeded, or the complete path of the first failed attempt.
  void keep_path(STACK_OF(X509) * path, bool succeeded);

  const trust_store& roots_;
  const verify_request& req_;
  const verifier_options& opts_;
  const bool details_;
  std::chrono::system_clock::time_point now_{};
  reference_id ref_;
  x509_ptr leaf_;
  std::vector<x509_ptr> pool_;  // the peer's other certificates
  std::vector<const X509*> excluded_;
  const X509* culprit_ = nullptr;
  unsigned attempt_no_ = 0;
  der_chain chain_;
  std::vector<std::string> subjects_;
  std::optional<std::chrono::system_clock::time_point> path_not_after_;
};

check_result path_validation::parse_input() {
  if (req_.chain == nullptr || req_.chain->empty())
    return failure{errc::certificate_required, "no certificate was presented", -1};
  const std::size_t n = req_.chain->size();
  if (n > opts_.policy.max_peer_certificates)
    return failure{errc::chain_too_long,
                   std::to_string(n) + " certificates presented; at most " +
                       std::to_string(opts_.policy.max_peer_certificates) + " are accepted",
                   -1};
  if (auto f = parse_reference(req_.server_name, req_.ip_address, ref_)) return f;
  leaf_ = parse_der_cached((*req_.chain)[0]);
  if (!leaf_) return failure{errc::bad_certificate, "the leaf certificate is not a DER X.509 certificate", 0};
  for (std::size_t i = 1; i < n; ++i) {
    x509_ptr c = parse_der_cached((*req_.chain)[i]);
    if (!c)
      return failure{errc::bad_certificate,
                     "presented certificate #" + std::to_string(i) + " is not a DER X.509 certificate", -1};
    pool_.push_back(std::move(c));
  }
  return check_leaf_alone(leaf_.get(), opts_.policy);
}

check_result path_validation::configure(X509_STORE_CTX* ctx) const {
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_depth(param, opts_.max_depth);
  X509_VERIFY_PARAM_set_time(param, to_time_t(now_));
  // Anchors need not be self-signed; RFC 5280 form checks; the store is searched before the peer's pool.
  if (X509_VERIFY_PARAM_set_flags(
          param, X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_TRUSTED_FIRST) != 1)
    return failure{errc::unknown, "cannot configure the certificate verifier", -1};
  return std::nullopt;
}

void path_validation::keep_path(STACK_OF(X509) * path, bool succeeded) {
  if (!details_ || (!succeeded && attempt_no_ > 0)) return;
  chain_.clear();
  subjects_.clear();
  for (int i = 0; i < sk_X509_num(path); ++i) {
    X509* x = sk_X509_value(path, i);
    chain_.push_back(to_der(x));
    subjects_.push_back(subject_of(x));
  }
}

void path_validation::note_culprit(STACK_OF(X509) * path, int num_untrusted, const failure& f) {
  culprit_ = nullptr;
  int d = f.depth;
  // A bad signature at depth d may be the issuer's fault (same name, different key).
  if (f.code == errc::bad_signature && d >= 0 && d + 1 < num_untrusted) ++d;
  if (d < 1 || d >= num_untrusted || d >= sk_X509_num(path)) return;
  const X509* c = sk_X509_value(path, d);
  const bool from_peer =
      std::any_of(pool_.begin(), pool_.end(), [&](const x509_ptr& p) { return p.get() == c; });
  if (from_peer && c != leaf_.get()) culprit_ = c;
}

// libcrypto passes over a candidate issuer it cannot use (e.g. one with a repeated extension) and
// reports "unable to get local issuer certificate". If the peer did send a certificate with the right
// name, say what is wrong with it.
void path_validation::explain_missing_issuer(X509* subject, failure& f) const {
  if (subject == nullptr) return;
  for (const auto& c : pool_) {
    if (c.get() == subject ||
        X509_NAME_cmp(X509_get_subject_name(c.get()), X509_get_issuer_name(subject)) != 0)
      continue;
    if (auto why = check_certificate_form(c.get(), f.depth + 1)) {
      f = std::move(*why);
      return;
    }
  }
}

check_result path_validation::on_path(X509_STORE_CTX* ctx) {
  STACK_OF(X509)* path = X509_STORE_CTX_get0_chain(ctx);
  const int num_untrusted = X509_STORE_CTX_get_num_untrusted(ctx);
  check_result f = check_path(path, num_untrusted, req_.role, opts_.policy);
  if (!f) f = match_leaf_name(leaf_.get(), ref_);
  if (!f) f = check_reference_constraints(path, ref_);
  if (!f) f = check_stapled_ocsp(req_, path, opts_.ocsp, now_);
  if (f) note_culprit(path, num_untrusted, *f);
  keep_path(path, !f);
  if (!f) path_not_after_ = earliest_not_after(path);
  return f;
}

check_result path_validation::prepare(x509_stack_ptr& untrusted, store_ctx_ptr& ctx) {
  culprit_ = nullptr;
  untrusted.reset(sk_X509_new_null());
  ctx.reset(X509_STORE_CTX_new());
  if (!untrusted || !ctx) return failure{errc::unknown, "out of memory", -1};
  for (const auto& c : pool_) {
    if (std::find(excluded_.begin(), excluded_.end(), c.get()) != excluded_.end()) continue;
    if (X509_up_ref(c.get()) != 1) return failure{errc::unknown, "out of memory", -1};
    if (sk_X509_push(untrusted.get(), c.get()) == 0) {
      X509_free(c.get());
      return failure{errc::unknown, "out of memory", -1};
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), roots_.native().store, leaf_.get(), untrusted.get()) != 1)
    return failure{errc::unknown, "cannot initialise the certificate verifier", -1};
  return configure(ctx.get());
}

failure path_validation::after_openssl_failure(X509_STORE_CTX* ctx, failure f, X509* current) {
  if (f.code == errc::unknown_issuer) explain_missing_issuer(current, f);
  STACK_OF(X509)* partial = X509_STORE_CTX_get0_chain(ctx);
  const int num_untrusted = X509_STORE_CTX_get_num_untrusted(ctx);
  if (partial != nullptr && num_untrusted < sk_X509_num(partial))
    keep_path(partial, false);  // reached an anchor
  if (partial != nullptr) note_culprit(partial, num_untrusted, f);
  return f;
}

check_result path_validation::attempt() {
  x509_stack_ptr untrusted;
  store_ctx_ptr ctx;
  if (auto f = prepare(untrusted, ctx)) return f;
  X509_STORE_CTX_set_verify_cb(ctx.get(), inclusive_not_after);
  if (X509_verify_cert(ctx.get()) == 1) return on_path(ctx.get());
  return after_openssl_failure(ctx.get(), from_openssl(ctx.get()),
                               X509_STORE_CTX_get_current_cert(ctx.get()));
}

check_result path_validation::attempt_recorded(recorded& a) {
  if (auto f = prepare(a.untrusted, a.ctx)) return f;
  X509_STORE_CTX* ctx = a.ctx.get();
  if (X509_STORE_CTX_set_ex_data(ctx, record_index(), &a.record) != 1)
    return failure{errc::unknown, "out of memory", -1};
  X509_STORE_CTX_set_verify_cb(ctx, recording_callback);
  a.verified = X509_verify_cert(ctx);
  a.ran = true;
  // The first error libcrypto reported is where it would have stopped without the recording.
  const auto& calls = a.record.calls;
  const auto err =
      std::find_if(calls.begin(), calls.end(), [](const callback_call& c) { return !c.preverified; });
  if (err != calls.end())
    return after_openssl_failure(ctx, from_openssl(err->error, err->depth, err->cert.get()), err->cert.get());
  if (a.verified == 1) return on_path(ctx);
  return after_openssl_failure(ctx, from_openssl(ctx), X509_STORE_CTX_get_current_cert(ctx));
}

check_result path_validation::build() {
  check_result first;
  const unsigned budget = std::max(1u, opts_.policy.max_path_attempts);
  for (attempt_no_ = 0; attempt_no_ < budget; ++attempt_no_) {
    check_result f = attempt();
    if (!f) return std::nullopt;
    if (attempt_no_ == 0) first = std::move(f);  // the report explains the natural path's failure
    if (culprit_ == nullptr) break;
    excluded_.push_back(culprit_);
  }
  return first;
}

// The same attempts. A path that meets every rule still goes to the callback (which may reject it);
// when none does, the callback decides on the first (natural) path, as OpenSSL's would on its only one.
check_result path_validation::build_with_callback() {
  check_result first;
  std::unique_ptr<recorded> natural;
  const unsigned budget = std::max(1u, opts_.policy.max_path_attempts);
  for (attempt_no_ = 0; attempt_no_ < budget; ++attempt_no_) {
    auto a = std::make_unique<recorded>();
    check_result f = attempt_recorded(*a);
    if (!f) return replay(*a);
    if (attempt_no_ == 0) {
      first = std::move(f);
      natural = std::move(a);
    }
    if (culprit_ == nullptr) break;
    excluded_.push_back(culprit_);
  }
  if (!natural || !natural->ran) return first;
  return decide(*natural, std::move(*first));
}

check_result path_validation::decide(recorded& a, failure strict) {
  X509_STORE_CTX* ctx = a.ctx.get();
  STACK_OF(X509)* path = X509_STORE_CTX_get0_chain(ctx);
  if (a.verified != 1 || path == nullptr || sk_X509_num(path) == 0) {
    // libcrypto gave up: the callback sees what it reported, but no answer saves the chain.
    if (auto f = replay(a)) return f;
    return strict;
  }
  if (auto f = add_rule_failures(a, path)) return f;
  // X509_V_FLAG_PARTIAL_CHAIN makes X509_verify_cert call back for an untrusted top certificate that
  // is not self-issued (the issuer was not found); libssl's default does not: neither do we.
  const int n = sk_X509_num(path);
  X509* top = sk_X509_value(path, n - 1);
  if (X509_STORE_CTX_get_num_untrusted(ctx) >= n && X509_check_issued(top, top) != X509_V_OK)
    std::erase_if(a.record.calls, [n](const callback_call& c) { return c.preverified && c.depth == n - 1; });
  if (auto f = replay(a)) return f;
  // Every problem overridden. The stapled OCSP response is not the callback's to waive.
  if (auto f = check_stapled_ocsp(req_, path, opts_.ocsp, now_)) return f;
  keep_path(path, true);
  return std::nullopt;
}

check_result path_validation::add_rule_failures(recorded& a, STACK_OF(X509) * path) {
  const int n = sk_X509_num(path);
  const int num_untrusted = X509_STORE_CTX_get_num_untrusted(a.ctx.get());
  std::vector<callback_call> found;
  auto add = [&](check_result f, int depth, int error) {
    if (!f) return;
    const int code = error != X509_V_OK ? error : x509_error_for(*f, depth);
    found.push_back(callback_call{false, code, depth, ref(sk_X509_value(path, depth)), std::move(f)});
  };
  for (int i = n - 1; i >= 1; --i) {
    X509* x = sk_X509_value(path, i);
    const bool trusted = i >= num_untrusted;
    // Form, signature algorithm and key: not overridable (the leaf's were checked before building).
    if (!trusted) {
      if (auto f = check_certificate_form(x, i)) return f;
      if (auto f = check_signature_algorithm(x, i)) return f;
    }
    if (auto f = check_public_key(x, i, opts_.policy.keys)) return f;
    add(check_issuer_usage(x, i, trusted, req_.role), i, X509_V_OK);
  }
  X509* leaf = sk_X509_value(path, 0);
  add(check_leaf_usage(leaf, req_.role, opts_.policy, n == 1 && num_untrusted == 0), 0, X509_V_OK);
  add(match_leaf_name(leaf, ref_), 0,
      ref_.type == reference_id::kind::ip ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
  add(check_reference_constraints(path, ref_), 0, X509_V_ERR_PERMITTED_VIOLATION);
  // Each just before its certificate's preverified call, where X509_verify_cert reports a
  // certificate's own problems (validity, signature).
  auto& calls = a.record.calls;
  for (auto& c : found) {
    const int d = c.depth;
    const auto at = std::find_if(calls.begin(), calls.end(),
                                 [d](const callback_call& k) { return k.preverified && k.depth <= d; });
    calls.insert(at, std::move(c));
  }
  return std::nullopt;
}

check_result path_validation::replay(recorded& a) {
  X509_STORE_CTX* ctx = a.ctx.get();
  int sticky = X509_V_OK;  // like X509_verify_cert, a preverified call still shows an overridden error
  for (const auto& c : a.record.calls) {
    X509_STORE_CTX_set_current_cert(ctx, c.cert.get());
    X509_STORE_CTX_set_error_depth(ctx, c.depth);
    X509_STORE_CTX_set_error(ctx, c.preverified ? sticky : c.error);
    const bool accepted = opts_.verify_callback(c.preverified, ctx);
    if (!c.preverified) sticky = X509_STORE_CTX_get_error(ctx);  // the callback may have cleared it
    if (accepted) continue;
    ERR_clear_error();
    if (c.ours) return c.ours;
    if (!c.preverified) return from_openssl(c.error, c.depth, c.cert.get());
    const std::string at = c.cert ? where(c.cert.get(), c.depth) + ": " : std::string();
    return failure{errc::unknown, at + "rejected by the verify callback", c.depth};
  }
  ERR_clear_error();
  return std::nullopt;
}

verify_report path_validation::run() {
  verify_report rep;
  now_ = req_.now == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now() : req_.now;
  check_result f = parse_input();
  if (!f) f = opts_.verify_callback ? build_with_callback() : build();
  ERR_clear_error();
  if (f) {
    rep.error = make_error_code(f->code);
    rep.reason = std::move(f->reason);
    rep.depth = f->depth;
  }
  rep.chain = std::move(chain_);
  rep.subjects = std::move(subjects_);
  return rep;
}

class default_verifier final : public certificate_verifier {
 public:
  default_verifier(std::shared_ptr<const trust_store> roots, verifier_options o)
      : roots_(std::move(roots)), opts_(std::move(o)), accepted_(opts_.cache_entries, opts_.cache_ttl) {}

  result<void> verify(const verify_request& req) const override {
    if (!roots_) return certificate_errc::unknown_issuer;
    verify_request at = req;  // one validation time for the check and the cache
    if (at.now == std::chrono::system_clock::time_point{}) at.now = std::chrono::system_clock::now();
    const bool cacheable = accepted_.applies_to(at, opts_);
    const std::uint64_t generation = roots_->native().generation.load(std::memory_order_acquire);
    if (cacheable && accepted_.accepted(at, at.now, generation)) return {};
    path_validation v(*roots_, at, opts_, false);
    const verify_report r = v.run();
    if (r.error) return r.error;
    if (cacheable && v.path_not_after()) accepted_.remember(at, at.now, generation, *v.path_not_after());
    return {};
  }

 private:
  std::shared_ptr<const trust_store> roots_;
  verifier_options opts_;
  mutable verified_paths accepted_;
};

}  // namespace

verify_report verify_certificate_chain(const trust_store& roots, const verify_request& req,
                                       const verifier_options& opts) {
  return path_validation(roots, req, opts, true).run();
}

std::shared_ptr<const certificate_verifier> make_default_verifier(std::shared_ptr<const trust_store> roots,
                                                                  verifier_options opts) {
  return std::make_shared<default_verifier>(std::move(roots), opts);
}

}  // namespace tls13
