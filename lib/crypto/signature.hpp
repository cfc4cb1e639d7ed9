// Signature schemes over EVP_DigestSign / EVP_DigestVerify. The public wrappers are
// tls13::private_key / tls13::public_key (include/tls13/keys.hpp); lib/x509 may use these directly
// on the EVP_PKEY of a certificate.
#pragma once

#include <span>
#include <vector>

#include "tls13/keys.hpp"
#include "tls13/types.hpp"

struct evp_pkey_st;

namespace tls13::crypto {

struct key_facts {
  key_kind kind;
  unsigned bits;
  // An RSASSA-PSS key whose parameters (RFC 4055) fix the hash can sign/verify one scheme only;
  // signature_scheme{0} when unrestricted.
  signature_scheme only{};
};

enum class key_owner : std::uint8_t { ours, peer };

// The kind and size of `k`, checked against `policy`. Errors depend on whose key it is:
// ours -> internal_errc::invalid_argument (unusable type) / policy_errc::insufficient_security (size);
// peer -> certificate_errc::unsupported_certificate for both.
result<key_facts> classify_key(evp_pkey_st* k, const key_policy& policy, key_owner owner) noexcept;

// `s` is implemented and the key described by `k` can produce/verify it.
bool scheme_fits(const key_facts& k, signature_scheme s) noexcept;
// We sign with `s` (rsa_pkcs1_* are verify-only).
bool scheme_signable(signature_scheme s) noexcept;
// Every scheme we implement, in default preference order; rsa_pkcs1_* (certificates only) last.
std::span<const signature_scheme> implemented_schemes() noexcept;

// Errors as private_key::sign / public_key::verify. sign_with keeps a prepared signing context per
// (k, scheme), holding a reference to k: the owner calls forget_signing_key(k) before freeing k.
result<std::vector<std::byte>> sign_with(evp_pkey_st* k, const key_facts& facts, signature_scheme s,
                                         bytes message);
void forget_signing_key(evp_pkey_st* k) noexcept;
result<void> verify_with(evp_pkey_st* k, const key_facts& facts, signature_scheme s, bytes message,
                         bytes signature);

}  // namespace tls13::crypto
