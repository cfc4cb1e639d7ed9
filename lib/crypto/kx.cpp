// X25519 / P-256 / P-384 key exchange on EVP_PKEY. Every context is built from a per-group
// template key made once per process, so a handshake never looks a key manager up by name.
#include "crypto/kx.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <array>
#include <cstdint>
#include <vector>

#include "crypto/ossl_ptr.hpp"
#include "crypto/spare_keys.hpp"
#include "tls13/errors.hpp"

namespace tls13::crypto {
namespace {

using namespace detail;

struct group_traits {
  named_group group;
  const char* keytype;  // libcrypto key manager
  const char* curve;    // OSSL group name; nullptr for X25519
  int nid;              // curve NID (key_exchange_from_private only)
  std::size_t share_size;
  std::size_t secret_size;
};

constexpr std::array<group_traits, 3> k_groups = {{
    {named_group::x25519, "X25519", nullptr, NID_undef, 32, 32},
    {named_group::secp256r1, "EC", "P-256", NID_X9_62_prime256v1, 65, 32},
    {named_group::secp384r1, "EC", "P-384", NID_secp384r1, 97, 48},
}};

using u_encoding = std::array<std::uint8_t, 32>;

// A little-endian u: `low` in octet 0, `fill` in octets 1..30, `top` in octet 31.
constexpr u_encoding u_of(std::uint8_t low, std::uint8_t fill = 0, std::uint8_t top = 0) {
  u_encoding u{};
  u.fill(fill);
  u[0] = low;
  u[31] = top;
  return u;
}

// The X25519 u-coordinate encodings (bit 255 masked, RFC 7748 §5) of the points of small order on
// Curve25519 (order 1, 2, 4, 8) and its twist (order 4): 0, 1, the two order-8 u, p - 1, and the
// non-canonical p and p + 1. With every scalar their X25519 result is all zero, which RFC 8446 §7.4.2
// refuses; finding them here lets a server refuse before its ServerHello. Derived from scratch by
// tests/vectors/derived/x25519_small_order.py; KeyExchange.WycheproofX25519 checks that exactly the vectors
// with a zero shared secret are refused.
// p = 2^255 - 19 is ed ff .. ff 7f little-endian, so p - 1, p and p + 1 differ in octet 0 only.
constexpr std::array<u_encoding, 7> x25519_small_order = {{
    u_of(0x00),
    u_of(0x01),
    {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
     0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
    {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
     0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
    u_of(0xec, 0xff, 0x7f),  // p - 1
    u_of(0xed, 0xff, 0x7f),  // p
    u_of(0xee, 0xff, 0x7f),  // p + 1
}};

// share: 32 octets (checked by the caller); bit 255 is ignored, as X25519 ignores it.
bool x25519_small_order_share(bytes share) noexcept {
  const auto octet = [&](std::size_t i) { return std::to_integer<std::uint8_t>(share[i]); };
  for (const auto& bad : x25519_small_order) {  // public values: no constant time needed
    std::size_t i = 0;
    while (i < 31 && octet(i) == bad[i]) ++i;
    if (i == 31 && (octet(31) & 0x7f) == bad[31]) return true;
  }
  return false;
}

const group_traits* find_group(named_group g) noexcept {
  for (const auto& t : k_groups)
    if (t.group == g) return &t;
  return nullptr;
}

// A key holding only what keygen and import need to know about the group: EC domain parameters,
// or for X25519 the base point as a public key. It carries no private key.
EVP_PKEY* make_template(const group_traits& t) noexcept {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, t.keytype, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* out = nullptr;
  if (t.curve != nullptr) {
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(t.curve), 0),
        OSSL_PARAM_construct_end()};
    if (EVP_PKEY_fromdata(ctx.get(), &out, EVP_PKEY_KEY_PARAMETERS, p) != 1) return nullptr;
  } else {
    unsigned char base[32] = {9};  // u = 9 (RFC 7748 §4.1)
    OSSL_PARAM p[] = {OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, base, sizeof base),
                      OSSL_PARAM_construct_end()};
    if (EVP_PKEY_fromdata(ctx.get(), &out, EVP_PKEY_PUBLIC_KEY, p) != 1) return nullptr;
  }
  return out;
}

EVP_PKEY* group_template(const group_traits& t) noexcept {
  static EVP_PKEY* const templates[] = {make_template(k_groups[0]), make_template(k_groups[1]),
                                        make_template(k_groups[2])};
  return templates[&t - k_groups.data()];
}

// A context on the group's key manager (no fetch by name).
pkey_ctx_ptr group_ctx(const group_traits& t) noexcept {
  EVP_PKEY* tmpl = group_template(t);
  return pkey_ctx_ptr(tmpl == nullptr ? nullptr : EVP_PKEY_CTX_new_from_pkey(nullptr, tmpl, nullptr));
}

// Per-thread contexts on the group's template, initialised once for keygen or for import: a new
// EVP_PKEY_CTX costs a key-manager fetch and a name match (locks, string compares) every time,
// while one initialised context serves any number of EVP_PKEY_keygen / EVP_PKEY_fromdata calls.
enum class ctx_op : std::uint8_t { keygen, import };

class thread_ctxs {
 public:
  thread_ctxs() = default;
  thread_ctxs(const thread_ctxs&) = delete;
  thread_ctxs& operator=(const thread_ctxs&) = delete;
  ~thread_ctxs() {
    for (EVP_PKEY_CTX* c : ctx_) EVP_PKEY_CTX_free(c);
  }
  EVP_PKEY_CTX*& at(const group_traits& t, ctx_op op) noexcept {
    return ctx_[static_cast<std::size_t>(&t - k_groups.data()) * 2 + static_cast<std::size_t>(op)];
  }

