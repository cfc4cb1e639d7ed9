#!/usr/bin/env python3
# Derives the X25519 u encodings (bit 255 masked, RFC 7748 §5) whose X25519 result is all zero for every
# scalar: the points of small order on Curve25519 (order | 8) and its quadratic twist (order | 4).
# lib/crypto/kx.cpp (x25519_small_order) holds what this prints; KeyExchange.WycheproofX25519 checks the
# table against every Wycheproof vector. Run: python3 tests/vectors/derived/x25519_small_order.py
import random
p = 2**255 - 19
l = 2**252 + 27742317777372353535851937790883648493   # curve order = 8*l
twist = 2 * (p + 1) - 8 * l                           # twist order = 4 * (odd prime)
assert twist % 4 == 0 and (twist // 4) % 2 == 1
def x25519(k, u):  # RFC 7748 §5 ladder without clamping; infinity comes out as 0
    x1, x2, z2, x3, z3, swap = u, 1, 0, u, 1, 0
    for t in reversed(range(max(k.bit_length(), 1))):
        kt = (k >> t) & 1
        swap ^= kt
        if swap: x2, x3, z2, z3 = x3, x2, z3, z2
        swap = kt
        a = (x2 + z2) % p; aa = a * a % p; b = (x2 - z2) % p; bb = b * b % p; e = (aa - bb) % p
        c = (x3 + z3) % p; d = (x3 - z3) % p; da = d * a % p; cb = c * b % p
        x3 = (da + cb) ** 2 % p; z3 = x1 * (da - cb) ** 2 % p
        x2 = aa * bb % p; z2 = e * (aa + 121665 * e) % p
    if swap: x2, x3, z2, z3 = x3, x2, z3, z2
    return x2 * pow(z2, p - 2, p) % p
def on_curve(u): return pow((u**3 + 486662 * u * u + u) % p, (p - 1) // 2, p) != p - 1
random.seed(1)
small = {0}
for _ in range(300):  # odd-order part killed: what is left has order | 8 (curve) or | 4 (twist)
    u = random.randrange(2, p)
    small.add(x25519(l if on_curve(u) else twist // 4, u))
def clamp(k): return (k & ~7 & ~(1 << 255)) | (1 << 254)
for u in small:
    assert all(x25519(clamp(random.getrandbits(256)), u) == 0 for _ in range(4))
assert x25519(clamp(random.getrandbits(256)), 9) != 0
enc = sorted({v for u in small for v in (u, u + p) if v < 2**255})
for v in enc: print(v.to_bytes(32, 'little').hex(), 'canonical' if v < p else 'u+p')
