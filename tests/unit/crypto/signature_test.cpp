// Signatures through tls13::public_key / tls13::private_key: Wycheproof ECDSA P-256/P-384,
// RSA-PSS, RSA PKCS#1 v1.5 and Ed25519 verification; sign->verify round trips for every signing
// scheme; refusals (rsa_pkcs1 signing, scheme/key mismatch, weak or unsupported keys); and the
// RFC 8448 §3 server CertificateVerify checked against the key in the trace's certificate.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <iterator>

#include "crypto/hash.hpp"
#include "rfc8448.hpp"
#include "test_support.hpp"
#include "tls13/errors.hpp"
#include "tls13/keys.hpp"

namespace tls13 {
namespace {

using test::byte_vec;
using test::hex;
using test::unhex;
using test::view;

const std::error_code decrypt_error = make_error_code(protocol_errc::decrypt_error);
const std::error_code illegal_parameter = make_error_code(protocol_errc::illegal_parameter);

std::string read_text(const std::string& rel) {
  std::ifstream f(test::vector_path(rel), std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + rel);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::string case_id(const nlohmann::json& t) {
  return "tc " + std::to_string(t["tcId"].get<int>()) + " (" + t["comment"].get<std::string>() + ")";
}

struct sig_counts {
  int accepted = 0;
  int rejected = 0;
};

// Runs every case of a Wycheproof verify file with `scheme`; `key_field` names the group's SPKI.
sig_counts run_verify_file(const char* file, signature_scheme scheme, key_kind expected_kind) {
  auto j = test::load_json(file);
  sig_counts n;
  for (auto& g : j["testGroups"]) {
    const auto spki = unhex(g["publicKeyDer"].get<std::string>());
    auto pk = public_key::from_spki_der(view(spki));
    EXPECT_TRUE(pk) << file << ": " << pk.error().message();
    if (!pk) continue;
    EXPECT_EQ(pk->kind(), expected_kind);
    EXPECT_TRUE(pk->can_verify(scheme));
    for (auto& t : g["tests"]) {
      const auto msg = unhex(t["msg"].get<std::string>());
      const auto sig = unhex(t["sig"].get<std::string>());
      auto r = pk->verify(scheme, view(msg), view(sig));
      if (t["result"] == "valid") {
        EXPECT_TRUE(r) << case_id(t) << ": " << r.error().message();
      } else if (t["result"] == "invalid") {
        EXPECT_FALSE(r) << case_id(t) << " must be rejected";
        if (!r) {
          EXPECT_EQ(r.error(), decrypt_error) << case_id(t);
        }
      } else if (!r) {  // acceptable: either outcome
        EXPECT_EQ(r.error(), decrypt_error) << case_id(t);
      }
      ++(r ? n.accepted : n.rejected);
    }
  }
  return n;
}

TEST(SignatureWycheproof, EcdsaP256Sha256) {
  auto n = run_verify_file("wycheproof/ecdsa_secp256r1_sha256_test.json",
                           signature_scheme::ecdsa_secp256r1_sha256, key_kind::ec_p256);
  EXPECT_GT(n.accepted, 50);
  EXPECT_GT(n.rejected, 300);
}

TEST(SignatureWycheproof, EcdsaP384Sha384) {
  auto n = run_verify_file("wycheproof/ecdsa_secp384r1_sha384_test.json",
                           signature_scheme::ecdsa_secp384r1_sha384, key_kind::ec_p384);
  EXPECT_GT(n.accepted, 50);
  EXPECT_GT(n.rejected, 300);
}

TEST(SignatureWycheproof, RsaPssRsaeSha256) {
  // The file's parameters must be the ones rsa_pss_rsae_sha256 fixes: MGF1-SHA-256, 32-octet salt.
  auto j = test::load_json("wycheproof/rsa_pss_2048_sha256_mgf1_32_test.json");
  for (auto& g : j["testGroups"]) {
    ASSERT_EQ(g["sha"], "SHA-256");
    ASSERT_EQ(g["mgfSha"], "SHA-256");
    ASSERT_EQ(g["sLen"], 32);
  }
  auto n = run_verify_file("wycheproof/rsa_pss_2048_sha256_mgf1_32_test.json",
                           signature_scheme::rsa_pss_rsae_sha256, key_kind::rsa);
  EXPECT_GT(n.accepted, 50);
  EXPECT_GT(n.rejected, 40);
}

TEST(SignatureWycheproof, RsaPkcs1Sha256) {
  auto n = run_verify_file("wycheproof/rsa_signature_2048_sha256_test.json",
                           signature_scheme::rsa_pkcs1_sha256, key_kind::rsa);
  EXPECT_GT(n.accepted, 5);
  EXPECT_GT(n.rejected, 200);
}

TEST(SignatureWycheproof, Ed25519) {
  auto n = run_verify_file("wycheproof/ed25519_test.json", signature_scheme::ed25519, key_kind::ed25519);
  EXPECT_GT(n.accepted, 80);
  EXPECT_GT(n.rejected, 50);
}

// ---- round trips with the keys in tests/vectors/keys ----

struct key_file {
  const char* path;
  key_kind kind;
  std::vector<signature_scheme> schemes;
};

const std::vector<key_file>& key_files() {
  using s = signature_scheme;
  static const std::vector<key_file> files = {
      {"keys/rsa2048.pem",
       key_kind::rsa,
       {s::rsa_pss_rsae_sha256, s::rsa_pss_rsae_sha384, s::rsa_pss_rsae_sha512}},
      {"keys/rsa2048-traditional.pem",
       key_kind::rsa,
       {s::rsa_pss_rsae_sha256, s::rsa_pss_rsae_sha384, s::rsa_pss_rsae_sha512}},
      {"keys/rsapss2048.pem",
       key_kind::rsa_pss,
       {s::rsa_pss_pss_sha256, s::rsa_pss_pss_sha384, s::rsa_pss_pss_sha512}},
      {"keys/p256.pem", key_kind::ec_p256, {s::ecdsa_secp256r1_sha256}},
      {"keys/p256-sec1.pem", key_kind::ec_p256, {s::ecdsa_secp256r1_sha256}},
      {"keys/p384.pem", key_kind::ec_p384, {s::ecdsa_secp384r1_sha384}},
      {"keys/ed25519.pem", key_kind::ed25519, {s::ed25519}},
  };
  return files;
}

// Signs with every scheme the key offers and checks the public half accepts exactly that.
void round_trip(const private_key& key, const std::vector<signature_scheme>& expected) {
  EXPECT_EQ(key.schemes(), expected);
  auto pub = key.public_part();
  ASSERT_TRUE(pub) << pub.error().message();
  EXPECT_EQ(pub->kind(), key.kind());
  EXPECT_TRUE(key.matches(*pub));
  auto spki = pub->spki_der();
  ASSERT_TRUE(spki);
  auto reparsed = public_key::from_spki_der(view(*spki));
  ASSERT_TRUE(reparsed);
  const byte_vec msg = unhex("00112233445566778899aabbccddeeff");
  byte_vec other = msg;
  other[0] ^= std::byte{1};
  for (auto s : expected) {
    SCOPED_TRACE(static_cast<int>(s));
    EXPECT_TRUE(key.can_sign(s));
    auto sig = key.sign(s, view(msg));
    ASSERT_TRUE(sig) << sig.error().message();
    EXPECT_TRUE(pub->verify(s, view(msg), view(*sig)));
    EXPECT_TRUE(reparsed->verify(s, view(msg), view(*sig)));
    EXPECT_EQ(pub->verify(s, view(other), view(*sig)).error(), decrypt_error);
    byte_vec bad_sig = *sig;
    bad_sig[bad_sig.size() / 2] ^= std::byte{0x40};
    EXPECT_EQ(pub->verify(s, view(msg), view(bad_sig)).error(), decrypt_error);
    EXPECT_EQ(pub->verify(s, view(msg), {}).error(), decrypt_error);
    // An empty message signs and verifies too (CertificateVerify never has one, but the API allows it).
    auto empty_sig = key.sign(s, {});
    ASSERT_TRUE(empty_sig);
    EXPECT_TRUE(pub->verify(s, {}, view(*empty_sig)));
  }
}

TEST(SignatureKeys, RoundTripEveryPemKey) {
  for (const auto& f : key_files()) {
    SCOPED_TRACE(f.path);
    auto key = private_key::from_pem(read_text(f.path));
    ASSERT_TRUE(key) << key.error().message();
    EXPECT_EQ(key->kind(), f.kind);
    round_trip(*key, f.schemes);
  }
}

TEST(SignatureKeys, RoundTripGeneratedKeys) {
  using s = signature_scheme;
  const std::pair<key_kind, std::vector<signature_scheme>> kinds[] = {
      {key_kind::rsa, {s::rsa_pss_rsae_sha256, s::rsa_pss_rsae_sha384, s::rsa_pss_rsae_sha512}},
      {key_kind::rsa_pss, {s::rsa_pss_pss_sha256, s::rsa_pss_pss_sha384, s::rsa_pss_pss_sha512}},
      {key_kind::ec_p256, {s::ecdsa_secp256r1_sha256}},
      {key_kind::ec_p384, {s::ecdsa_secp384r1_sha384}},
      {key_kind::ed25519, {s::ed25519}},
  };
  for (const auto& [kind, schemes] : kinds) {
    SCOPED_TRACE(static_cast<int>(kind));
    auto key = private_key::generate(kind);
    ASSERT_TRUE(key) << key.error().message();
    EXPECT_EQ(key->kind(), kind);
    round_trip(*key, schemes);
  }
  auto weak = private_key::generate(key_kind::rsa, 1024);
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error(), make_error_code(policy_errc::insufficient_security));
}

TEST(SignatureKeys, DerAndPemLoadTheSameKey) {
  auto pem = private_key::from_pem(read_text("keys/p256.pem"));
  const std::string der_text = read_text("keys/p256.der");
  const byte_vec der(reinterpret_cast<const std::byte*>(der_text.data()),
                     reinterpret_cast<const std::byte*>(der_text.data()) + der_text.size());
  auto from_der = private_key::from_der(view(der));
  ASSERT_TRUE(pem);
  ASSERT_TRUE(from_der) << from_der.error().message();
  auto pub = from_der->public_part();
  ASSERT_TRUE(pub);
  EXPECT_TRUE(pem->matches(*pub));
  auto file = private_key::from_pem_file(test::vector_path("keys/p256.pem"));
  ASSERT_TRUE(file);
  EXPECT_TRUE(file->matches(*pub));
  // A different key does not match.
  auto other = private_key::from_pem(read_text("keys/p384.pem"));
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->matches(*pub));
  // Trailing garbage after the DER key is refused.
  byte_vec longer = der;
  longer.push_back(std::byte{0});
  EXPECT_EQ(private_key::from_der(view(longer)).error(), make_error_code(internal_errc::invalid_argument));
}

TEST(SignatureKeys, RefusesUnusableKeys) {
  const auto invalid = make_error_code(internal_errc::invalid_argument);
  EXPECT_EQ(private_key::from_pem(read_text("keys/rsa1024.pem")).error(),
            make_error_code(policy_errc::insufficient_security));
  EXPECT_EQ(private_key::from_pem(read_text("keys/p521.pem")).error(), invalid);
  EXPECT_EQ(private_key::from_pem(read_text("keys/p256-encrypted.pem")).error(), invalid);
  EXPECT_EQ(private_key::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").error(),
            invalid);
  EXPECT_EQ(private_key::from_pem("").error(), invalid);
  EXPECT_EQ(private_key::from_der({}).error(), invalid);
  EXPECT_EQ(private_key::from_pem_file(test::vector_path("keys/missing.pem")).error(), invalid);
  // A looser policy admits the small key (test traces); its signatures still round-trip.
  auto small = private_key::from_pem(read_text("keys/rsa1024.pem"), key_policy{1024, 8192});
  ASSERT_TRUE(small) << small.error().message();
  EXPECT_EQ(small->bits(), 1024u);
}

TEST(SignatureKeys, PeerKeyPolicy) {
  const auto unsupported = make_error_code(certificate_errc::unsupported_certificate);
  for (const char* path : {"keys/rsa1024.pem", "keys/p521.pem"}) {
    SCOPED_TRACE(path);
    // The SPKI of a key we refuse: build it from the private key with libcrypto directly.
    const std::string pem = read_text(path);
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ASSERT_NE(k, nullptr);
    unsigned char* der = nullptr;
    const int n = i2d_PUBKEY(k, &der);
    ASSERT_GT(n, 0);
    auto pk = public_key::from_spki_der(as_bytes(der, static_cast<std::size_t>(n)));
    OPENSSL_free(der);
    ASSERT_FALSE(pk);
    EXPECT_EQ(pk.error(), unsupported);
    auto native = public_key::from_native(k);
    ASSERT_FALSE(native);
    EXPECT_EQ(native.error(), unsupported);
    EVP_PKEY_free(k);
  }
  EXPECT_EQ(public_key::from_spki_der(view(unhex("3000"))).error(),
            make_error_code(certificate_errc::bad_certificate));
}

TEST(SignatureKeys, SchemeAndKeyMustFit) {
  auto p256 = private_key::from_pem(read_text("keys/p256.pem"));
  auto rsa = private_key::from_pem(read_text("keys/rsa2048.pem"));
  auto pss = private_key::from_pem(read_text("keys/rsapss2048.pem"));
  ASSERT_TRUE(p256 && rsa && pss);
  const byte_vec msg = unhex("01020304");
  const auto mismatch = make_error_code(internal_errc::key_mismatch);
  const auto invalid = make_error_code(internal_errc::invalid_argument);

  // P-256 key, P-384 scheme: refused both ways.
  EXPECT_FALSE(p256->can_sign(signature_scheme::ecdsa_secp384r1_sha384));
  EXPECT_EQ(p256->sign(signature_scheme::ecdsa_secp384r1_sha384, view(msg)).error(), mismatch);
  auto sig = p256->sign(signature_scheme::ecdsa_secp256r1_sha256, view(msg));
  ASSERT_TRUE(sig);
  auto p256_pub = p256->public_part();
  ASSERT_TRUE(p256_pub);
  EXPECT_FALSE(p256_pub->can_verify(signature_scheme::ecdsa_secp384r1_sha384));
  EXPECT_EQ(p256_pub->verify(signature_scheme::ecdsa_secp384r1_sha384, view(msg), view(*sig)).error(),
            illegal_parameter);
  EXPECT_EQ(p256_pub->verify(signature_scheme::rsa_pss_rsae_sha256, view(msg), view(*sig)).error(),
            illegal_parameter);

  // rsa_pkcs1: verify-only. Signing is refused even with a fitting key.
  for (auto s : {signature_scheme::rsa_pkcs1_sha256, signature_scheme::rsa_pkcs1_sha384,
                 signature_scheme::rsa_pkcs1_sha512}) {
    EXPECT_FALSE(rsa->can_sign(s));
    EXPECT_EQ(rsa->sign(s, view(msg)).error(), invalid);
    EXPECT_FALSE(allowed_in_certificate_verify(s));
  }
  auto rsa_pub = rsa->public_part();
  ASSERT_TRUE(rsa_pub);
  EXPECT_TRUE(rsa_pub->can_verify(signature_scheme::rsa_pkcs1_sha256));

  // rsaEncryption keys sign rsae only; RSASSA-PSS keys sign pss only (RFC 8446 §4.2.3).
  EXPECT_EQ(rsa->sign(signature_scheme::rsa_pss_pss_sha256, view(msg)).error(), mismatch);
  EXPECT_EQ(pss->sign(signature_scheme::rsa_pss_rsae_sha256, view(msg)).error(), mismatch);
  EXPECT_EQ(pss->sign(signature_scheme::rsa_pkcs1_sha256, view(msg)).error(), invalid);
  auto pss_pub = pss->public_part();
  ASSERT_TRUE(pss_pub);
  EXPECT_FALSE(pss_pub->can_verify(signature_scheme::rsa_pkcs1_sha256));
  auto rsae_sig = rsa->sign(signature_scheme::rsa_pss_rsae_sha256, view(msg));
  ASSERT_TRUE(rsae_sig);
  EXPECT_EQ(pss_pub->verify(signature_scheme::rsa_pss_rsae_sha256, view(msg), view(*rsae_sig)).error(),
            illegal_parameter);
  // A PSS signature by the rsaEncryption key under the wrong hash does not verify.
  EXPECT_EQ(rsa_pub->verify(signature_scheme::rsa_pss_rsae_sha384, view(msg), view(*rsae_sig)).error(),
            decrypt_error);

  // Schemes we do not implement.
  for (auto s :
       {signature_scheme::ecdsa_secp521r1_sha512, signature_scheme::ed448, signature_scheme{0x0201}}) {
    EXPECT_EQ(p256->sign(s, view(msg)).error(), invalid);
    EXPECT_EQ(p256_pub->verify(s, view(msg), view(*sig)).error(), illegal_parameter);
    EXPECT_FALSE(allowed_in_certificate_verify(s));
  }
  EXPECT_TRUE(allowed_in_certificate_verify(signature_scheme::ed25519));
  EXPECT_TRUE(allowed_in_certificate_verify(signature_scheme::rsa_pss_pss_sha512));
}

// An RSASSA-PSS key restricted to SHA-384 (RFC 4055 parameters) signs only with that hash.
TEST(SignatureKeys, RestrictedPssKey) {
  auto key = private_key::from_pem(read_text("keys/rsapss2048-sha384.pem"));
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->kind(), key_kind::rsa_pss);
  EXPECT_EQ(key->schemes(), std::vector<signature_scheme>{signature_scheme::rsa_pss_pss_sha384});
  EXPECT_FALSE(key->can_sign(signature_scheme::rsa_pss_pss_sha256));
  const byte_vec msg = unhex("0a0b0c");
  auto sig = key->sign(signature_scheme::rsa_pss_pss_sha384, view(msg));
  ASSERT_TRUE(sig) << sig.error().message();
  auto pub = key->public_part();
  ASSERT_TRUE(pub);
  EXPECT_TRUE(pub->verify(signature_scheme::rsa_pss_pss_sha384, view(msg), view(*sig)));
  EXPECT_FALSE(pub->can_verify(signature_scheme::rsa_pss_pss_sha512));
  EXPECT_EQ(key->sign(signature_scheme::rsa_pss_pss_sha256, view(msg)).error(),
            make_error_code(internal_errc::key_mismatch));
  EXPECT_EQ(pub->verify(signature_scheme::rsa_pss_pss_sha256, view(msg), view(*sig)).error(),
            illegal_parameter);
  // The restriction survives the SPKI round trip (the parameters are in the AlgorithmIdentifier).
  auto spki = pub->spki_der();
  ASSERT_TRUE(spki);
  auto reparsed = public_key::from_spki_der(view(*spki));
  ASSERT_TRUE(reparsed);
  EXPECT_FALSE(reparsed->can_verify(signature_scheme::rsa_pss_pss_sha256));
  EXPECT_TRUE(reparsed->verify(signature_scheme::rsa_pss_pss_sha384, view(msg), view(*sig)));
}

