// Private helpers of lib/x509: owning handles for libcrypto's X.509 / OCSP objects, DER parsing with
// the per-thread cache, subjects, time conversion and the failure record the checks return.
#pragma once

#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tls13/errors.hpp"
#include "tls13/types.hpp"

namespace tls13::x509 {

template <auto Free>
struct ossl_free {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

inline void free_x509_stack(STACK_OF(X509) * s) noexcept { sk_X509_pop_free(s, X509_free); }

using x509_ptr = std::unique_ptr<X509, ossl_free<&X509_free>>;
using x509_stack_ptr = std::unique_ptr<STACK_OF(X509), ossl_free<&free_x509_stack>>;
using store_ctx_ptr = std::unique_ptr<X509_STORE_CTX, ossl_free<&X509_STORE_CTX_free>>;
using store_ptr = std::unique_ptr<X509_STORE, ossl_free<&X509_STORE_free>>;
using ocsp_response_ptr = std::unique_ptr<OCSP_RESPONSE, ossl_free<&OCSP_RESPONSE_free>>;
using ocsp_basic_ptr = std::unique_ptr<OCSP_BASICRESP, ossl_free<&OCSP_BASICRESP_free>>;
using ocsp_certid_ptr = std::unique_ptr<OCSP_CERTID, ossl_free<&OCSP_CERTID_free>>;

// Why a certificate (or a path) was rejected: the typed code, a reason for people, and where.
struct failure {
  certificate_errc code = certificate_errc::unknown;
  std::string reason;
  int depth = -1;
};
using check_result = std::optional<failure>;  // nullopt: the check passed

inline const unsigned char* u8(const std::byte* p) noexcept {
  return reinterpret_cast<const unsigned char*>(p);
}

// Strict DER: one certificate, no trailing bytes. nullptr if it does not parse.
x509_ptr parse_der(bytes der);
// The same through a small per-thread cache keyed by the exact DER (d2i_X509 is expensive in OpenSSL 3).
x509_ptr parse_der_cached(bytes der);
std::vector<std::byte> to_der(X509* x);

// RFC 2253 text of the subject, UTF-8 (not escaped to \xx), for reasons and the verify command.
std::string subject_of(const X509* x);
// "depth N (subject)" for reasons.
std::string where(const X509* x, int depth);

result<std::string> read_text_file(const std::string& path);

// ASN1_TIME -> time_point; nullopt if it does not parse.
std::optional<std::chrono::system_clock::time_point> to_time_point(const ASN1_TIME* t);
inline std::time_t to_time_t(std::chrono::system_clock::time_point t) {
  return std::chrono::system_clock::to_time_t(t);
}

}  // namespace tls13::x509
