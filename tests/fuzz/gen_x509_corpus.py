#!/usr/bin/env python3
# Regenerates tests/fuzz/corpus/x509/ (the seeds of fuzz_x509) from the committed test PKI, with an OCSP
# response for server-rsa.pem made by `openssl ocsp` (valid for ten years from the day it is run).
# Usage: python3 tests/fuzz/gen_x509_corpus.py [repo root]   (input format: see fuzz_x509.cpp)
import os, subprocess, sys, tempfile
root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
pki = os.path.join(root, 'tests/vectors/pki')
out = os.path.join(root, 'tests/fuzz/corpus/x509')
def run(*args): return subprocess.run(args, check=True, capture_output=True).stdout
def ders(name):  # every certificate of a PEM file, as DER
    text, certs = open(os.path.join(pki, name)).read(), []
    for block in text.split('-----END CERTIFICATE-----')[:-1]:
        pem = block[block.index('-----BEGIN'):] + '-----END CERTIFICATE-----\n'
        certs.append(subprocess.run(['openssl', 'x509', '-outform', 'DER'], input=pem.encode(), check=True,
                                    capture_output=True).stdout)
    return certs
def rec(b, ocsp=False): return bytes([(len(b) >> 8) | (0x80 if ocsp else 0), len(b) & 255]) + b
def seed(flags, certs, ocsp=None): return bytes([flags]) + b''.join(rec(c) for c in certs) + (rec(ocsp, True) if ocsp else b'')
with tempfile.TemporaryDirectory() as t:
    cert, ca = os.path.join(pki, 'server-rsa.pem'), os.path.join(pki, 'ca.pem')
    serial = run('openssl', 'x509', '-in', cert, '-noout', '-serial').decode().strip().split('=')[1]
    open(os.path.join(t, 'index.txt'), 'w').write('V\t491231235959Z\t\t%s\tunknown\t/CN=server-rsa\n' % serial)
    run('openssl', 'ocsp', '-issuer', ca, '-cert', cert, '-reqout', os.path.join(t, 'req.der'), '-no_nonce')
    run('openssl', 'ocsp', '-index', os.path.join(t, 'index.txt'), '-CA', ca, '-rsigner', ca, '-rkey',
        os.path.join(pki, 'ca-key.pem'), '-reqin', os.path.join(t, 'req.der'), '-respout', os.path.join(t, 'resp.der'),
        '-ndays', '3650')
    resp = open(os.path.join(t, 'resp.der'), 'rb').read()
seeds = {
    'ecdsa-chain': seed(0, ders('server-ecdsa-chain.pem')),
    'ecdsa-chain-ip': seed(2, ders('server-ecdsa-chain.pem')),
    'rsa-stapled': seed(4, ders('server-rsa.pem'), resp),
    'rsa-stapled-hard': seed(8, ders('server-rsa.pem'), resp),
    'ed25519': seed(0, ders('server-ed25519.pem')),
    'p384': seed(0, ders('server-p384.pem')),
    'client': seed(1, ders('client.pem')),
    'expired': seed(0, ders('server-expired.pem')),
    'unknown-root': seed(0, ders('other-ca.pem') + ders('int.pem')),
    'pem-text': bytes([16]) + open(os.path.join(pki, 'server-ecdsa-chain.pem'), 'rb').read(),
}
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    open(os.path.join(out, name), 'wb').write(data)
print('wrote %d seeds to %s' % (len(seeds), out))
