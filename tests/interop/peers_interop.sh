#!/usr/bin/env bash
# Interop of the tls13 tool with the independent TLS 1.3 peers that ../shared/peers/install.sh puts in
# /opt/tls-peers (see that folder's README.md): NSS, wolfSSL, BoringSSL's bssl-tool, Go crypto/tls, Node 24
# (OpenSSL 3.5), rustls 0.20, Java 17 JSSE and headless Chromium. For each peer, in each direction it has
# (tls13 client -> peer server, peer client -> tls13 server), these cells:
#   basic    handshake with data through both ways; suite and group checked on our side (and the peer's, where
#            it prints them), a suite/group each peer gets its own so that all of them are covered
#   hrr      the server accepts P-384 only, the client's first key share is another group: HelloRetryRequest
#   alpn     client offers h2,http/1.1, server has http/1.1 (and h3): http/1.1 selected
#   wrongca  the client trusts other-ca.pem only: it must fail non-zero, and the server must see its failure
#   pq       both offer X25519MLKEM768 + X25519 key shares (Node 24, Chromium with GREASE): X25519MLKEM768 wins
#   pq-hrr   Node's only key share is P-256, our server takes X25519MLKEM768 only: HRR into the hybrid
#   mlkem-p256      SecP256r1MLKEM768 on both sides (Node 24)
#   mlkem-p384      Node's client offers SecP384r1MLKEM1024 only (we take it: hybrids first)
#   hrr-mlkem-p384  Node's server takes SecP384r1MLKEM1024 only; our default shares are X25519MLKEM768 and
#                   X25519: HRR into the hybrid
# A cell the peer cannot do is reported as skipped with the reason (table NOTSUP), and so is every cell of a
# peer that is not installed. Without /opt/tls-peers at all the test is skipped (exit 77).
# usage: peers_interop.sh /path/to/tls13 /path/to/pki      (TLS_PEERS_PREFIX: where install.sh put the peers)
# shellcheck disable=SC2054  # the commas in array elements are the peers' list syntax
set -uo pipefail
TOOL=$1
PKI=$2
PREFIX=${TLS_PEERS_PREFIX:-/opt/tls-peers}
B=$PREFIX/bin
[ -d "$PREFIX" ] || { echo "SKIP: no $PREFIX: run ../shared/peers/install.sh (as root) to install the peers"; exit 77; }
command -v ss >/dev/null || { echo "SKIP: ss (iproute2) not installed"; exit 77; }
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
mkfifo "$WORK/in"
printf 'GET / HTTP/1.0\r\n\r\n' >"$WORK/get"
PORT=$((3000 + RANDOM % 6000))  # below 32768 (ephemeral ports); openssl/gnutls scripts use 10000-30000
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
skipped() { skip=$((skip + 1)); echo "skip $*"; }
next_port() { PORT=$((PORT + 1)); while ss -Htan "sport = :$PORT" | grep -q .; do PORT=$((PORT + 1)); done; }
listening() { for _ in $(seq 150); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.1; done; return 1; }
wait_log() { for _ in $(seq 100); do grep -Eq -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
# feed TEXT: puts TEXT in the fifo $WORK/in, held open by this shell until unfeed. A process that opens it
# with <> (read-write) before then reads TEXT and never gets EOF: a peer that stops on stdin EOF keeps going.
feed() { exec 4<>"$WORK/in"; printf '%b' "$1" >&4; }
unfeed() { exec 4>&-; }
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null | sed 's/^[0-9]*://; s/-[^-]*$//'; }
# NSS database DIR trusting the PEM certificate CA (for tstclnt/selfserv, and Chromium's ~/.pki/nssdb).
nssdb() { mkdir -p "$1" && certutil -N -d "sql:$1" --empty-password && certutil -A -d "sql:$1" -n ca -t "${3:-CT,C,C}" -i "$2"; }
# Checks: want FILE REGEX... records each REGEX not found; verdict NAME passes the cell if none was missed.
miss=()
want() { local f=$1 r; shift; for r in "$@"; do grep -Eq -- "$r" "$f" || miss+=("no /$r/ in ${f##*/}"); done; }
verdict() {
  if [ ${#miss[@]} = 0 ]; then ok "$1"; else
    bad "$1: ${miss[*]}"
    for f in "${@:2}"; do [ -s "$f" ] && tail -n 3 "$f" | sed "s|^|     ${f##*/}: |"; done
  fi
  miss=()
}
# The peer's own report (any spelling) must not name another suite than ours.
agrees() { local seen k; seen=$(tr -d '_-' <"$1" | grep -oiE 'AES128GCM|AES256GCM|CHACHA20POLY1305' | sort -u)
  case $2 in *AES_128*) k=AES128GCM ;; *AES_256*) k=AES256GCM ;; *) k=CHACHA20POLY1305 ;; esac
  [ -z "$seen" ] || [ "$seen" = "$k" ] || miss+=("peer reports suite $(echo $seen)"); }

