// Trust stores: an X509_STORE of anchors (files, directories, the system default locations).
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls13/x509.hpp"
#include "x509/trust_store_impl.hpp"
#include "x509/x509_util.hpp"

namespace tls13 {

trust_store::trust_store() noexcept : impl_(std::make_unique<impl>()) {}
trust_store::~trust_store() = default;

result<std::shared_ptr<trust_store>> trust_store::create() {
  std::shared_ptr<trust_store> s(new trust_store());
  if (s->impl_->store == nullptr) return internal_errc::crypto_failure;
  return s;
}

result<std::shared_ptr<trust_store>> trust_store::system_default() {
  TLS13_TRY_ASSIGN(auto s, create());
  if (X509_STORE_set_default_paths(s->impl_->store) != 1) return internal_errc::crypto_failure;
  ERR_clear_error();
  return s;
}

result<void> trust_store::add_der(bytes der) {
  x509::x509_ptr x = x509::parse_der(der);
  if (!x) {
    ERR_clear_error();
    return certificate_errc::bad_certificate;
  }
  // Fill the certificate's extension cache now, while it is ours alone: libcrypto fills it lazily
  // on first use, and anchors are then read by verifications on many threads at once.
  (void)X509_check_purpose(x.get(), -1, 0);
  ERR_clear_error();
  if (X509_STORE_add_cert(impl_->store, x.get()) != 1) {
    ERR_clear_error();  // a duplicate is not an error worth failing for
  }
  impl_->generation.fetch_add(1, std::memory_order_acq_rel);
  return {};
}

result<void> trust_store::add_pem(std::string_view pem) {
  TLS13_TRY_ASSIGN(der_chain certs, load_certificate_chain_pem(pem));
  for (const auto& c : certs) TLS13_TRY(add_der(c));
  return {};
}

result<void> trust_store::load_file(const std::string& path) {
  TLS13_TRY_ASSIGN(std::string text, x509::read_text_file(path));
  return add_pem(text);
}

result<void> trust_store::add_directory(const std::string& path) {
  if (X509_STORE_load_path(impl_->store, path.c_str()) != 1) {
    ERR_clear_error();
    return internal_errc::invalid_argument;
  }
  impl_->generation.fetch_add(1, std::memory_order_acq_rel);
  return {};
}

}  // namespace tls13