// RFC 8448 §3: the server's CertificateVerify (rsa_pss_rsae_sha256, 1024-bit key) verifies against
// the key in its Certificate over the transcript hash; the default policy refuses that key size.
TEST(SignatureRfc8448, ServerCertificateVerify) {
  const auto ch = test::rfc8448_value(3, "client", "construct a ClientHello", "ClientHello");
  const auto sh = test::rfc8448_value(3, "server", "construct a ServerHello", "ServerHello");
  const auto ee = test::rfc8448_value(3, "server", "construct an EncryptedExtensions", "EncryptedExtensions");
  const auto cert_msg = test::rfc8448_value(3, "server", "construct a Certificate", "Certificate");
  const auto cv = test::rfc8448_value(3, "server", "construct a CertificateVerify", "CertificateVerify");

  // Certificate: type(1) len(3) context<0>(1) list_len(3) cert_len(3) cert ...
  ASSERT_GT(cert_msg.size(), 11u);
  ASSERT_EQ(cert_msg[4], std::byte{0});
  const std::size_t cert_len = (std::to_integer<std::size_t>(cert_msg[8]) << 16) |
                               (std::to_integer<std::size_t>(cert_msg[9]) << 8) |
                               std::to_integer<std::size_t>(cert_msg[10]);
  const auto* p = reinterpret_cast<const unsigned char*>(cert_msg.data() + 11);
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(cert_len));
  ASSERT_NE(x, nullptr);
  EVP_PKEY* native = X509_get0_pubkey(x);
  ASSERT_NE(native, nullptr);
  auto refused = public_key::from_native(native);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), make_error_code(certificate_errc::unsupported_certificate));
  auto pub = public_key::from_native(native, key_policy{1024, 8192});
  X509_free(x);  // the public_key holds its own reference
  ASSERT_TRUE(pub) << pub.error().message();
  EXPECT_EQ(pub->kind(), key_kind::rsa);
  EXPECT_EQ(pub->bits(), 1024u);

  auto th = crypto::transcript_hash::create(crypto::hash_alg::sha256);
  ASSERT_TRUE(th);
  for (const auto* m : {&ch, &sh, &ee, &cert_msg}) ASSERT_TRUE(th->update(view(*m)));
  auto digest = th->current();
  ASSERT_TRUE(digest);
  // RFC 8446 §4.4.3: 64 spaces, the context string, a zero octet, the transcript hash.
  std::string content(64, ' ');
  content += "TLS 1.3, server CertificateVerify";
  content.push_back('\0');
  byte_vec signed_content(reinterpret_cast<const std::byte*>(content.data()),
                          reinterpret_cast<const std::byte*>(content.data()) + content.size());
  signed_content.insert(signed_content.end(), digest->view().begin(), digest->view().end());

  // CertificateVerify: type(1) len(3) scheme(2) sig_len(2) sig.
  ASSERT_EQ(hex(bytes(cv.data() + 4, 2)), "0804");
  const bytes sig(cv.data() + 8, cv.size() - 8);
  EXPECT_TRUE(pub->verify(signature_scheme::rsa_pss_rsae_sha256, view(signed_content), sig));
  signed_content.back() ^= std::byte{1};
  EXPECT_EQ(pub->verify(signature_scheme::rsa_pss_rsae_sha256, view(signed_content), sig).error(),
            decrypt_error);
}

}  // namespace
}  // namespace tls13