declare -A NEEDS VERSION SUITE GROUP MODE REPLY SAW REJECTS NOTSUP SRV_CASES CLI_CASES NO_CLOSE_NOTIFY
PEERS=()
CHAIN=("$PKI/server-ecdsa-chain.pem" "$PKI/server-ecdsa-key.pem")  # every peer server's certificate but JSSE's
# All connections go to 127.0.0.1; selfserv and bssl-tool server have no bind option and listen on all interfaces.
# Per peer: NEEDS (commands), SUITE/GROUP of its basic cells, MODE of our server for its client (www: -www
# page; line: a line each way), REPLY (what its server answers a GET with), SAW (its server's log line on our
# unknown_ca), REJECTS (its client's message on the unknown CA), and srv_NAME/cli_NAME CASE PORT, which set
# CMD to the peer's command line for that cell (matching SUITE and GROUP) and FEED to the client's stdin, if any.

# ---- NSS: selfserv answers HTTP, tstclnt sends a GET; both use NSS databases made from the test PKI.
PEERS+=(nss) NEEDS[nss]="selfserv tstclnt certutil pk12util" VERSION[nss]="NSS $(pkgver libnss3)"
SUITE[nss]=TLS_CHACHA20_POLY1305_SHA256 GROUP[nss]=P-256 MODE[nss]=www
REPLY[nss]='Server: Generic Web Server' SAW[nss]='Peer does not recognize and trust the CA' REJECTS[nss]=SEC_ERROR_UNKNOWN_ISSUER
NOTSUP[nss.client.alpn]="tstclnt has no ALPN option"
setup_nss() { nssdb "$WORK/nssdb" "$PKI/ca.pem" && nssdb "$WORK/nssdb-other" "$PKI/other-ca.pem" &&
  openssl pkcs12 -export -in "$PKI/server-ecdsa.pem" -certfile "$PKI/int.pem" -inkey "$PKI/server-ecdsa-key.pem" \
    -name ec -passout pass: -out "$WORK/ec.p12" && pk12util -i "$WORK/ec.p12" -d "sql:$WORK/nssdb" -W "" >/dev/null; }
srv_nss() { local a=(-c :1303 -I P256)
  case $1 in hrr) a=(-I P384) ;; alpn) a=(-Q) ;; wrongca) a=() ;; esac
  CMD=(selfserv -d "sql:$WORK/nssdb" -n ec -p "$2" -V tls1.3:tls1.3 -v "${a[@]}"); }
cli_nss() { local db=nssdb a=(-c :1303 -I P256)
  case $1 in hrr) a=(-I x25519,P384) ;; wrongca) db=nssdb-other a=() ;; esac
  CMD=(tstclnt -h 127.0.0.1 -p "$2" -a localhost -d "sql:$WORK/$db" -V tls1.3:tls1.3 "${a[@]}" -A "$WORK/get"); }

