// BoGo shim: our std::error_code -> the BoringSSL reason string (":NO_SHARED_CIPHER:") the runner
// looks for on stderr. One code per error value; config.json's ErrorMap maps the runner's more
// specific BoringSSL codes onto these where they name the same failure (like rustls's handle_err).
#pragma once

#include <string>
#include <system_error>

namespace bogo {

// ":REASON:" for an error the library (or the shim's own verifier) reported.
std::string boringssl_reason(std::error_code ec);

// The whole stderr line: our category and message, the alert we sent or received, the reason.
std::string describe_error(std::error_code ec);

}  // namespace bogo
