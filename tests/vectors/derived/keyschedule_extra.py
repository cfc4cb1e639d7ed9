#!/usr/bin/env python3
"""Expected values for the key-schedule tests that RFC 8448 does not cover: KeyUpdate ("traffic upd",
RFC 8446 §7.2), TLS-Exporter (§7.5) and a full SHA-384 schedule (RFC 8448 is SHA-256 only).

Independent of the C++ code: HKDF is written out from RFC 5869 with Python's hmac/hashlib, and the
TLS 1.3 functions from RFC 8446 §7.1/§7.3/§7.5/§4.4.4/§4.6.1. Secrets that come from RFC 8448 are read
from ../rfc/rfc8448-traces.json, not copied.

Regenerate with:  python3 tests/vectors/derived/keyschedule_extra.py > tests/vectors/derived/keyschedule-extra.json
"""
import hashlib
import hmac
import json
import os

HASHES = {"sha256": hashlib.sha256, "sha384": hashlib.sha384}


def hkdf_extract(h, salt, ikm):
    if not salt:
        salt = bytes(h().digest_size)
    return hmac.new(salt, ikm, h).digest()


def hkdf_expand(h, prk, info, length):
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), h).digest()
        out += t
        i += 1
    return out[:length]


def hkdf_expand_label(h, secret, label, context, length):
    full = b"tls13 " + label
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + bytes([len(context)]) + context
    return hkdf_expand(h, secret, info, length)


def derive_secret(h, secret, label, transcript_hash):
    return hkdf_expand_label(h, secret, label, transcript_hash, h().digest_size)


def empty_hash(h):
    return h(b"").digest()


def traffic_keys(h, secret, key_len):
    return {"key": hkdf_expand_label(h, secret, b"key", b"", key_len).hex(),
            "iv": hkdf_expand_label(h, secret, b"iv", b"", 12).hex()}


def tls_exporter(h, secret, label, context, length):
    per_label = derive_secret(h, secret, label, empty_hash(h))
    return hkdf_expand_label(h, per_label, b"exporter", h(context).digest(), length)


def trace_value(section, actor, step, name):
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "rfc", "rfc8448-traces.json")) as f:
        doc = json.load(f)
    for s in doc["sections"]:
        if s["section"] != section:
            continue
        for st in s["steps"]:
            if st["actor"] == actor and st["step"] == step:
                for v in st["values"]:
                    if v["name"] == name:
                        return bytes.fromhex(v["hex"])
    raise KeyError((section, actor, step, name))


def key_updates(h, start, key_len, generations):
    out, s = [], start
    for _ in range(generations):
        s = hkdf_expand_label(h, s, b"traffic upd", b"", h().digest_size)
        out.append({"secret": s.hex(), **traffic_keys(h, s, key_len)})
    return out


def key_update_cases():
    sha256 = hashlib.sha256
    s_ap = trace_value(3, "server", 'derive secret "tls13 s ap traffic"', "expanded")
    c_ap = trace_value(3, "server", 'derive secret "tls13 c ap traffic"', "expanded")
    synthetic384 = bytes(range(48))
    return [
        {"name": "rfc8448-s3-server-ap", "hash": "sha256", "aead": "aes_128_gcm", "secret": s_ap.hex(),
         "generations": key_updates(sha256, s_ap, 16, 3)},
        {"name": "rfc8448-s3-client-ap", "hash": "sha256", "aead": "chacha20_poly1305", "secret": c_ap.hex(),
         "generations": key_updates(sha256, c_ap, 32, 2)},
        {"name": "synthetic-sha384", "hash": "sha384", "aead": "aes_256_gcm", "secret": synthetic384.hex(),
         "generations": key_updates(hashlib.sha384, synthetic384, 32, 2)},
    ]


def exporter_cases():
    sha256 = hashlib.sha256
    exp = trace_value(3, "server", 'derive secret "tls13 exp master"', "expanded")
    early = trace_value(4, "client", 'derive secret "tls13 e exp master"', "expanded")
    cases = []
    for which, secret in (("exporter", exp), ("early_exporter", early)):
        for label, context, length in ((b"EXPORTER-tls13-test", b"context value", 32),
                                       (b"EXPORTER-tls13-test", b"", 32),
                                       (b"EXPORTER-long-output", b"\x00\x01\x02", 80),
                                       (b"x", b"", 1)):
            cases.append({"secret_kind": which, "hash": "sha256", "secret": secret.hex(),
                          "label": label.decode(), "context": context.hex(), "length": length,
                          "output": tls_exporter(sha256, secret, label, context, length).hex()})
    return cases


