#!/usr/bin/env bash
# The Beast HTTPS demo: a throwaway CA and a localhost certificate, https_server serving a page,
# fetched by https_client (tls13 on both ends) and by curl (OpenSSL), then the server is stopped.
# usage: https_demo.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
work=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=tls13 demo CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
  -keyout "$work/ca-key.pem" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$work/key.pem" -out "$work/req.pem" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$work/ext.cnf"
openssl x509 -req -in "$work/req.pem" -CA "$work/ca.pem" -CAkey "$work/ca-key.pem" -CAcreateserial -days 2 \
  -extfile "$work/ext.cnf" -out "$work/cert.pem" 2>/dev/null
mkdir -p "$work/www"
echo "<h1>Hello from a Beast HTTPS server on tls13</h1>" >"$work/www/index.html"

port=$((20000 + RANDOM % 20000))
"$build/examples/https_server" --listen 127.0.0.1:$port --cert "$work/cert.pem" --key "$work/key.pem" \
  --root "$work/www" --requests 3 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do grep -q listening "$work/server.log" 2>/dev/null && break; sleep 0.05; done
cat "$work/server.log"

echo "== https_client (tls13 client), twice: the second handshake resumes =="
"$build/examples/https_client" "https://localhost:$port/" --cafile "$work/ca.pem" --resume 2>"$work/client.log"
cat "$work/client.log"
grep -q "resumed (session ticket)" "$work/client.log" || { echo "FAIL: the second handshake did not resume" >&2; exit 1; }
if command -v curl >/dev/null; then
  echo "== curl (OpenSSL client) =="
  curl -sS --cacert "$work/ca.pem" "https://localhost:$port/" \
    -w '(curl: HTTP %{http_code}, TLS verify result %{ssl_verify_result})\n'
else
  echo "(curl is not installed: skipping the OpenSSL client)"
  "$build/examples/https_client" "https://localhost:$port/" --cafile "$work/ca.pem" >/dev/null
fi
wait "$server_pid"
grep -v listening "$work/server.log" || true
echo "== demo done: server stopped after 3 requests =="
