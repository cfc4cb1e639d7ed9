// Hybrid ML-KEM + ECDH key exchange (draft-ietf-tls-ecdhe-mlkem): X25519MLKEM768 (0x11EC),
// SecP256r1MLKEM768 (0x11EB) and SecP384r1MLKEM1024 (0x11ED). The client's share is an ML-KEM
// encapsulation key plus an ECDH share; the server encapsulates to that key and answers with the
// ciphertext plus its own ECDH share. X25519MLKEM768 puts the ML-KEM part first in shares and in
// the shared secret; the two NIST-curve groups put the ECDH part first (draft §3.1).
#pragma once

#include <memory>

#include "crypto/mlkem.hpp"
#include "tls13/crypto_provider.hpp"

namespace tls13::crypto {

bool hybrid_supported(named_group g) noexcept;
// The ECDH half of a hybrid group (x25519, secp256r1, secp384r1); `g` itself when it is not hybrid.
named_group hybrid_ecdh_group(named_group g) noexcept;

struct hybrid_share_sizes {
  std::size_t client, server, secret;
};
// Zeroes for a group that is not hybrid.
hybrid_share_sizes hybrid_sizes(named_group g) noexcept;

// Client side: a fresh ML-KEM key pair and ECDH key pair from libcrypto's DRBG. The ML-KEM decapsulation
// key is kept expanded (mlkem::decapsulation_key) until complete() decapsulates with it and wipes it.
result<std::unique_ptr<key_exchange>> generate_hybrid_key_exchange(named_group g);
// Makes the next generate_hybrid_key_exchange(g) on this thread cheap: the whole client share (ML-KEM
// and ECDH key pairs) computed now and kept as the thread's spare (crypto/spare_keys.hpp). Does
// nothing for a group that is not hybrid, when a spare is there already, or on failure.
void prepare_hybrid_key_exchange(named_group g) noexcept;
// Server side: encapsulate to the client's key and answer its ECDH share. A malformed client share
// (wrong length, encapsulation key failing the FIPS 203 §7.2 check, bad ECDH point): illegal_parameter.
// The answer's ECDH derive waits for key_answer::finish() (a ServerHello may leave first); a
// small-order X25519 part is refused there. respond_ derives at once.
result<std::unique_ptr<key_answer>> answer_hybrid_key_exchange(named_group g, bytes client_share);
result<server_share> respond_hybrid_key_exchange(named_group g, bytes client_share);

// Deterministic variants for test vectors: the ML-KEM seeds (d, z) or message m, and the ECDH key
// pair to use (from tls13::key_exchange_from_private). Never for real handshakes.
result<std::unique_ptr<key_exchange>> hybrid_key_exchange_from_seeds(named_group g, bytes d, bytes z,
                                                                     std::unique_ptr<key_exchange> ecdh);
result<server_share> respond_hybrid_key_exchange_with(named_group g, bytes client_share, bytes m,
                                                      std::unique_ptr<key_exchange> ecdh);

}  // namespace tls13::crypto
