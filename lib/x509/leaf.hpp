// The public key of a DER certificate (the peer's leaf, for CertificateVerify).
#pragma once

#include "tls13/keys.hpp"

namespace tls13::x509 {

// certificate_errc::bad_certificate if unparsable; unsupported_certificate for unusable keys.
result<public_key> certificate_public_key(bytes der, const key_policy& policy = {});

}  // namespace tls13::x509
