// Protocol enums, byte views and result<T>: the vocabulary every other header uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <system_error>
#include <type_traits>
#include <utility>

namespace tls13 {

using bytes = std::span<const std::byte>;
using mut_bytes = std::span<std::byte>;

// Views of raw octets from text or uint8_t buffers (tests, callers holding std::string).
inline bytes as_bytes(const void* p, std::size_t n) noexcept { return {static_cast<const std::byte*>(p), n}; }
inline mut_bytes as_mut_bytes(void* p, std::size_t n) noexcept { return {static_cast<std::byte*>(p), n}; }

// RFC 8446 §5.1
enum class content_type : std::uint8_t {
  invalid = 0,
  change_cipher_spec = 20,
  alert = 21,
  handshake = 22,
  application_data = 23,
};

// RFC 8446 §4
enum class handshake_type : std::uint8_t {
  client_hello = 1,
  server_hello = 2,
  new_session_ticket = 4,
  end_of_early_data = 5,
  encrypted_extensions = 8,
  certificate = 11,
  certificate_request = 13,
  certificate_verify = 15,
  finished = 20,
  key_update = 24,
  message_hash = 254,
};

// RFC 8446 §B.4
enum class cipher_suite : std::uint16_t {
  aes_128_gcm_sha256 = 0x1301,
  aes_256_gcm_sha384 = 0x1302,
  chacha20_poly1305_sha256 = 0x1303,
};

// RFC 8446 §4.2.7, draft-ietf-tls-ecdhe-mlkem
enum class named_group : std::uint16_t {
  secp256r1 = 0x0017,
  secp384r1 = 0x0018,
  x25519 = 0x001d,
  secp256r1_mlkem768 = 0x11eb,
  x25519_mlkem768 = 0x11ec,
  secp384r1_mlkem1024 = 0x11ed,
};

// The hybrid ML-KEM + ECDH groups (draft-ietf-tls-ecdhe-mlkem).
constexpr bool is_hybrid_group(named_group g) noexcept {
  return g == named_group::secp256r1_mlkem768 || g == named_group::x25519_mlkem768 ||
         g == named_group::secp384r1_mlkem1024;
}

// An anti-replay store's answer for a ClientHello carrying 0-RTT (tls13/session.hpp).
enum class replay_verdict : std::uint8_t { fresh, replayed };

// RFC 8446 §4.2.3
enum class signature_scheme : std::uint16_t {
  rsa_pkcs1_sha256 = 0x0401,
  rsa_pkcs1_sha384 = 0x0501,
  rsa_pkcs1_sha512 = 0x0601,
  ecdsa_secp256r1_sha256 = 0x0403,
  ecdsa_secp384r1_sha384 = 0x0503,
  ecdsa_secp521r1_sha512 = 0x0603,
  rsa_pss_rsae_sha256 = 0x0804,
  rsa_pss_rsae_sha384 = 0x0805,
  rsa_pss_rsae_sha512 = 0x0806,
  ed25519 = 0x0807,
  ed448 = 0x0808,
  rsa_pss_pss_sha256 = 0x0809,
  rsa_pss_pss_sha384 = 0x080a,
  rsa_pss_pss_sha512 = 0x080b,
};

// RFC 8446 §6 (plus RFC 8446 §B.2 additions)
enum class alert_description : std::uint8_t {
  close_notify = 0,
  unexpected_message = 10,
  bad_record_mac = 20,
  record_overflow = 22,
  handshake_failure = 40,
  bad_certificate = 42,
  unsupported_certificate = 43,
  certificate_revoked = 44,
  certificate_expired = 45,
  certificate_unknown = 46,
  illegal_parameter = 47,
  unknown_ca = 48,
  access_denied = 49,
  decode_error = 50,
  decrypt_error = 51,
  protocol_version = 70,
  insufficient_security = 71,
  internal_error = 80,
  inappropriate_fallback = 86,
  user_canceled = 90,
  missing_extension = 109,
  unsupported_extension = 110,
  unrecognized_name = 112,
  bad_certificate_status_response = 113,
  unknown_psk_identity = 115,
  certificate_required = 116,
  no_application_protocol = 120,
};

enum class alert_level : std::uint8_t { warning = 1, fatal = 2 };

// A value or the error_code that explains why there is none. [[nodiscard]] so an error cannot be
// dropped silently. The core has no exceptions: value() on an error is a programming error (asserted).
template <class T>
class [[nodiscard]] result {
 public:
  result(const T& v) : ok_(true) { new (&value_) T(v); }
  result(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>) : ok_(true) {
    new (&value_) T(std::move(v));
  }
  result(std::error_code ec) noexcept : ok_(false), error_(ec) {}
  template <class E, class = std::enable_if_t<std::is_error_code_enum_v<E>>>
  result(E e) noexcept : result(std::error_code(make_error_code(e))) {}

  result(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : ok_(o.ok_) {
    if (ok_)
      new (&value_) T(std::move(o.value_));
    else
      error_ = o.error_;
  }
  result(const result& o) : ok_(o.ok_) {
    if (ok_)
      new (&value_) T(o.value_);
    else
      error_ = o.error_;
  }
  result& operator=(result o) noexcept(std::is_nothrow_move_constructible_v<T>) {
    this->~result();
    new (this) result(std::move(o));
    return *this;
  }
  ~result() {
    if (ok_) value_.~T();
  }

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  std::error_code error() const noexcept { return ok_ ? std::error_code() : error_; }

  T& value() & noexcept { return value_; }
  const T& value() const& noexcept { return value_; }
  T&& value() && noexcept { return std::move(value_); }
  T& operator*() & noexcept { return value_; }
  const T& operator*() const& noexcept { return value_; }
  T&& operator*() && noexcept { return std::move(value_); }
  T* operator->() noexcept { return &value_; }
  const T* operator->() const noexcept { return &value_; }

 private:
  bool ok_;
  union {
    T value_;
    std::error_code error_;
  };
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() noexcept = default;
  result(std::error_code ec) noexcept : error_(ec) {}
  template <class E, class = std::enable_if_t<std::is_error_code_enum_v<E>>>
  result(E e) noexcept : error_(make_error_code(e)) {}

  bool has_value() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return !error_; }
  std::error_code error() const noexcept { return error_; }

 private:
  std::error_code error_;
};

}  // namespace tls13

#define TLS13_CAT_IMPL_(a, b) a##b
#define TLS13_CAT_(a, b) TLS13_CAT_IMPL_(a, b)
#define TLS13_TRY_IMPL_(var, expr) \
  do {                             \
    auto&& var = (expr);           \
    if (!var) return var.error();  \
  } while (0)
// Propagate an error from an expression returning result<...>; evaluates to nothing.
#define TLS13_TRY(expr) TLS13_TRY_IMPL_(TLS13_CAT_(tls13_try_r_, __COUNTER__), expr)

// `TLS13_TRY_ASSIGN(auto x, f());` declares x from the value of f() or returns its error.
#define TLS13_TRY_ASSIGN(decl, expr)                                                          \
  auto&& TLS13_CAT_(tls13_try_v_, __LINE__) = (expr);                                         \
  if (!TLS13_CAT_(tls13_try_v_, __LINE__)) return TLS13_CAT_(tls13_try_v_, __LINE__).error(); \
  decl = std::move(*TLS13_CAT_(tls13_try_v_, __LINE__))