# ---- wolfSSL example programs: server -g answers a page; client -g sends a GET.
PEERS+=(wolfssl) NEEDS[wolfssl]="$B/wolfssl-server $B/wolfssl-client" VERSION[wolfssl]="wolfSSL $(pkgver libwolfssl-dev)"
SUITE[wolfssl]=TLS_AES_256_GCM_SHA384 GROUP[wolfssl]=P-256 MODE[wolfssl]=www
REPLY[wolfssl]='wolfSSL has successfully performed handshake' SAW[wolfssl]='received alert fatal error'
REJECTS[wolfssl]='certificate verify failed'
srv_wolfssl() { local a=(-l TLS13-AES256-GCM-SHA384 -Y)  # -Y: P-256 only
  case $1 in hrr) a=(--force-curve SECP384R1) ;; alpn) a=(-L C:http/1.1) ;; wrongca) a=() ;; esac
  CMD=("$B/wolfssl-server" -p "$2" -v 4 -c "${CHAIN[0]}" -k "${CHAIN[1]}" -A "$PKI/ca.pem" -d -g "${a[@]}"); }
cli_wolfssl() { local ca=$PKI/ca.pem a=(-l TLS13-AES256-GCM-SHA384 -Y)
  case $1 in hrr) a=(-t) ;; alpn) a=(-L C:h2,http/1.1) ;; wrongca) ca=$PKI/other-ca.pem a=() ;; esac
  CMD=("$B/wolfssl-client" -h 127.0.0.1 -p "$2" -v 4 -A "$ca" -x -C -g "${a[@]}"); }

# ---- BoringSSL bssl-tool (TLS 1.3 suites fixed: our side picks). Server -www closes without close_notify.
PEERS+=(bssl) NEEDS[bssl]=bssl-tool VERSION[bssl]="BoringSSL (android-boringssl $(pkgver android-boringssl))"
SUITE[bssl]=TLS_CHACHA20_POLY1305_SHA256 GROUP[bssl]=P-256 MODE[bssl]=www
REPLY[bssl]='Version: TLSv1.3' SAW[bssl]=TLSV1_ALERT_UNKNOWN_CA REJECTS[bssl]=CERTIFICATE_VERIFY_FAILED
NO_CLOSE_NOTIFY[bssl]=1 NOTSUP[bssl.server.alpn]="bssl-tool server has no ALPN option"
srv_bssl() { local g=P-256; [ "$1" = hrr ] && g=P-384
  CMD=(bssl-tool server -accept "$2" -cert "${CHAIN[0]}" -key "${CHAIN[1]}" -min-version tls1.3 -curves "$g" -www); }
cli_bssl() { local ca=$PKI/ca.pem a=(-curves P-256)
  case $1 in hrr) a=(-curves X25519:P-384) ;; alpn) a=(-alpn-protos h2,http/1.1) ;; wrongca) ca=$PKI/other-ca.pem a=() ;; esac
  CMD=(bssl-tool client -connect 127.0.0.1:"$2" -root-certs "$ca" -server-name localhost -min-version tls1.3 -grease "${a[@]}")
  FEED='GET / HTTP/1.0\r\n\r\n'; }  # it sends its stdin

# ---- Go crypto/tls (TLS 1.3 suites fixed: our side picks): server echoes lines / answers GET; client sends a line.
PEERS+=(go) NEEDS[go]="$B/go-tls13peer go" VERSION[go]="Go crypto/tls $(go version "$B/go-tls13peer" 2>/dev/null | cut -d' ' -f2)"
SUITE[go]=TLS_AES_256_GCM_SHA384 GROUP[go]=X25519 MODE[go]=line
REPLY[go]='hello from go crypto/tls' SAW[go]="" REJECTS[go]='signed by unknown authority'  # its server logs no errors
NOTSUP[go.server.alpn]="go-tls13peer has no ALPN option" NOTSUP[go.client.alpn]=${NOTSUP[go.server.alpn]}
srv_go() { local g=X25519; [ "$1" = hrr ] && g=P384
  CMD=("$B/go-tls13peer" -server -addr 127.0.0.1:"$2" -cert "${CHAIN[0]}" -key "${CHAIN[1]}" -curves "$g"); }
cli_go() { local ca=$PKI/ca.pem g=X25519
  case $1 in hrr) g=X25519,P384 ;; wrongca) ca=$PKI/other-ca.pem ;; esac
  CMD=("$B/go-tls13peer" -addr 127.0.0.1:"$2" -ca "$ca" -sni localhost -curves "$g"); }

