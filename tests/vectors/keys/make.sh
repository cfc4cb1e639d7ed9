#!/bin/sh
# Regenerates the test keys in this directory with the OpenSSL 3 command line tool.
# These are TEST keys only: they are public, never use them for anything else.
set -eu
cd "$(dirname "$0")"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pem
openssl pkey -in rsa2048.pem -traditional -out rsa2048-traditional.pem   # "BEGIN RSA PRIVATE KEY"
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out rsapss2048.pem
# RSASSA-PSS key restricted (RFC 4055 parameters) to SHA-384, MGF1-SHA-384, salt >= 48.
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_pss_keygen_md:sha384 \
  -pkeyopt rsa_pss_keygen_mgf1_md:sha384 -pkeyopt rsa_pss_keygen_saltlen:48 -out rsapss2048-sha384.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem
openssl pkey -in p256.pem -traditional -out p256-sec1.pem                 # "BEGIN EC PRIVATE KEY"
openssl pkey -in p256.pem -outform DER -out p256.der                      # PKCS#8 DER
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pem
openssl genpkey -algorithm ED25519 -out ed25519.pem
# Keys that must be refused: too small, unsupported curve, encrypted (no passphrase prompt).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.pem
openssl pkey -in p256.pem -aes256 -passout pass:test -out p256-encrypted.pem
chmod 644 ./*.pem ./*.der
