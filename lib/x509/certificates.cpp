// Certificate parsing (with the per-thread cache), PEM chain loading, subjects, and the leaf's key.
#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

#include "tls13/x509.hpp"
#include "x509/leaf.hpp"
#include "x509/x509_util.hpp"

namespace tls13::x509 {

x509_ptr parse_der(bytes der) {
  if (der.empty()) return nullptr;
  const auto* p = u8(der.data());
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  // Trailing bytes after the certificate make it a different encoding: reject.
  if (x != nullptr && p != u8(der.data() + der.size())) {
    X509_free(x);
    return nullptr;
  }
  return x509_ptr(x);
}

namespace {

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

}  // namespace

x509_ptr parse_der_cached(bytes der) {
  thread_local parsed_cache cache;
  return cache.get(der);
}

std::vector<std::byte> to_der(X509* x) {
  unsigned char* der = nullptr;
  const int n = i2d_X509(x, &der);
  std::vector<std::byte> out;
  if (n > 0) {
    const auto* b = reinterpret_cast<const std::byte*>(der);
    out.assign(b, b + n);
  }
  OPENSSL_free(der);
  return out;
}

std::string subject_of(const X509* x) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return {};
  // RFC 2253 order and escaping, but UTF-8 kept as is (the JSON writer escapes what it must).
  const unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  std::string out;
  if (X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, flags) >= 0) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    if (n > 0) out.assign(data, static_cast<std::size_t>(n));
  }
  BIO_free(bio);
  ERR_clear_error();
  return out;
}

std::string where(const X509* x, int depth) {
  return "certificate at depth " + std::to_string(depth) + " (" + subject_of(x) + ")";
}

std::optional<std::chrono::system_clock::time_point> to_time_point(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  const std::time_t s = timegm(&tm);
  return std::chrono::system_clock::from_time_t(s);
}

result<std::string> read_text_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return internal_errc::invalid_argument;
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace tls13::x509

namespace tls13 {

result<der_chain> load_certificate_chain_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return internal_errc::crypto_failure;
  der_chain out;
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    auto der = x509::to_der(x);
    if (!der.empty()) out.push_back(std::move(der));
    X509_free(x);
  }
  BIO_free(bio);
  ERR_clear_error();  // PEM_read_bio_X509 leaves "no start line" at the end of input
  if (out.empty()) return certificate_errc::bad_certificate;
  return out;
}

result<der_chain> load_certificate_chain_file(const std::string& path) {
  TLS13_TRY_ASSIGN(std::string text, x509::read_text_file(path));
  return load_certificate_chain_pem(text);
}

}  // namespace tls13

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