# ---- Node 24 (OpenSSL 3.5, ML-KEM): like Go's; its client prints the group. On a bad certificate its client
# closes the connection without an alert (Node checks after the handshake).
PEERS+=(node) NEEDS[node]=$B/node-tls13peer
VERSION[node]="Node $("$B/node24" -p 'process.version+" OpenSSL "+process.versions.openssl' 2>/dev/null)"
SUITE[node]=TLS_CHACHA20_POLY1305_SHA256 GROUP[node]=X25519 MODE[node]=line
REPLY[node]='hello from node' SAW[node]='alert unknown ca' REJECTS[node]='unable to get local issuer certificate'
NOTSUP[node.server.alpn]="node-tls13peer has no ALPN option" NOTSUP[node.client.alpn]=${NOTSUP[node.server.alpn]}
SRV_CASES[node]="basic hrr alpn wrongca pq mlkem-p256 hrr-mlkem-p384"
CLI_CASES[node]="basic hrr alpn wrongca pq pq-hrr mlkem-p256 mlkem-p384"
srv_node() { local a=(--groups X25519 --ciphers TLS_CHACHA20_POLY1305_SHA256)
  case $1 in hrr) a=(--groups P-384) ;; wrongca) a=() ;; pq) a=(--groups X25519MLKEM768:X25519) ;;
    mlkem-p256) a=(--groups SecP256r1MLKEM768) ;; hrr-mlkem-p384) a=(--groups SecP384r1MLKEM1024) ;; esac
  CMD=("$B/node-tls13peer" server --port "$2" --cert "${CHAIN[0]}" --key "${CHAIN[1]}" "${a[@]}"); }
cli_node() { local ca=$PKI/ca.pem a=(--groups X25519 --ciphers TLS_CHACHA20_POLY1305_SHA256)
  # Node's client sends a key share for the first group only (its default: X25519MLKEM768 and X25519)
  case $1 in hrr) a=(--groups X25519:P-384) ;; wrongca) ca=$PKI/other-ca.pem a=() ;; pq) a=() ;;
    pq-hrr) a=(--groups P-256:X25519MLKEM768) ;; mlkem-p256) a=(--groups SecP256r1MLKEM768) ;;
    mlkem-p384) a=(--groups SecP384r1MLKEM1024) ;; esac
  CMD=("$B/node-tls13peer" client --port "$2" --ca "$ca" "${a[@]}"); }

# ---- rustls 0.20: like Go's.
PEERS+=(rustls) NEEDS[rustls]=$B/rustls-tls13peer VERSION[rustls]="rustls $(pkgver librust-rustls-dev)"
SUITE[rustls]=TLS_AES_256_GCM_SHA384 GROUP[rustls]=P-384 MODE[rustls]=line
REPLY[rustls]='hello from rustls' SAW[rustls]='received fatal alert: UnknownCA' REJECTS[rustls]=UnknownIssuer
NOTSUP[rustls.server.hrr]="rustls 0.20 server's HelloRetryRequest does not echo legacy_session_id (rustls#1373, peers README)"
NOTSUP[rustls.server.alpn]="rustls-tls13peer has no ALPN option" NOTSUP[rustls.client.alpn]=${NOTSUP[rustls.server.alpn]}
srv_rustls() { local a=(--groups p384 --suites aes256); [ "$1" = wrongca ] && a=()
  CMD=("$B/rustls-tls13peer" server 127.0.0.1:"$2" "${CHAIN[@]}" "${a[@]}"); }
cli_rustls() { local ca=$PKI/ca.pem a=(--groups p384 --suites aes256)
  case $1 in hrr) a=(--groups x25519,p384) ;; wrongca) ca=$PKI/other-ca.pem a=() ;; esac
  CMD=("$B/rustls-tls13peer" client 127.0.0.1:"$2" "$ca" --sni localhost "${a[@]}"); }

