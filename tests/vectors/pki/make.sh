#!/usr/bin/env bash
# Regenerates the test PKI (committed; rerun only to change it). Every certificate is valid for
# 7300 days from the day it was made (see `openssl x509 -dates`); tests inject times inside and
# outside that window (OpenSSL 3.0's x509 command cannot set explicit dates).
#   ca.pem (root, P-256) -> int.pem (intermediate, P-256) -> server-ecdsa.pem (localhost, 127.0.0.1, ::1)
#   ca.pem -> server-rsa.pem (RSA 2048, localhost) ; ca.pem -> server-ed25519.pem (localhost)
#   ca.pem -> client.pem (clientAuth, P-256) ; other-ca.pem (an unrelated root)
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
rm -f ext.cnf ca.srl int.srl