def sha384_schedule():
    """A whole PSK + (EC)DHE schedule with SHA-384, AES-256-GCM, synthetic inputs."""
    h = hashlib.sha384
    zeros = bytes(48)
    psk = h(b"external psk").digest()
    ecdhe = bytes(range(64))  # hybrid-sized shared secret
    th = {name: h(name.encode()).digest() for name in
          ("truncated ClientHello", "ClientHello", "ClientHello..ServerHello",
           "ClientHello..server CertificateVerify", "ClientHello..server Finished",
           "ClientHello..client CertificateVerify", "ClientHello..client Finished")}
    early = hkdf_extract(h, zeros, psk)
    binder_key = derive_secret(h, early, b"ext binder", empty_hash(h))
    binder_fk = hkdf_expand_label(h, binder_key, b"finished", b"", 48)
    c_e = derive_secret(h, early, b"c e traffic", th["ClientHello"])
    e_exp = derive_secret(h, early, b"e exp master", th["ClientHello"])
    derived1 = derive_secret(h, early, b"derived", empty_hash(h))
    hs = hkdf_extract(h, derived1, ecdhe)
    hs_psk_only = hkdf_extract(h, derived1, zeros)
    c_hs = derive_secret(h, hs, b"c hs traffic", th["ClientHello..ServerHello"])
    s_hs = derive_secret(h, hs, b"s hs traffic", th["ClientHello..ServerHello"])
    derived2 = derive_secret(h, hs, b"derived", empty_hash(h))
    ms = hkdf_extract(h, derived2, zeros)
    c_ap = derive_secret(h, ms, b"c ap traffic", th["ClientHello..server Finished"])
    s_ap = derive_secret(h, ms, b"s ap traffic", th["ClientHello..server Finished"])
    exp = derive_secret(h, ms, b"exp master", th["ClientHello..server Finished"])
    res = derive_secret(h, ms, b"res master", th["ClientHello..client Finished"])
    nonce = bytes([0, 1])
    s_fk = hkdf_expand_label(h, s_hs, b"finished", b"", 48)
    c_fk = hkdf_expand_label(h, c_hs, b"finished", b"", 48)
    return {
        "inputs": {"psk": psk.hex(), "ecdhe": ecdhe.hex(), "ticket_nonce": nonce.hex(),
                   "transcripts": {k: v.hex() for k, v in th.items()}},
        "early_secret": early.hex(),
        "ext_binder_key": binder_key.hex(),
        "binder": hmac.new(binder_fk, th["truncated ClientHello"], h).digest().hex(),
        "client_early_traffic_secret": c_e.hex(),
        "early_exporter_master_secret": e_exp.hex(),
        "handshake_secret": hs.hex(),
        "handshake_secret_psk_only": hs_psk_only.hex(),
        "client_handshake_traffic_secret": c_hs.hex(),
        "server_handshake_traffic_secret": s_hs.hex(),
        "server_handshake_keys": traffic_keys(h, s_hs, 32),
        "server_finished_key": s_fk.hex(),
        "server_verify_data":
            hmac.new(s_fk, th["ClientHello..server CertificateVerify"], h).digest().hex(),
        "client_verify_data":
            hmac.new(c_fk, th["ClientHello..client CertificateVerify"], h).digest().hex(),
        "master_secret": ms.hex(),
        "client_application_traffic_secret_0": c_ap.hex(),
        "server_application_traffic_secret_0": s_ap.hex(),
        "client_application_keys": traffic_keys(h, c_ap, 32),
        "exporter_master_secret": exp.hex(),
        "resumption_master_secret": res.hex(),
        "resumption_psk": hkdf_expand_label(h, res, b"resumption", nonce, 48).hex(),
    }


def self_check():
    """The Python functions reproduce RFC 8448 §3 before anything new is derived with them."""
    sha256 = hashlib.sha256
    early = hkdf_extract(sha256, b"", bytes(32))
    assert early == trace_value(3, "server", 'extract secret "early"', "secret")
    derived = derive_secret(sha256, early, b"derived", empty_hash(sha256))
    assert derived == trace_value(3, "server", 'derive secret for handshake "tls13 derived"', "expanded")
    ms = trace_value(3, "server", 'extract secret "master"', "secret")
    s_ap = trace_value(3, "server", 'derive secret "tls13 s ap traffic"', "expanded")
    th = trace_value(3, "server", 'derive secret "tls13 s ap traffic"', "hash")
    assert derive_secret(sha256, ms, b"s ap traffic", th) == s_ap
    keys = traffic_keys(sha256, s_ap, 16)
    step = "derive write traffic keys for application data"
    assert keys["key"] == trace_value(3, "server", step, "key expanded").hex()
    assert keys["iv"] == trace_value(3, "server", step, "iv expanded").hex()


def main():
    self_check()
    doc = {"generator": "tests/vectors/derived/keyschedule_extra.py",
           "key_update": key_update_cases(),
           "exporter": exporter_cases(),
           "sha384_schedule": sha384_schedule()}
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
