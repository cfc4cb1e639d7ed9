#!/usr/bin/env bash
# The Beast HTTPS demo: a throwaway CA and a localhost certificate, https_server serving a page,
# fetched by https_client (tls13 on both ends) and by curl (OpenSSL), then the server is stopped.
# Then a server with --early-data: a resumed GET in 0-RTT is answered, a POST in 0-RTT gets
# 425 Too Early (RFC 8470) and is sent again after the handshake.
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
  --root "$work/www" --requests 4 --metrics 2>"$work/server.log" &
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
echo "== GET /metrics (tls13::metrics in the Prometheus text format; the server's connections so far) =="
"$build/examples/https_client" "https://localhost:$port/metrics" --cafile "$work/ca.pem" >"$work/metrics.out" 2>/dev/null
grep -E '^tls13_(handshakes_total|handshakes_by_group_total\{group="X25519MLKEM768"\}|failures_total)' "$work/metrics.out"
grep -qE '^tls13_handshakes_total\{mode="resumed"\} [1-9]' "$work/metrics.out" ||
  { echo "FAIL: /metrics does not count the resumed handshake" >&2; exit 1; }
wait "$server_pid"
grep -v listening "$work/server.log" || true
echo "== server stopped after 4 requests =="

# 0-RTT (RFC 8446 §2.3) and 425 Too Early (RFC 8470): a server with --early-data.
# Requests: GET twice, POST three times (the 425 and its retry), curl's POST with Early-Data: 1.
requests=5
command -v curl >/dev/null && requests=6
port=$((20000 + RANDOM % 20000))
"$build/examples/https_server" --listen 127.0.0.1:$port --cert "$work/cert.pem" --key "$work/key.pem" \
  --root "$work/www" --requests $requests --early-data 2>"$work/server0rtt.log" &
server_pid=$!
for _ in $(seq 100); do grep -q listening "$work/server0rtt.log" 2>/dev/null && break; sleep 0.05; done
cat "$work/server0rtt.log"

echo "== https_client --early-data: the resumed GET goes in 0-RTT =="
"$build/examples/https_client" "https://localhost:$port/" --cafile "$work/ca.pem" --resume --early-data \
  >"$work/get.out" 2>"$work/get.log"
cat "$work/get.log" "$work/get.out"
grep -q "early data accepted: the GET went in 0-RTT" "$work/get.log" ||
  { echo "FAIL: the resumed GET was not accepted as early data" >&2; exit 1; }
grep -q "HTTP 200 OK (the server saw early data)" "$work/get.log" ||
  { echo "FAIL: the early GET was not answered" >&2; exit 1; }
[ "$(grep -c "Hello from a Beast HTTPS server" "$work/get.out")" = 2 ] ||
  { echo "FAIL: the page did not come twice" >&2; exit 1; }

echo "== https_client --early-data --method POST: a POST in 0-RTT gets 425 Too Early, then goes after the handshake =="
"$build/examples/https_client" "https://localhost:$port/" --cafile "$work/ca.pem" --resume --early-data \
  --method POST >"$work/post.out" 2>"$work/post.log"
cat "$work/post.log" "$work/post.out"
grep -q "early data accepted: the POST went in 0-RTT" "$work/post.log" ||
  { echo "FAIL: the resumed POST was not sent as early data" >&2; exit 1; }
grep -q "425 Too Early" "$work/post.log" || { echo "FAIL: the early POST did not get 425" >&2; exit 1; }
[ "$(grep -c "received 24 bytes" "$work/post.out")" = 2 ] ||
  { echo "FAIL: the POST was not answered after the handshake" >&2; exit 1; }
if command -v curl >/dev/null; then
  echo "== curl: a POST with Early-Data: 1 (a proxy got it as early data) gets 425 =="
  code=$(curl -sS -o /dev/null --cacert "$work/ca.pem" -X POST -d x -H "Early-Data: 1" \
    -w '%{http_code}' "https://localhost:$port/")
  echo "(curl: HTTP $code)"
  [ "$code" = 425 ] || { echo "FAIL: Early-Data: 1 on a POST did not get 425" >&2; exit 1; }
fi
wait "$server_pid"
grep -v listening "$work/server0rtt.log" || true
grep -q "GET /: early data (TLS 0-RTT)" "$work/server0rtt.log" ||
  { echo "FAIL: the server did not log the early GET" >&2; exit 1; }
echo "== demo done: both servers stopped =="
