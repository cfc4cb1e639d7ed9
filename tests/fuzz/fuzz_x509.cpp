// Chain parsing and strict path validation on arbitrary certificates, plus OCSP response parsing and
// verification, against the committed test PKI (tests/vectors/pki).
//
// Input: one flags byte, then records of a 2-byte big-endian length and that many bytes. A record whose
// length has its top bit set is an OCSP response (the rest of the length is its size); every other
// record is a presented certificate, leaf first. Flags: bit 0 client role, bit 1 check 127.0.0.1
// instead of "localhost", bit 2 stapling requested, bit 3 hard-fail OCSP, bit 4 PEM-parse the input.
// Seeds: tests/fuzz/corpus/x509, made by gen_x509_corpus.sh.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/x509.hpp"

namespace {

struct fixture {
  std::shared_ptr<tls13::trust_store> roots;
  std::vector<std::byte> leaf, issuer;  // for the OCSP-only call
};

const fixture& fix() {
  static const fixture f = [] {
    fixture out;
    const std::string dir = std::string(TLS13_VECTORS_DIR) + "/pki/";
    auto s = tls13::trust_store::create();
    if (!s || !(*s)->load_file(dir + "ca.pem")) std::abort();
    out.roots = *s;
    auto leaf = tls13::load_certificate_chain_file(dir + "server-rsa.pem");
    auto ca = tls13::load_certificate_chain_file(dir + "ca.pem");
    if (!leaf || !ca) std::abort();
    out.leaf = (*leaf)[0];
    out.issuer = (*ca)[0];
    return out;
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tls13;
  if (size < 1) return 0;
  const fixture& f = fix();
  const std::uint8_t flags = data[0];
  std::vector<bytes> chain;
  bytes ocsp{};
  for (std::size_t i = 1; i + 2 <= size;) {
    const std::size_t len = (std::size_t{data[i]} << 8 | data[i + 1]) & 0x7fff;
    const bool is_ocsp = (data[i] & 0x80) != 0;
    i += 2;
    const bytes rec(reinterpret_cast<const std::byte*>(data) + i, std::min(len, size - i));
    i += rec.size();
    if (is_ocsp)
      ocsp = rec;
    else
      chain.push_back(rec);
  }
  verify_request req;
  req.chain = &chain;
  req.role = (flags & 1) != 0 ? peer_role::client : peer_role::server;
  if (req.role == peer_role::server) req.server_name = (flags & 2) != 0 ? "127.0.0.1" : "localhost";
  req.now = std::chrono::system_clock::time_point(std::chrono::seconds(1893456000));  // 2030-01-01
  req.ocsp_response = ocsp;
  req.ocsp_requested = (flags & 4) != 0;
  verifier_options opts;
  if ((flags & 8) != 0) opts.ocsp.mode = ocsp_mode::hard_fail;
  const verify_report r = verify_certificate_chain(*f.roots, req, opts);
  if (r.error && r.reason.empty()) std::abort();  // every failure explains itself
  if (!r.error && (r.chain.empty() || r.chain.size() != r.subjects.size())) std::abort();
  if (!ocsp.empty()) (void)verify_ocsp_response(ocsp, f.leaf, f.issuer, req.now);
  if (!chain.empty()) (void)requires_ocsp_staple(chain[0]);
  if ((flags & 16) != 0)
    (void)load_certificate_chain_pem(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
