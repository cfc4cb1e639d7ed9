// The web-PKI rules applied on top of X509_verify_cert, certificate by certificate, on the built path
// (leaf at index 0, the anchor last; index >= num_untrusted came from the trust store).
#pragma once

#include "tls13/x509.hpp"
#include "x509/x509_util.hpp"

namespace tls13::x509 {

// Form rules for a certificate whose content we rely on: parsable extensions, version 3, positive serial
// of at most 20 octets, no duplicate extension, no critical extension we do not process, the two
// signature algorithm fields equal.
check_result check_certificate_form(X509* x, int depth);
// SHA-256/384/512 with RSA PKCS#1 v1.5, RSASSA-PSS or ECDSA, or Ed25519. Never MD5 or SHA-1.
check_result check_signature_algorithm(X509* x, int depth);
// RSA (rsaEncryption or RSASSA-PSS) within keys' bounds, ECDSA P-256 / P-384, Ed25519.
check_result check_public_key(X509* x, int depth, const key_policy& keys);

// An issuer at `depth` of the path (trusted: from the store): CA with keyCertSign, extendedKeyUsage
// (when present on an intermediate) including the role's purpose.
check_result check_issuer_usage(X509* ca, int depth, bool trusted, peer_role role);
// The leaf: not a CA, keyUsage / extendedKeyUsage fit the role, a server leaf has a SAN.
// `pinned`: the leaf is itself a trust anchor (the application trusts this very certificate, e.g.
// a self-signed one from `openssl req -x509`): CA:TRUE and a missing extendedKeyUsage are then
// accepted, as OpenSSL, Go and Java accept them; the other rules still apply.
check_result check_leaf_usage(X509* leaf, peer_role role, const verify_policy& policy, bool pinned);

// Rules for the leaf that need no path: the three above.
check_result check_leaf_alone(X509* leaf, const verify_policy& policy);
// Everything else on a path that X509_verify_cert accepted: issuers are CAs with keyCertSign, the
// leaf is not a CA, keyUsage and extendedKeyUsage fit the role, a server leaf has a SAN, and the form,
// algorithm and key rules for every certificate above the leaf.
check_result check_path(STACK_OF(X509) * path, int num_untrusted, peer_role role,
                        const verify_policy& policy);

}  // namespace tls13::x509

namespace tls13::x509 {

// The stapled OCSP response of req (if any) against the leaf and its issuer (path[0], path[1]) under
// `policy` (ocsp.cpp): revoked is fatal; a bad or missing staple only in hard-fail mode or for a
// must-staple leaf when we asked for one.
check_result check_stapled_ocsp(const verify_request& req, STACK_OF(X509) * path, const ocsp_policy& policy,
                                std::chrono::system_clock::time_point now);

}  // namespace tls13::x509
