#!/usr/bin/env bash
# Headless Chromium against the Beast example examples/https_server (tls13::stream): Chromium offers
# GREASE, X25519MLKEM768 + X25519 key shares and ALPN h2,http/1.1; the server must negotiate
# (http/1.1, X25519MLKEM768) and serve the page. Chromium then fetches /metrics (tls13::metrics), which
# shows the group the handshakes used. Usage: chromium_beast.sh HTTPS_SERVER PKI_DIR. Exit 77 (skip)
# when chromium or certutil (libnss3-tools) is not installed (../shared/peers/install.sh installs both).
set -u
server=$1 pki=$2
for tool in chromium certutil; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (../shared/peers/install.sh)"; exit 77; }
done
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/home/.pki/nssdb" "$work/www"
certutil -N -d "sql:$work/home/.pki/nssdb" --empty-password &&
  certutil -A -d "sql:$work/home/.pki/nssdb" -n ca -t C,, -i "$pki/ca.pem" || { echo "FAIL: NSS database"; exit 1; }
echo "<p>served by tls13 to Chromium</p>" >"$work/www/index.html"
port=$((20000 + RANDOM % 20000))
"$server" --listen 127.0.0.1:$port --cert "$pki/server-ecdsa-chain.pem" --key "$pki/server-ecdsa-key.pem" \
  --root "$work/www" --metrics 2>"$work/server.log" &
for _ in $(seq 100); do grep -q listening "$work/server.log" 2>/dev/null && break; sleep 0.05; done
fetch() {  # fetch PATH OUT: the page's DOM as Chromium rendered it
  env HOME="$work/home" timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-sync --disable-background-networking --disable-component-update \
    --user-data-dir="$(mktemp -d -p "$work")" --dump-dom "https://localhost:$port$1" >"$2" 2>"$2.err"
}
fetch / "$work/page.html"
fetch /metrics "$work/metrics.html"
fail=0
grep -q "served by tls13 to Chromium" "$work/page.html" && echo "ok   Chromium got the page from https_server" ||
  { echo "FAIL Chromium did not get the page: $(tail -2 "$work/page.html.err")"; fail=1; }
if grep -qE 'tls13_handshakes_by_group_total\{group="X25519MLKEM768"\} [1-9]' "$work/metrics.html"; then
  echo "ok   the handshakes used X25519MLKEM768 (tls13::metrics via /metrics)"
else
  echo "FAIL no X25519MLKEM768 handshake in /metrics:"; grep -E 'by_group|handshakes_total' "$work/metrics.html"; fail=1
fi
grep -qE 'tls13_failures_total\{category="(decode|protocol)"\} [1-9]' "$work/metrics.html" &&
  { echo "FAIL decode/protocol failures counted:"; grep failures_total "$work/metrics.html"; fail=1; }
exit $fail