 private:
  std::array<EVP_PKEY_CTX*, k_groups.size() * 2> ctx_{};
};

thread_ctxs& this_thread_ctxs() noexcept {
  thread_local thread_ctxs c;
  return c;
}

// The thread's context for `op` on group `t` (nullptr when libcrypto fails).
EVP_PKEY_CTX* cached_ctx(const group_traits& t, ctx_op op) noexcept {
  EVP_PKEY_CTX*& slot = this_thread_ctxs().at(t, op);
  if (slot == nullptr) {
    pkey_ctx_ptr ctx = group_ctx(t);
    if (!ctx ||
        (op == ctx_op::keygen ? EVP_PKEY_keygen_init(ctx.get()) : EVP_PKEY_fromdata_init(ctx.get())) != 1)
      return nullptr;
    slot = ctx.release();
  }
  return slot;
}

// After a libcrypto failure the context is not trusted again: the next call makes a new one.
void drop_cached_ctx(const group_traits& t, ctx_op op) noexcept {
  EVP_PKEY_CTX*& slot = this_thread_ctxs().at(t, op);
  EVP_PKEY_CTX_free(slot);
  slot = nullptr;
}

// Imports the key described by `params` (with `selection`) on the group's key manager.
result<pkey_ptr> import_key(const group_traits& t, int selection, OSSL_PARAM* params) noexcept {
  EVP_PKEY_CTX* ctx = cached_ctx(t, ctx_op::import);
  if (ctx == nullptr) return fail(internal_errc::crypto_failure);
  EVP_PKEY* k = nullptr;
  // A refused key (bad point, wrong length) leaves the context usable.
  if (EVP_PKEY_fromdata(ctx, &k, selection, params) != 1) return fail(internal_errc::invalid_argument);
  return pkey_ptr(k);
}

// The peer's public key from its TLS encoding. Anything malformed or not on the curve is the
// peer's fault: illegal_parameter (RFC 8446 §4.2.8.2).
result<pkey_ptr> import_peer(const group_traits& t, bytes share) noexcept {
  if (share.size() != t.share_size) return protocol_errc::illegal_parameter;
  // NIST curves: only the uncompressed form is legal in TLS 1.3.
  if (t.curve != nullptr && share[0] != std::byte{0x04}) return protocol_errc::illegal_parameter;
  OSSL_PARAM p[3];
  int i = 0;
  if (t.curve != nullptr)
    p[i++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(t.curve), 0);
  p[i++] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<std::byte*>(share.data()),
                                             share.size());
  p[i] = OSSL_PARAM_construct_end();
  auto peer = import_key(t, EVP_PKEY_PUBLIC_KEY, p);
  if (!peer && peer.error() == internal_errc::invalid_argument) return protocol_errc::illegal_parameter;
  if (!peer) return peer.error();
  if (t.curve != nullptr) {
    // Partial validation (on the curve, not the point at infinity, coordinates < p) is full
    // validation for prime-order curves; the order multiplication of the full check adds nothing.
    pkey_ctx_ptr check(EVP_PKEY_CTX_new_from_pkey(nullptr, peer->get(), nullptr));
    if (!check) return internal_errc::crypto_failure;
    if (EVP_PKEY_public_check_quick(check.get()) != 1) return fail(protocol_errc::illegal_parameter);
  }
  return peer;
}