# ---- Java 17 JSSE: like Go's. Its server loads one certificate only (no chain): server-rsa.pem, from the root.
PEERS+=(jsse) NEEDS[jsse]="$B/jsse-tls13peer java" VERSION[jsse]="JSSE (OpenJDK $(pkgver openjdk-17-jdk-headless))"
SUITE[jsse]=TLS_AES_128_GCM_SHA256 GROUP[jsse]=P-256 MODE[jsse]=line
# On our unknown_ca, JSSE's server is often still writing its flight: it gets a reset (we close at once, RFC 8446
# 6.2, with its CertificateVerify unread) before it reads the alert. Either way its handshake must fail.
REPLY[jsse]='hello from JSSE' SAW[jsse]='Received fatal alert: unknown_ca|Broken pipe' REJECTS[jsse]='PKIX path building failed'
NOTSUP[jsse.server.alpn]="jsse-tls13peer has no ALPN option" NOTSUP[jsse.client.alpn]=${NOTSUP[jsse.server.alpn]}
srv_jsse() { local a=(-Djdk.tls.namedGroups=secp256r1 -Dsuites=TLS_AES_128_GCM_SHA256)
  case $1 in hrr) a=(-Djdk.tls.namedGroups=secp384r1) ;; wrongca) a=() ;; esac
  CMD=("$B/jsse-tls13peer" "${a[@]}" server "$2" "$PKI/server-rsa.pem" "$PKI/server-rsa-key.pem"); }
cli_jsse() { local ca=$PKI/ca.pem a=(-Djdk.tls.namedGroups=secp256r1 -Dsuites=TLS_AES_128_GCM_SHA256)
  # JSSE sends two key shares: the first group and the first of the other kind (here X25519 and P-256)
  case $1 in hrr) a=(-Djdk.tls.namedGroups=x25519,secp256r1,secp384r1) ;; wrongca) ca=$PKI/other-ca.pem a=() ;; esac
  CMD=("$B/jsse-tls13peer" "${a[@]}" client "$2" "$ca"); }

# ---- Chromium headless (client only): GREASE, X25519MLKEM768 + X25519 key shares, ALPN h2,http/1.1. It
# verifies for real: the test CA is trusted in the NSS database of its $HOME. Two connections per fetch.
PEERS+=(chromium) NEEDS[chromium]="chromium certutil" VERSION[chromium]="Chromium $(pkgver chromium)"
SUITE[chromium]=TLS_CHACHA20_POLY1305_SHA256 GROUP[chromium]=X25519 MODE[chromium]=www
# Our server stops at the first failed handshake, so its page load may end in ERR_CONNECTION_REFUSED (the retry)
# after the handshake's net_error -202 (ERR_CERT_AUTHORITY_INVALID).
REJECTS[chromium]='ERR_CERT_AUTHORITY_INVALID|net_error -202' NOTSUP[chromium.server]="Chromium is a client only"
CLI_CASES[chromium]="basic hrr alpn wrongca pq"
setup_chromium() { nssdb "$WORK/chrome-ca/.pki/nssdb" "$PKI/ca.pem" C,, && nssdb "$WORK/chrome-other/.pki/nssdb" "$PKI/other-ca.pem" C,,; }
cli_chromium() { local home=$WORK/chrome-ca; [ "$1" = wrongca ] && home=$WORK/chrome-other
  CMD=(env HOME="$home" chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-sync
    --disable-background-networking --disable-component-update --user-data-dir="$(mktemp -d -p "$WORK")"
    --dump-dom "https://127.0.0.1:$2/"); }

