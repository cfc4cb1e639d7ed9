#!/usr/bin/env bash
# Regenerates the test PKI (committed; rerun only to change it). Every certificate but server-expired.pem
# is valid for 7300 days from the day it was made (see `openssl x509 -dates`); tests inject times inside
# and outside that window (OpenSSL 3.0's x509 command cannot set explicit dates).
#   ca.pem (root, P-256) -> int.pem (intermediate, P-256) -> server-ecdsa.pem (localhost, 127.0.0.1, ::1)
#   ca.pem -> server-rsa.pem (RSA 2048, localhost) ; ca.pem -> server-ed25519.pem (localhost)
#   ca.pem -> client.pem (clientAuth, P-256) ; other-ca.pem (an unrelated root)
#   ca.pem -> server-expired.pem (P-256, localhost, 127.0.0.1; valid only for the first second of ca.pem's
#             validity, so expired wherever the rest is valid). `./make.sh expired` remakes only this one.
set -euo pipefail
cd "$(dirname "$0")"
days_args=(-days 7300)
ext() { printf '%s\n' "$@" > ext.cnf; }
mkcert() { # name issuer_cert issuer_key key_args... -- extensions...
  local name=$1 icert=$2 ikey=$3; shift 3
  openssl genpkey "${KEYARGS[@]}" -out "$name-key.pem" 2>/dev/null
  openssl req -new -key "$name-key.pem" -subj "/CN=$name" -out "$name.csr"
  openssl x509 -req -in "$name.csr" -CA "$icert" -CAkey "$ikey" -set_serial "0x$(openssl rand -hex 8)" \
    -extfile ext.cnf "${days_args[@]}" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr"
}
# server-expired.pem through `openssl ca`: OpenSSL 3.0's `x509 -req` cannot set explicit dates.
expired() {
  local t start
  t=$(mktemp -d)
  start=$(date -u -d "$(openssl x509 -in ca.pem -noout -startdate | cut -d= -f2)" +%s)
  printf '%s\n' "[ca]" "default_ca=ca_sect" "[ca_sect]" "database=$t/index.txt" "new_certs_dir=$t" \
    "serial=$t/serial" "default_md=sha256" "policy=pol" "[pol]" "commonName=supplied" > "$t/ca.cnf"
  : > "$t/index.txt"
  openssl rand -hex 8 > "$t/serial"
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" > "$t/ext.cnf"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server-expired-key.pem
  openssl req -new -key server-expired-key.pem -subj /CN=server-expired -out "$t/req.csr"
  openssl ca -batch -config "$t/ca.cnf" -cert ca.pem -keyfile ca-key.pem -in "$t/req.csr" -notext \
    -startdate "$(date -u -d "@$start" +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d "@$((start + 1))" +%Y%m%d%H%M%SZ)" \
    -extfile "$t/ext.cnf" -out server-expired.pem 2>/dev/null
  rm -rf "$t"
}
if [ "${1:-}" = expired ]; then expired; exit 0; fi
root() { # name
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1-key.pem"
  openssl req -new -x509 -key "$1-key.pem" -subj "/CN=$1 Test Root" -days 7300 -set_serial 1 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem"
}
root ca
root other-ca
KEYARGS=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256)
ext "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign"
mkcert int ca.pem ca-key.pem
ext "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:localhost,DNS:*.example.test,IP:127.0.0.1,IP:::1"
mkcert server-ecdsa int.pem int-key.pem
cat server-ecdsa.pem int.pem > server-ecdsa-chain.pem
ext "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1"
KEYARGS=(-algorithm RSA -pkeyopt rsa_keygen_bits:2048)
mkcert server-rsa ca.pem ca-key.pem
KEYARGS=(-algorithm ED25519)
ext "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:localhost,IP:127.0.0.1"
mkcert server-ed25519 ca.pem ca-key.pem
KEYARGS=(-algorithm EC -pkeyopt ec_paramgen_curve:P-384)
ext "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:localhost,IP:127.0.0.1"
mkcert server-p384 ca.pem ca-key.pem
KEYARGS=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256)
ext "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth" \
    "subjectAltName=DNS:client.test"
mkcert client ca.pem ca-key.pem
expired
rm -f ext.cnf ca.srl int.srl
