// One call of an OpenSSL-style verify callback, as the verify-callback tests record it, so that the
// sequences seen through tls13's hook, tls13::stream and boost::asio::ssl::stream compare as values.
#pragma once

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <ostream>
#include <string>

namespace tls13::test {

struct verify_call {
  int depth;
  bool preverified;
  int error;
  std::string subject;  // the certificate's CN
  bool operator==(const verify_call&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const verify_call& c) {
  return os << "{" << c.depth << ", " << c.preverified << ", " << X509_verify_cert_error_string(c.error)
            << ", " << c.subject << "}";
}

inline std::string cn_of(X509* x) {
  if (x == nullptr) return "(none)";
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, sizeof buf);
  return buf;
}

// What the callback sees now on `ctx`.
inline verify_call record_call(bool preverified, X509_STORE_CTX* ctx) {
  return {X509_STORE_CTX_get_error_depth(ctx), preverified, X509_STORE_CTX_get_error(ctx),
          cn_of(X509_STORE_CTX_get_current_cert(ctx))};
}

}  // namespace tls13::test
