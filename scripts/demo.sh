#!/usr/bin/env bash
# Installs the missing Debian packages, builds the Beast HTTPS demo into build/ and runs it:
# a throwaway CA and localhost certificate, examples/https_server (Beast over tls13::stream)
# serving a page, fetched with examples/https_client (tls13) and with curl (OpenSSL), then the
# server stops. Finally the core-only demo (tls13_demo: our server and client over loopback,
# no Boost) runs too.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$TLS13_ROOT"
ensure_packages

# Same options as scripts/test.sh, so both scripts share build/ without reconfiguring it back and forth.
configure_build build -DTLS13_BUILD_TESTS=ON -DTLS13_BUILD_BENCH=ON -DTLS13_BUILD_ASIO=ON -DTLS13_BUILD_TOOLS=ON \
  -DTLS13_BUILD_EXAMPLES=ON -DTLS13_SANITIZE=OFF -DTLS13_TSAN=OFF -DTLS13_FUZZ=OFF
build build --target https_server https_client tls13_demo
log "Beast HTTPS demo: https_server + https_client + curl"
bash examples/https_demo.sh build
log "core-only demo: build/examples/tls13_demo"
build/examples/tls13_demo
