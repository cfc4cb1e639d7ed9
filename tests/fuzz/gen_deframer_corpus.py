#!/usr/bin/env python3
# Regenerates tests/fuzz/corpus/deframer/ (the seeds of fuzz_deframer) from the RFC 8448 traces.
# Usage: python3 tests/fuzz/gen_deframer_corpus.py [repo root]   (input format: see fuzz_deframer.cpp)
import json, os, sys
root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
d = json.load(open(os.path.join(root, 'tests/vectors/rfc/rfc8448-traces.json')))
def recs(section, actor, kind):
    out = []
    for s in d['sections']:
        if s['section'] != section: continue
        for st in s['steps']:
            if st['actor'] == actor and st['step'] == 'send %s record' % kind:
                v = {x['name']: bytes.fromhex(x['hex']) for x in st['values'] if 'hex' in x}
                out.append((v['payload'], v['complete record']))
    return out
def hdr(t, n): return bytes([t, 3, 3, n >> 8, n & 255])
def item(t, content=b'', pad=0, filler=None):
    if filler is not None: return bytes([t, 0x80 | (filler[0] >> 8), filler[0] & 255, pad, filler[1]])
    return bytes([t, len(content) >> 8, len(content) & 255, pad]) + content
def flags(sel, chunk=1, synth=False): return bytes([sel | (4 if synth else 0) | ((chunk - 1) << 3)])

ch, sh = recs(3, 'client', 'handshake')[0], recs(3, 'server', 'handshake')[0]
srv_hs = recs(3, 'server', 'handshake')[1]
nst = recs(3, 'server', 'handshake')[2]
s_app, s_alert = recs(3, 'server', 'application_data')[0], recs(3, 'server', 'alert')[0]
c_app, c_alert = recs(3, 'client', 'application_data')[0], recs(3, 'client', 'alert')[0]
sh7, ccs7 = recs(7, 'server', 'handshake')[0], recs(7, 'server', 'change_cipher_spec')[0]
chp = ch[0]
bad_tag = bytearray(nst[1]); bad_tag[-1] ^= 0x01
seeds = {
  'rfc8448-client-hello': flags(0) + ch[1],
  'rfc8448-server-hello': flags(0, 4) + sh[1],
  'rfc8448-compat-sh-ccs': flags(0, 8) + sh7[1] + ccs7[1],
  'rfc8448-server-encrypted-flight': flags(1, 32) + srv_hs[1],
  'rfc8448-server-nst-data-alert': flags(2, 16) + nst[1] + s_app[1] + s_alert[1],
  'rfc8448-client-data-alert': flags(3, 3) + c_app[1] + c_alert[1],
  'ccs-then-encrypted-flight': flags(1, 5) + ccs7[1] + srv_hs[1],
  'client-hello-in-3-fragments': flags(0, 2) + hdr(22, 1) + chp[:1] + hdr(22, 50) + chp[1:51] + hdr(22, len(chp) - 51) + chp[51:],
  'two-messages-one-record': flags(0) + hdr(22, len(chp) + len(sh[0])) + chp + sh[0],
  'empty-handshake-record': flags(0) + hdr(22, 0),
  'plaintext-overflow-header': flags(0) + hdr(22, 0x4001) + b'\x01\x00\x00\x00',
  'truncated-header': flags(1) + bytes(nst[1][:3]),
  'bad-tag': flags(2) + bytes(bad_tag),
  'unknown-content-type': flags(0) + hdr(0x18, 2) + b'\x01\x00',
  'message-over-cap': flags(0) + hdr(22, 4) + b'\x0b\x01\x00\x00',
  'synth-data-padded-handshake-alert': flags(1, 7, True) + item(23, b'hello') + item(22, b'\x14\x00\x00\x02ab', 10) + item(21, b'\x01\x00'),
  'synth-all-zero-inner': flags(2, 1, True) + item(0, b'\x00\x00\x00', 4),
  'synth-encrypted-ccs': flags(1, 1, True) + item(20, b'\x01'),
  'synth-max-then-overflow': flags(3, 32, True) + item(23, filler=(16384, 0x61)) + item(23, filler=(16385, 0x62)),
  'synth-padding-over-limit': flags(1, 9, True) + item(23, filler=(16384, 0x61), pad=1),
  'synth-padded-below-limit': flags(2, 32, True) + item(23, filler=(16000, 0x63), pad=255) + item(21, b'\x01\x00', 200),
  'synth-plain-ccs-then-protected': flags(2, 2, True) + item(0x80 | 20, b'\x01') + item(22, b'\x14\x00\x00\x01z'),
  'synth-keyless-fragments': flags(0, 1, True) + item(22, b'\x08\x00') + item(22, b'\x00\x02') + item(22, b'\x00\x00'),
  'synth-empty-protected-handshake': flags(1, 1, True) + item(22, b'', 3),
}
out = os.path.join(root, 'tests/fuzz/corpus/deframer')
for name, data in seeds.items():
    open(os.path.join(out, name), 'wb').write(data)
print(len(seeds), 'seeds')
