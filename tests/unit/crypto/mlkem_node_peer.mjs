// Independent ML-KEM peer for mlkem_props_test.cpp: Node >= 24 (crypto.encapsulate / decapsulate, on
// OpenSSL >= 3.5). Prints "name=hex" lines.
//   node mlkem_node_peer.mjs gen ml-kem-768
//     a fresh key pair: seed (d || z, 64 octets), ek, dk (the expanded key from the PKCS#8 encoding), and
//     ct / ss: an encapsulation to that key
//   node mlkem_node_peer.mjs peer ml-kem-768 SEED_HEX EK_HEX PEER_EK_HEX PEER_CT_HEX
//     with the key pair (SEED, EK) from gen: ss_dec = decapsulate(PEER_CT), and ct / ss = encapsulate(PEER_EK)
import crypto from 'node:crypto';

const [mode, alg, ...args] = process.argv.slice(2);
const ALG = alg.toUpperCase();  // 'ML-KEM-768', the JWK "alg"
const out = (name, buf) => process.stdout.write(`${name}=${Buffer.from(buf).toString('hex')}\n`);
const b64u = (hex) => Buffer.from(hex, 'hex').toString('base64url');

if (mode === 'gen') {
  const { publicKey, privateKey } = crypto.generateKeyPairSync(alg);
  const jwk = privateKey.export({ format: 'jwk' });
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  // OpenSSL's default ML-KEM PKCS#8 form: SEQUENCE { OCTET STRING seed(64), OCTET STRING expandedKey }.
  const seed = Buffer.from(jwk.priv, 'base64url');
  const at = pkcs8.indexOf(seed);
  if (seed.length !== 64 || at < 0 || pkcs8[at + 64] !== 0x04 || pkcs8[at + 65] !== 0x82)
    throw new Error('unexpected PKCS#8 layout');
  const dkLen = pkcs8.readUInt16BE(at + 66);
  out('seed', seed);
  out('ek', Buffer.from(jwk.pub, 'base64url'));
  out('dk', pkcs8.subarray(at + 68, at + 68 + dkLen));
  const { sharedKey, ciphertext } = crypto.encapsulate(publicKey);
  out('ct', ciphertext);
  out('ss', sharedKey);
} else if (mode === 'peer') {
  const [seedHex, ekHex, peerEkHex, peerCtHex] = args;
  const priv = crypto.createPrivateKey({ key: { kty: 'AKP', alg: ALG, priv: b64u(seedHex), pub: b64u(ekHex) },
    format: 'jwk' });
  out('ss_dec', crypto.decapsulate(priv, Buffer.from(peerCtHex, 'hex')));
  const pub = crypto.createPublicKey({ key: { kty: 'AKP', alg: ALG, pub: b64u(peerEkHex) }, format: 'jwk' });
  const { sharedKey, ciphertext } = crypto.encapsulate(pub);
  out('ct', ciphertext);
  out('ss', sharedKey);
} else {
  throw new Error(`unknown mode ${mode}`);
}