# Our side of each cell: tls13 flags (by role) and what its stderr must then say.
our_flags() { # client|server case peer
  case $2 in
    basic) FLAGS=(-ciphersuites "${SUITE[$3]}" -groups "${GROUP[$3]}") ;;
    hrr) if [ "$1" = client ]; then FLAGS=(-groups X25519:P-384); else FLAGS=(-groups P-384); fi ;;
    alpn) if [ "$1" = client ]; then FLAGS=(-alpn h2,http/1.1); else FLAGS=(-alpn h3,http/1.1); fi ;;
    pq-hrr) FLAGS=(-groups X25519MLKEM768) ;;                                   # our server
    mlkem-p256) [ "$1" = client ] && FLAGS=(-groups SecP256r1MLKEM768:X25519) || FLAGS=() ;;
    *) FLAGS=() ;;  # pq, mlkem-p384, hrr-mlkem-p384: our defaults
  esac
}
expect_ours() { # stderr-file case peer
  case $2 in
    basic) want "$1" "^Ciphersuite: ${SUITE[$3]}$" "^Group: ${GROUP[$3]}$" '^HelloRetryRequest: no$' ;;
    hrr) want "$1" '^Group: P-384$' '^HelloRetryRequest: yes$' ;;
    alpn) want "$1" '^ALPN: http/1.1$' ;;
    pq) want "$1" '^Group: X25519MLKEM768$' '^HelloRetryRequest: no$' ;;
    pq-hrr) want "$1" '^Group: X25519MLKEM768$' '^HelloRetryRequest: yes$' ;;
    mlkem-p256) want "$1" '^Group: SecP256r1MLKEM768$' '^HelloRetryRequest: no$' ;;
    mlkem-p384) want "$1" '^Group: SecP384r1MLKEM1024$' '^HelloRetryRequest: no$' ;;
    hrr-mlkem-p384) want "$1" '^Group: SecP384r1MLKEM1024$' '^HelloRetryRequest: yes$' ;;
  esac
}
why_skip() { # peer direction case: prints the reason a cell is skipped, if it is
  echo "${MISSING[$1]:-${NOTSUP[$1.$2]:-${NOTSUP[$1.$2.$3]:-}}}"
}

# tls13 client -> peer server: the client sends a GET and keeps stdin open until the server closes.
client_cell() { # peer case
  local p=$1 c=$2 name="tls13 client -> $1 server: $2" why rc
  why=$(why_skip $p server $c); [ -n "$why" ] && { skipped "$name ($why)"; return; }
  next_port
  "srv_$p" $c $PORT
  timeout 60 "${CMD[@]}" >"$WORK/peer.log" 2>&1 </dev/null &
  local spid=$!
  listening $PORT || { bad "$name: the $p server did not start: $(tail -1 "$WORK/peer.log")"; stop $spid; return; }
  our_flags client $c $p
  local ca=$PKI/ca.pem; [ $c = wrongca ] && ca=$PKI/other-ca.pem
  feed 'GET / HTTP/1.0\r\n\r\n'
  timeout 20 "$TOOL" client -connect 127.0.0.1:$PORT -servername localhost -CAfile "$ca" "${FLAGS[@]}" \
    <>"$WORK/in" >"$WORK/c.out" 2>"$WORK/c.err"
  rc=$?
  unfeed
  if [ $c = wrongca ] && [ -n "${SAW[$p]:-}" ]; then wait_log "$WORK/peer.log" "${SAW[$p]}"; else sleep 0.2; fi  # its log
  stop $spid
  if [ $c = wrongca ]; then
    [ $rc != 0 ] || miss+=("exit 0")
    [ "$(wc -l <"$WORK/c.err")" = 1 ] || miss+=("not one line on stderr")
    want "$WORK/c.err" '^tls13: handshake failed: .*\(sent alert unknown_ca\)$'
    local saw="its server logs no alerts"
    [ -z "${SAW[$p]:-}" ] || { want "$WORK/peer.log" "${SAW[$p]}"; saw="server: $(grep -oE -m1 "${SAW[$p]}" "$WORK/peer.log")"; }
    verdict "$name: unknown_ca, non-zero exit; $saw" "$WORK/c.err" "$WORK/peer.log"
    return
  fi
  if [ $rc != 0 ]; then  # bssl-tool -www closes without close_notify: we report that, after the data
    if [ -n "${NO_CLOSE_NOTIFY[$p]:-}" ] && [ $rc = 1 ] && tail -1 "$WORK/c.err" | grep -q 'without close_notify'; then
      name+=" (peer closed without close_notify)"
    else miss+=("exit $rc: $(tail -1 "$WORK/c.err")"); fi
  fi
  want "$WORK/c.err" '^Protocol: TLSv1.3$' '^Verification: OK$'
  expect_ours "$WORK/c.err" $c $p
  want "$WORK/c.out" "${REPLY[$p]}"
  [ $c = basic ] && agrees <(cat "$WORK/c.out" "$WORK/peer.log") "${SUITE[$p]}"
  verdict "$name" "$WORK/c.err" "$WORK/peer.log"
}

