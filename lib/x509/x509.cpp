// Trust stores and the default libcrypto chain verifier.
#include "tls13/x509.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

namespace tls13 {

struct trust_store::impl {
  X509_STORE* store = X509_STORE_new();
  ~impl() { X509_STORE_free(store); }
};

namespace {

struct x509_deleter {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
using x509_ptr = std::unique_ptr<X509, x509_deleter>;

x509_ptr parse_der(bytes der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  // Trailing bytes after the certificate make it a different encoding: reject.
  if (x != nullptr && p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    X509_free(x);
    return nullptr;
  }
  return x509_ptr(x);
}

// Peers present the same certificates handshake after handshake, and d2i_X509 is expensive in
// OpenSSL 3 (its public-key decoder search dominated a client handshake's profile). Parsed
// certificates are kept, by their exact DER, in a small table per thread; callers get their own
// reference. Per thread, not per process: libcrypto fills some of an X509's cached fields while
// verifying it, so one object verified on two threads at once races (ThreadSanitizer showed it).
class parsed_cache {
 public:
  parsed_cache() = default;
  parsed_cache(const parsed_cache&) = delete;
  parsed_cache& operator=(const parsed_cache&) = delete;
  ~parsed_cache() {
    for (auto& e : entries_) X509_free(e.x);
  }

  x509_ptr get(bytes der) {
    const std::uint64_t h = fnv1a(der);
    for (auto& e : entries_)
      if (e.x != nullptr && e.hash == h && e.der.size() == der.size() &&
          std::equal(der.begin(), der.end(), e.der.begin()) && X509_up_ref(e.x) == 1)
        return x509_ptr(e.x);
    x509_ptr x = parse_der(der);
    if (!x || X509_up_ref(x.get()) != 1) return x;
    auto& slot = entries_[next_++ % entries_.size()];
    X509_free(slot.x);
    slot = entry{h, std::vector<std::byte>(der.begin(), der.end()), x.get()};
    return x;
  }

 private:
  struct entry {
    std::uint64_t hash = 0;
    std::vector<std::byte> der;
    X509* x = nullptr;
  };
  static std::uint64_t fnv1a(bytes b) noexcept {
    std::uint64_t h = 1469598103934665603ull;
    for (auto c : b) h = (h ^ std::to_integer<std::uint64_t>(c)) * 1099511628211ull;
    return h;
  }
  std::array<entry, 32> entries_{};
  std::size_t next_ = 0;
};

x509_ptr parse_der_cached(bytes der) {
  thread_local parsed_cache cache;
  return cache.get(der);
}

result<std::string> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return internal_errc::invalid_argument;
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// X509_V_ERR_* → our taxonomy.
certificate_errc map_verify_error(int err) {
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
      return certificate_errc::expired;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return certificate_errc::unknown_issuer;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return certificate_errc::name_mismatch;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
      return certificate_errc::bad_signature;
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_PERMITTED_VIOLATION:
    case X509_V_ERR_EXCLUDED_VIOLATION:
      return certificate_errc::constraint_violated;
    case X509_V_ERR_INVALID_PURPOSE:
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
      return certificate_errc::bad_key_usage;
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
      return certificate_errc::chain_too_long;
    case X509_V_ERR_CERT_REVOKED:
      return certificate_errc::revoked;
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_CA_MD_TOO_WEAK:
      return certificate_errc::unsupported_certificate;
    default:
      return certificate_errc::unknown;
  }
}

bool looks_like_ip(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;
  for (char c : host)
    if (!(c == '.' || (c >= '0' && c <= '9'))) return false;
  return !host.empty();
}

class default_verifier final : public certificate_verifier {
 public:
  default_verifier(std::shared_ptr<const trust_store> roots, verifier_options o)
      : roots_(std::move(roots)), opts_(o) {}

  result<void> verify(const verify_request& req) const override;

