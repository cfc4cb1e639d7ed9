#!/usr/bin/env bash
# Interop of the tls13 tool with GnuTLS (gnutls-serv / gnutls-cli), both directions: every
# suite x group, HRR, ALPN, mTLS, and unknown-CA and expired-certificate failures.
# usage: gnutls_interop.sh /path/to/tls13 /path/to/pki
set -uo pipefail
TOOL=$1
PKI=$2
command -v gnutls-serv >/dev/null && command -v gnutls-cli >/dev/null ||
  { echo "SKIP: gnutls-bin (gnutls-serv, gnutls-cli) not installed"; exit 77; }
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"' EXIT
PORT=$((10000 + RANDOM % 10000))
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
wait_ready() { for _ in $(seq 100); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
declare -A GT_SUITE=([TLS_AES_128_GCM_SHA256]=AES-128-GCM [TLS_AES_256_GCM_SHA384]=AES-256-GCM
                     [TLS_CHACHA20_POLY1305_SHA256]=CHACHA20-POLY1305)
declare -A GT_GROUP=([X25519]=X25519 [P-256]=SECP256R1 [P-384]=SECP384R1)
BASE="NORMAL:-VERS-ALL:+VERS-TLS1.3"
# The servers' certificate; the expired-certificate cells swap in server-expired.pem (tests/vectors/pki/make.sh).
CHAIN=$PKI/server-ecdsa-chain.pem KEY=$PKI/server-ecdsa-key.pem

# ---- our client -> gnutls-serv --http
client_cell() { # priority, extra gnutls-serv args (string), our client args...
  local prio=$1 sargs=$2; shift 2
  PORT=$((PORT + 1))
  rm -f "$WORK/s.out"
  timeout 20 gnutls-serv --port $PORT --http --x509certfile "$CHAIN" --x509keyfile "$KEY" --priority "$prio" $sargs \
    >"$WORK/s.out" 2>&1 &
  local spid=$!
  wait_ready "$WORK/s.out" "listening" || { bad "gnutls-serv did not start"; kill $spid; return; }
  printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 "$TOOL" client -connect 127.0.0.1:$PORT -servername localhost \
    -CAfile "$PKI/ca.pem" "$@" >"$WORK/c.out" 2>"$WORK/c.err"
  echo $? >"$WORK/c.rc"
  kill $spid 2>/dev/null
  wait $spid 2>/dev/null
}

for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
  for group in X25519 P-256 P-384; do
    client_cell "$BASE" "" -ciphersuites $suite -groups $group
    if [ "$(cat "$WORK/c.rc")" = 0 ] && grep -q "Ciphersuite: $suite" "$WORK/c.err" && grep -q "Group: $group" "$WORK/c.err" &&
       grep -q "HTTP/1.0 200" "$WORK/c.out"; then ok "our client -> gnutls-serv $suite $group"
    else bad "our client -> gnutls-serv $suite $group: $(tail -1 "$WORK/c.err")"; fi
  done
done
client_cell "$BASE:-GROUP-ALL:+GROUP-SECP384R1" "" -groups X25519:P-384
grep -q "HelloRetryRequest: yes" "$WORK/c.err" && grep -q "HTTP/1.0 200" "$WORK/c.out" && ok "our client HRR (gnutls-serv)" ||
  bad "our client HRR: $(tail -1 "$WORK/c.err")"
client_cell "$BASE" "--alpn=http/1.1" -alpn h2,http/1.1
grep -q "ALPN: http/1.1" "$WORK/c.err" && ok "our client ALPN (gnutls-serv)" || bad "our client ALPN: $(tail -2 "$WORK/c.err")"
client_cell "$BASE" "--require-client-cert --x509cafile=$PKI/ca.pem" -cert "$PKI/client.pem" -key "$PKI/client-key.pem"
[ "$(cat "$WORK/c.rc")" = 0 ] && grep -q "HTTP/1.0 200" "$WORK/c.out" && ok "our client mTLS (gnutls-serv)" ||
  bad "our client mTLS: $(tail -1 "$WORK/c.err")"
client_cell "$BASE" "" -CAfile "$PKI/other-ca.pem"
[ "$(cat "$WORK/c.rc")" != 0 ] && grep -q "unknown_ca" "$WORK/c.err" && ok "our client rejects gnutls-serv's unknown CA" ||
  bad "unknown CA: $(tail -1 "$WORK/c.err")"
# Expired (CA-signed, right name): we send certificate_expired; gnutls-serv logs the alert it got at -d 5.
CHAIN=$PKI/server-expired.pem KEY=$PKI/server-expired-key.pem
client_cell "$BASE" "-d 5"
CHAIN=$PKI/server-ecdsa-chain.pem KEY=$PKI/server-ecdsa-key.pem
[ "$(cat "$WORK/c.rc")" != 0 ] && [ "$(wc -l <"$WORK/c.err")" = 1 ] && grep -q "sent alert certificate_expired" "$WORK/c.err" &&
  ok "our client rejects gnutls-serv's expired certificate (certificate_expired)" || bad "expired: $(tail -1 "$WORK/c.err")"
grep -q "Alert\[2|45\] - Certificate is expired - was received" "$WORK/s.out" && ok "gnutls-serv saw certificate_expired" ||
  bad "gnutls-serv did not report certificate_expired"

# ---- gnutls-cli -> our server -www
server_cell() { # priority, our server args (string), gnutls-cli args...
  local prio=$1 oargs=$2; shift 2
  PORT=$((PORT + 1))
  rm -f "$WORK/o.err"
  timeout 20 "$TOOL" server -accept 127.0.0.1:$PORT -cert "$CHAIN" -key "$KEY" -naccept 1 -www $oargs \
    >"$WORK/o.out" 2>"$WORK/o.err" &
  local opid=$!
  wait_ready "$WORK/o.err" ACCEPT || { bad "our server did not start"; return; }
  (printf 'GET / HTTP/1.0\r\n\r\n'; sleep 0.5) | timeout 10 gnutls-cli --port $PORT --x509cafile "$PKI/ca.pem" \
    --sni-hostname localhost --verify-hostname localhost --priority "$prio" "$@" 127.0.0.1 >"$WORK/gc.out" 2>&1
  echo $? >"$WORK/gc.rc"
  wait $opid 2>/dev/null
}

for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
  for group in X25519 P-256 P-384; do
    server_cell "$BASE:-CIPHER-ALL:+${GT_SUITE[$suite]}:-GROUP-ALL:+GROUP-${GT_GROUP[$group]}" ""
    if grep -q "HTTP/1.0 200" "$WORK/gc.out" && grep -q "Ciphersuite: $suite" "$WORK/o.err" && grep -q "Group: $group" "$WORK/o.err"; then
      ok "gnutls-cli -> our server $suite $group"
    else bad "gnutls-cli -> our server $suite $group: $(tail -1 "$WORK/o.err") / $(grep -m1 -i error "$WORK/gc.out")"; fi
  done
done
server_cell "$BASE:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1" "-groups P-384"
grep -q "HelloRetryRequest: yes" "$WORK/o.err" && grep -q "HTTP/1.0 200" "$WORK/gc.out" && ok "our server HRR (gnutls-cli)" ||
  bad "our server HRR: $(tail -1 "$WORK/o.err")"
server_cell "$BASE" "-alpn h2,http/1.1" --alpn=http/1.1
grep -q "ALPN: http/1.1" "$WORK/o.err" && ok "our server ALPN (gnutls-cli)" || bad "our server ALPN: $(tail -2 "$WORK/o.err")"
server_cell "$BASE" "-Verify 1 -CAfile $PKI/ca.pem" --x509certfile "$PKI/client.pem" --x509keyfile "$PKI/client-key.pem"
grep -q "HTTP/1.0 200" "$WORK/gc.out" && grep -q "Verification: OK" "$WORK/o.err" && ok "our server mTLS (gnutls-cli)" ||
  bad "our server mTLS: $(tail -1 "$WORK/o.err")"

# gnutls-cli verifies and refuses our expired certificate (it sends bad_certificate, GnuTLS's choice).
CHAIN=$PKI/server-expired.pem KEY=$PKI/server-expired-key.pem
server_cell "$BASE" ""
CHAIN=$PKI/server-ecdsa-chain.pem KEY=$PKI/server-ecdsa-key.pem
[ "$(cat "$WORK/gc.rc")" != 0 ] && grep -q "chain uses expired certificate" "$WORK/gc.out" &&
  ok "gnutls-cli rejects our expired certificate (non-zero exit)" || bad "gnutls-cli expired: rc=$(cat "$WORK/gc.rc")"
grep -q "received alert" "$WORK/o.err" && ok "our server saw gnutls-cli's alert ($(grep -o 'received alert [a-z_]*' "$WORK/o.err"))" ||
  bad "our server expired: $(tail -1 "$WORK/o.err")"

# ---- resumption and 0-RTT, both directions
printf 'early bytes\n' >"$WORK/early"
PORT=$((PORT + 1))
rm -f "$WORK/r.out"
timeout 30 gnutls-serv --port $PORT --echo --x509certfile "$CHAIN" --x509keyfile "$KEY" --priority "$BASE" \
  --earlydata --maxearlydata 16384 >"$WORK/r.out" 2>&1 &
rpid=$!
wait_ready "$WORK/r.out" "listening"
ours=(-connect 127.0.0.1:$PORT -servername localhost -CAfile "$PKI/ca.pem")
echo first | timeout 10 "$TOOL" client "${ours[@]}" -sess_out "$WORK/sess" >/dev/null 2>"$WORK/c1.err"
echo second | timeout 10 "$TOOL" client "${ours[@]}" -sess_in "$WORK/sess" -sess_out "$WORK/sess2" >/dev/null 2>"$WORK/c2.err"
echo third | timeout 10 "$TOOL" client "${ours[@]}" -sess_in "$WORK/sess2" -early_data "$WORK/early" >"$WORK/c3.out" 2>"$WORK/c3.err"
kill $rpid 2>/dev/null
wait $rpid 2>/dev/null
grep -q "Resumed: yes" "$WORK/c2.err" && ok "our client resumes with gnutls-serv" || bad "our client resumption: $(tail -1 "$WORK/c2.err")"
# (gnutls-serv --echo takes the early data but does not echo it: the acceptance is what can be seen.)
grep -q "Resumed: yes" "$WORK/c3.err" && grep -q "Early data: accepted" "$WORK/c3.err" && grep -q "third" "$WORK/c3.out" &&
  ok "our client 0-RTT accepted by gnutls-serv" || bad "our client 0-RTT: $(tail -2 "$WORK/c3.err")"

PORT=$((PORT + 1))
rm -f "$WORK/o.err"
timeout 30 "$TOOL" server -accept 127.0.0.1:$PORT -cert "$CHAIN" -key "$KEY" -naccept 2 -early_data >"$WORK/o.out" \
  2>"$WORK/o.err" < <(sleep 30) &
rpid=$!
wait_ready "$WORK/o.err" "ACCEPT"
(echo later; sleep 0.5) | timeout 10 gnutls-cli 127.0.0.1 -p $PORT --x509cafile "$PKI/ca.pem" --sni-hostname localhost \
  --priority "$BASE" -r --earlydata "$WORK/early" >"$WORK/gc.out" 2>&1
wait $rpid 2>/dev/null
grep -q "This is a resumed session" "$WORK/gc.out" && ok "gnutls-cli resumes with our server (-r)" ||
  bad "gnutls-cli resumption: $(tail -1 "$WORK/o.err")"
grep -q "Early data: accepted" "$WORK/o.err" && grep -q "early bytes" "$WORK/o.out" &&
  ok "gnutls-cli 0-RTT accepted by our server" || bad "gnutls-cli 0-RTT: $(tail -1 "$WORK/o.err")"

echo "gnutls interop: $pass passed, $fail failed"
[ "$fail" = 0 ]