# peer client -> tls13 server (-www page, or a line each way); the peer's output goes to peer.out.
server_cell() { # peer case
  local p=$1 c=$2 name="$1 client -> tls13 server: $2" why rc
  why=$(why_skip $p client $c); [ -n "$why" ] && { skipped "$name ($why)"; return; }
  next_port
  our_flags server $c $p
  local args=(-cert "${CHAIN[0]}" -key "${CHAIN[1]}" "${FLAGS[@]}")
  [ $p = chromium ] || args+=(-naccept 1)  # Chromium opens a second connection (and drops it unused)
  local in=/dev/null
  if [ "${MODE[$p]}" = www ]; then args+=(-www); else feed 'hello from tls13\n'; in=$WORK/in; fi
  rm -f "$WORK/o.err"
  timeout 60 "$TOOL" server -accept 127.0.0.1:$PORT "${args[@]}" <>"$in" >"$WORK/o.out" 2>"$WORK/o.err" &
  local opid=$!
  wait_log "$WORK/o.err" ACCEPT || { bad "$name: our server did not start: $(tail -1 "$WORK/o.err")"; unfeed; stop $opid; return; }
  unfeed
  FEED=; "cli_$p" $c $PORT
  if [ -n "$FEED" ]; then feed "$FEED"; timeout 60 "${CMD[@]}" <>"$WORK/in" >"$WORK/peer.out" 2>&1; rc=$?; unfeed
  else timeout 60 "${CMD[@]}" </dev/null >"$WORK/peer.out" 2>&1; rc=$?; fi
  for _ in $(seq 20); do kill -0 $opid 2>/dev/null || break; sleep 0.05; done  # let it finish by itself
  stop $opid
  if [ $c = wrongca ]; then
    [ $rc != 0 ] || [ $p = chromium ] || miss+=("peer exit 0")  # chromium --dump-dom exits 0 even on a failed load
    want "$WORK/peer.out" "${REJECTS[$p]}"
    want "$WORK/o.err" '^tls13: handshake failed'
    grep -q '^Protocol:' "$WORK/o.err" && miss+=("our server completed the handshake")
    verdict "$name: the peer rejects our certificate ($(grep -o 'handshake failed.*' "$WORK/o.err" | tail -1))" \
      "$WORK/peer.out" "$WORK/o.err"
    return
  fi
  [ $rc = 0 ] || miss+=("peer exit $rc")
  want "$WORK/o.err" '^Protocol: TLSv1.3$'
  expect_ours "$WORK/o.err" $c $p
  if [ "${MODE[$p]}" = www ]; then  # the page names the suite and group we negotiated
    want "$WORK/peer.out" "<p>$(grep -m1 '^Ciphersuite:' "$WORK/o.err")</p><p>$(grep -m1 '^Group:' "$WORK/o.err")</p>"
  else
    want "$WORK/peer.out" 'hello from tls13'
    want "$WORK/o.out" '^hello from [a-z]+$'
  fi
  [ $c = basic ] && agrees "$WORK/peer.out" "${SUITE[$p]}"
  verdict "$name" "$WORK/o.err" "$WORK/peer.out"
}

declare -A MISSING  # peer -> why all its cells are skipped
for p in "${PEERS[@]}"; do
  missing=; for cmd in ${NEEDS[$p]}; do command -v "$cmd" >/dev/null || missing+=" ${cmd##*/}"; done
  if [ -n "$missing" ]; then
    MISSING[$p]="not installed:$missing"
    echo "== $p: not installed:$missing (see ../shared/peers/install.sh)"
  else
    echo "== $p: ${VERSION[$p]}"
    if declare -F "setup_$p" >/dev/null && ! "setup_$p" >"$WORK/setup.log" 2>&1; then
      MISSING[$p]="its setup failed"
      bad "$p: setup failed: $(tail -1 "$WORK/setup.log")"
    fi
  fi
  for c in ${SRV_CASES[$p]:-basic hrr alpn wrongca}; do client_cell $p $c; done
  for c in ${CLI_CASES[$p]:-basic hrr alpn wrongca}; do server_cell $p $c; done
done

echo "peers interop: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ] || exit 1
[ "$pass" != 0 ] || { echo "SKIP: no peer installed in $PREFIX: run ../shared/peers/install.sh"; exit 77; }