 private:
  result<void> configure(X509_STORE_CTX* ctx, const verify_request& req) const;
  std::shared_ptr<const trust_store> roots_;
  verifier_options opts_;
};

result<void> default_verifier::configure(X509_STORE_CTX* ctx, const verify_request& req) const {
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_depth(param, opts_.max_depth);
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(req.now));
  // TLS 1.3 peers sign with the leaf key: the chain must be fit for TLS server / client use.
  const int purpose = req.role == peer_role::server ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT;
  if (X509_VERIFY_PARAM_set_purpose(param, purpose) != 1) return internal_errc::crypto_failure;
  X509_VERIFY_PARAM_set_flags(
      param, X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN);  // anchors need not be self-signed
  if (!req.server_name.empty()) {
    const std::string host(req.server_name);
    if (looks_like_ip(host)) {
      if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) return certificate_errc::name_mismatch;
    } else {
      // RFC 9525: DNS SANs only, never the subject CN; wildcards only as the whole left label.
      X509_VERIFY_PARAM_set_hostflags(
          param, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (X509_VERIFY_PARAM_set1_host(param, host.data(), host.size()) != 1)
        return internal_errc::crypto_failure;
    }
  }
  return {};
}

result<void> default_verifier::verify(const verify_request& req) const {
  if (req.chain == nullptr || req.chain->empty()) return certificate_errc::certificate_required;
  x509_ptr leaf = parse_der_cached((*req.chain)[0]);
  if (!leaf) return certificate_errc::bad_certificate;
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  result<void> out;
  for (std::size_t i = 1; i < req.chain->size() && out; ++i) {
    X509* c = parse_der_cached((*req.chain)[i]).release();
    if (c == nullptr || sk_X509_push(untrusted, c) == 0) {
      X509_free(c);
      out = certificate_errc::bad_certificate;
    }
  }
  if (out && (ctx == nullptr || X509_STORE_CTX_init(ctx, roots_->native().store, leaf.get(), untrusted) != 1))
    out = internal_errc::crypto_failure;
  if (out) out = configure(ctx, req);
  if (out && X509_verify_cert(ctx) != 1) out = map_verify_error(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  sk_X509_pop_free(untrusted, X509_free);
  ERR_clear_error();
  return out;
}

}  // namespace

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
  x509_ptr x = parse_der(der);
  if (!x) return certificate_errc::bad_certificate;
  if (X509_STORE_add_cert(impl_->store, x.get()) != 1) {
    ERR_clear_error();  // a duplicate is not an error worth failing for
  }
  return {};
}

result<void> trust_store::add_pem(std::string_view pem) {
  TLS13_TRY_ASSIGN(der_chain certs, load_certificate_chain_pem(pem));
  for (const auto& c : certs) TLS13_TRY(add_der(c));
  return {};
}

result<void> trust_store::load_file(const std::string& path) {
  TLS13_TRY_ASSIGN(std::string text, read_file(path));
  return add_pem(text);
}

result<void> trust_store::add_directory(const std::string& path) {
  if (X509_STORE_load_path(impl_->store, path.c_str()) != 1) {
    ERR_clear_error();
    return internal_errc::invalid_argument;
  }
  return {};
}

result<der_chain> load_certificate_chain_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return internal_errc::crypto_failure;
  der_chain out;
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    unsigned char* der = nullptr;
    const int n = i2d_X509(x, &der);
    if (n > 0) {
      const auto* b = reinterpret_cast<const std::byte*>(der);
      out.emplace_back(b, b + n);
    }
    OPENSSL_free(der);
    X509_free(x);
  }
  BIO_free(bio);
  ERR_clear_error();  // PEM_read_bio_X509 leaves "no start line" at the end of input
  if (out.empty()) return certificate_errc::bad_certificate;
  return out;
}

result<der_chain> load_certificate_chain_file(const std::string& path) {
  TLS13_TRY_ASSIGN(std::string text, read_file(path));
  return load_certificate_chain_pem(text);
}

std::shared_ptr<const certificate_verifier> make_default_verifier(std::shared_ptr<const trust_store> roots,
                                                                  verifier_options opts) {
  return std::make_shared<default_verifier>(std::move(roots), opts);
}

}  // namespace tls13

#include "x509/leaf.hpp"

namespace tls13::x509 {

result<public_key> certificate_public_key(bytes der, const key_policy& policy) {
  x509_ptr x = parse_der_cached(der);
  if (!x) {
    ERR_clear_error();
    return certificate_errc::bad_certificate;
  }
  // §4.4.2.2: a key that signs CertificateVerify needs digitalSignature when keyUsage is present.
  if ((X509_get_extension_flags(x.get()) & EXFLAG_KUSAGE) != 0 &&
      (X509_get_key_usage(x.get()) & KU_DIGITAL_SIGNATURE) == 0) {
    ERR_clear_error();
    return certificate_errc::bad_key_usage;
  }
  EVP_PKEY* k = X509_get0_pubkey(x.get());
  auto out = k == nullptr ? result<public_key>(certificate_errc::bad_certificate)
                          : public_key::from_native(k, policy);
  ERR_clear_error();
  return out;
}

}  // namespace tls13::x509