result<secret> derive(const group_traits& t, EVP_PKEY* own, EVP_PKEY* peer) noexcept {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) return internal_errc::crypto_failure;
  // validate_peer = 0: import_peer() already validated the point.
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, 0) != 1) return fail(protocol_errc::illegal_parameter);
  secret out(t.secret_size);
  std::size_t len = out.size();
  if (EVP_PKEY_derive(ctx.get(), u8(out.data()), &len) != 1) {
    ERR_clear_error();
    // libcrypto refuses an all-zero X25519 output (a low-order peer point), the only way a
    // well-formed share can fail there.
    if (t.curve == nullptr) return protocol_errc::illegal_parameter;
    return internal_errc::crypto_failure;
  }
  // ECDH output is the X coordinate padded to the field size (RFC 8446 §7.4.1).
  if (len != t.secret_size) return internal_errc::crypto_failure;
  // RFC 8446 §7.4.2: checked here as well so the rule does not rest on libcrypto's behaviour.
  static constexpr std::array<std::byte, 32> zeros{};
  if (t.curve == nullptr && constant_time_equal(out.view(), zeros)) return protocol_errc::illegal_parameter;
  return out;
}

class evp_key_exchange final : public key_exchange {
 public:
  evp_key_exchange(const group_traits& t, pkey_ptr key, std::vector<std::byte> pub) noexcept
      : traits_(&t), key_(std::move(key)), public_(std::move(pub)) {}

  named_group group() const noexcept override { return traits_->group; }
  bytes public_key() const noexcept override { return public_; }

  result<secret> complete(bytes peer_share) override { return complete_with(nullptr, peer_share); }

  // `checked_peer`: the peer's key as import_peer() made and checked it (check_peer_share), or null
  // to import `peer_share` here.
  result<secret> complete_with(EVP_PKEY* checked_peer, bytes peer_share) {
    // Taken out of the object: the private key dies on return, whatever the outcome.
    pkey_ptr own = std::move(key_);
    if (!own) return internal_errc::invalid_state;
    pkey_ptr imported;
    if (checked_peer == nullptr) {
      TLS13_TRY_ASSIGN(imported, import_peer(*traits_, peer_share));
      checked_peer = imported.get();
    }
    return derive(*traits_, own.get(), checked_peer);
  }

 private:
  const group_traits* traits_;
  pkey_ptr key_;
  std::vector<std::byte> public_;
};

// Wraps a key pair after reading back its TLS encoding.
result<std::unique_ptr<key_exchange>> wrap(const group_traits& t, pkey_ptr key) {
  std::vector<std::byte> pub(t.share_size);
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, u8(pub.data()),
                                      pub.size(), &len) != 1 ||
      len != t.share_size || (t.curve != nullptr && pub[0] != std::byte{0x04}))
    return internal_errc::crypto_failure;
  return std::unique_ptr<key_exchange>(std::make_unique<evp_key_exchange>(t, std::move(key), std::move(pub)));
}

// EC key pair from a big-endian scalar: libcrypto 3.0 does not derive the public point on import,
// so it is computed here (d·G) and imported along with d.
result<pkey_ptr> ec_from_scalar(const group_traits& t, bytes scalar) {
  while (!scalar.empty() && scalar[0] == std::byte{0}) scalar = scalar.subspan(1);
  const std::size_t coord = (t.share_size - 1) / 2;
  if (scalar.empty() || scalar.size() > coord) return internal_errc::invalid_argument;
  ec_group_ptr group(EC_GROUP_new_by_curve_name_ex(nullptr, nullptr, t.nid));
  bn_ptr d(BN_secure_new());
  bn_ctx_ptr bn_ctx(BN_CTX_secure_new());
  if (!group || !d || !bn_ctx) return internal_errc::crypto_failure;
  ec_point_ptr point(EC_POINT_new(group.get()));
  if (!point || BN_bin2bn(u8(scalar.data()), static_cast<int>(scalar.size()), d.get()) == nullptr)
    return internal_errc::crypto_failure;
  if (BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0) return internal_errc::invalid_argument;
  std::vector<std::byte> pub(t.share_size);
  if (EC_POINT_mul(group.get(), point.get(), d.get(), nullptr, nullptr, bn_ctx.get()) != 1 ||
      EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, u8(pub.data()), pub.size(),
                         bn_ctx.get()) != pub.size())
    return internal_errc::crypto_failure;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  params_ptr params;
  if (bld != nullptr && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, t.curve, 0) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d.get()) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()) == 1)
    params.reset(OSSL_PARAM_BLD_to_param(bld));
  OSSL_PARAM_BLD_free(bld);
  if (!params) return internal_errc::crypto_failure;
  return import_key(t, EVP_PKEY_KEYPAIR, params.get());
}

}  // namespace

