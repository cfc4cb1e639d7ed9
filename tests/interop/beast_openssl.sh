#!/usr/bin/env bash
# The Beast examples against OpenSSL's own tools: `openssl s_client` fetches a page from
# examples/https_server, and examples/https_client fetches `openssl s_server -www`'s status page.
# Usage: beast_openssl.sh BUILD_DIR PKI_DIR. Exit 77 (skip) without the openssl command.
set -u
build=$1 pki=$2
command -v openssl >/dev/null || { echo "SKIP: the openssl command is not installed"; exit 77; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
fail=0
mkdir -p "$work/www" && echo "<p>served by tls13 to openssl</p>" >"$work/www/index.html"

port=$((20000 + RANDOM % 20000))
"$build/examples/https_server" --listen 127.0.0.1:$port --cert "$pki/server-ecdsa-chain.pem" \
  --key "$pki/server-ecdsa-key.pem" --root "$work/www" --requests 1 2>"$work/server.log" &
for _ in $(seq 100); do grep -q listening "$work/server.log" 2>/dev/null && break; sleep 0.05; done
printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
  timeout 20 openssl s_client -connect 127.0.0.1:$port -servername localhost -CAfile "$pki/ca.pem" \
    -verify_return_error -alpn http/1.1 -ign_eof >"$work/s_client.out" 2>&1
if grep -q "served by tls13 to openssl" "$work/s_client.out" && grep -q "Verify return code: 0 (ok)" "$work/s_client.out" &&
   grep -q "ALPN protocol: http/1.1" "$work/s_client.out"; then
  echo "ok   openssl s_client -> https_server (verified, ALPN http/1.1, page served)"
else
  echo "FAIL openssl s_client -> https_server:"; tail -5 "$work/s_client.out"; fail=1
fi
wait 2>/dev/null

port=$((20000 + RANDOM % 20000))
timeout 30 openssl s_server -accept 127.0.0.1:$port -www -cert "$pki/server-ecdsa.pem" -cert_chain "$pki/int.pem" \
  -key "$pki/server-ecdsa-key.pem" >"$work/s_server.log" 2>&1 &
for _ in $(seq 100); do grep -q ACCEPT "$work/s_server.log" 2>/dev/null && break; sleep 0.05; done
timeout 20 "$build/examples/https_client" "https://localhost:$port/" --cafile "$pki/ca.pem" >"$work/client.out" \
  2>"$work/client.err"
# s_server -www answers with a status page naming the protocol and the cipher it negotiated.
if grep -q "TLSv1.3" "$work/client.out" && grep -q "certificate verified" "$work/client.err"; then
  echo "ok   https_client -> openssl s_server -www (verified, status page read)"
else
  echo "FAIL https_client -> openssl s_server -www:"; tail -3 "$work/client.err"; head -5 "$work/client.out"; fail=1
fi
exit $fail