bool kx_supported(named_group g) noexcept { return find_group(g) != nullptr; }

std::size_t kx_share_size(named_group g) noexcept {
  const group_traits* t = find_group(g);
  return t == nullptr ? 0 : t->share_size;
}

namespace {

result<std::unique_ptr<key_exchange>> new_key_exchange(const group_traits& t) {
  EVP_PKEY_CTX* ctx = cached_ctx(t, ctx_op::keygen);
  if (ctx == nullptr) return fail(internal_errc::crypto_failure);
  EVP_PKEY* k = nullptr;
  if (EVP_PKEY_keygen(ctx, &k) != 1) {
    EVP_PKEY_free(k);
    drop_cached_ctx(t, ctx_op::keygen);
    return fail(internal_errc::crypto_failure);
  }
  return wrap(t, pkey_ptr(k));
}

}  // namespace

result<std::unique_ptr<key_exchange>> generate_key_exchange(named_group g) {
  const group_traits* t = find_group(g);
  if (t == nullptr) return internal_errc::invalid_argument;
  if (auto spare = take_spare(g)) return spare;
  return new_key_exchange(*t);
}

result<checked_share> check_peer_share(named_group g, bytes share) {
  const group_traits* t = find_group(g);
  if (t == nullptr) return internal_errc::invalid_argument;
  if (share.size() != t->share_size) return protocol_errc::illegal_parameter;
  checked_share out{g, share, nullptr};
  if (t->curve == nullptr) {  // any 32 octets are a u-coordinate (RFC 7748 §5); some of small order
    if (x25519_small_order_share(share)) return protocol_errc::illegal_parameter;
    return out;
  }
  TLS13_TRY_ASSIGN(out.key, import_peer(*t, share));
  return out;
}

namespace {

class later_answer final : public key_answer {
 public:
  // The checked key fits only a key pair of ours on the same curve. Anything else (X25519, whose
  // share keeps no key, or a subclass's key_exchange) is completed from a copy of the octets.
  later_answer(std::unique_ptr<key_exchange> kx, checked_share peer) : kx_(std::move(kx)) {
    if (peer.key && kx_ && kx_->group() == peer.group &&
        dynamic_cast<evp_key_exchange*>(kx_.get()) != nullptr)
      peer_key_ = std::move(peer.key);
    else
      peer_share_.assign(peer.octets.begin(), peer.octets.end());
  }
  bytes key_share() const noexcept override { return kx_ ? kx_->public_key() : bytes{}; }
  result<secret> finish() override {
    if (!kx_) return internal_errc::invalid_state;
    const std::unique_ptr<key_exchange> kx = std::move(kx_);  // complete() destroys its private key
    if (peer_key_) return static_cast<evp_key_exchange&>(*kx).complete_with(peer_key_.get(), {});
    return kx->complete(peer_share_);
  }

 private:
  std::unique_ptr<key_exchange> kx_;
  pkey_ptr peer_key_;                  // set: kx_ is an evp_key_exchange of the share's group
  std::vector<std::byte> peer_share_;  // public: no wipe needed
};

}  // namespace

std::unique_ptr<key_answer> answer_later(std::unique_ptr<key_exchange> kx, checked_share peer) {
  return std::make_unique<later_answer>(std::move(kx), std::move(peer));
}

void prepare_key_exchange(named_group g) noexcept {
  const group_traits* t = find_group(g);
  if (t == nullptr || spare_ready(g)) return;
  // A hint only: on failure generate_key_exchange tries again and reports it.
  if (auto kx = new_key_exchange(*t)) keep_spare(std::move(*kx));
}

result<std::unique_ptr<key_exchange>> key_exchange_from_private(named_group g, bytes private_key) {
  const group_traits* t = find_group(g);
  if (t == nullptr) return internal_errc::invalid_argument;
  if (t->curve == nullptr) {
    if (private_key.size() != 32) return internal_errc::invalid_argument;
    // libcrypto clamps the scalar and derives the public key itself.
    OSSL_PARAM p[] = {OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY,
                                                        const_cast<std::byte*>(private_key.data()), 32),
                      OSSL_PARAM_construct_end()};
    TLS13_TRY_ASSIGN(pkey_ptr key, import_key(*t, EVP_PKEY_KEYPAIR, p));
    return wrap(*t, std::move(key));
  }
  TLS13_TRY_ASSIGN(pkey_ptr key, ec_from_scalar(*t, private_key));
  return wrap(*t, std::move(key));
}

}  // namespace tls13::crypto
