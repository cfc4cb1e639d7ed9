// Helpers shared by the ML-KEM tests: the CCTV "name = hex" files, gzip input, buffers per parameter set.
#pragma once

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "crypto/mlkem.hpp"
#include "test_support.hpp"

namespace tls13::crypto::mlkem::test {

using tls13::test::byte_vec;

// "name = value" lines in file order (names repeat in the intermediate-values file).
class kv_file {
 public:
  explicit kv_file(const std::string& rel) {
    std::ifstream f(tls13::test::vector_path(rel));
    if (!f) throw std::runtime_error("cannot open vector file " + rel);
    for (std::string line; std::getline(f, line);) {
      const auto eq = line.find(" = ");
      if (eq == std::string::npos) continue;
      entries_.emplace_back(line.substr(0, eq), line.substr(eq + 3));
    }
  }
  // The text after "name = " on the nth line called `name`. Some lines hold several forms of one value
  // ("u[0] = {3065, 977, ...} = f91b...", "dkPKE = NTT(s) = 3261..."): text() is all of it.
  const std::string& text(const std::string& name, int nth = 0) const {
    for (const auto& [k, v] : entries_)
      if (k == name && nth-- == 0) return v;
    throw std::runtime_error("no entry " + name);
  }
  // The value as octets: the last form on the line, in hex.
  byte_vec hex(const std::string& name, int nth = 0) const {
    const std::string& t = text(name, nth);
    const auto eq = t.rfind(" = ");
    return tls13::test::unhex(eq == std::string::npos ? t : t.substr(eq + 3));
  }
  // The value as decimal coefficients: the "{a, b, ...}" form.
  std::vector<int> decimals(const std::string& name) const {
    const std::string& t = text(name);
    const auto open = t.find('{'), close = t.find('}');
    if (open == std::string::npos || close == std::string::npos) throw std::runtime_error("no {} in " + name);
    std::vector<int> v;
    for (std::size_t i = open + 1; i < close;) {
      const std::size_t comma = std::min(t.find(',', i), close);
      v.push_back(std::stoi(t.substr(i, comma - i)));
      i = comma + 1;
    }
    return v;
  }
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// A gzip-compressed vector file, through the gzip tool (Essential in Debian: no zlib needed).
inline std::string gunzip(const std::string& rel) {
  const std::string cmd = "gzip -dc '" + tls13::test::vector_path(rel) + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p.get())) > 0;) out.append(buf, n);
  if (pclose(p.release()) != 0 || out.empty()) throw std::runtime_error(cmd + " failed");
  return out;
}

inline std::vector<std::string> gunzip_lines(const std::string& rel) {
  const std::string text = gunzip(rel);
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; start < text.size(); start = end + 1) {
    end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
  }
  return lines;
}

// SHA3-256/512 (digest length out_len) or SHAKE128/256 (any out_len) from libcrypto: the independent
// reference for our Keccak.
inline byte_vec evp_digest(const char* name, const byte_vec& in, std::size_t out_len) {
  byte_vec out(out_len);
  unsigned len = 0;
  const bool xof = std::string(name).rfind("SHAKE", 0) == 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  bool ok = ctx && md && EVP_DigestInit_ex2(ctx, md, nullptr) == 1 &&
            EVP_DigestUpdate(ctx, in.data(), in.size()) == 1;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  ok = ok && (xof ? EVP_DigestFinalXOF(ctx, o, out_len) == 1
                  : EVP_DigestFinal_ex(ctx, o, &len) == 1 && len == out_len);
  EVP_MD_free(md);
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error(std::string("EVP digest failed: ") + name);
  return out;
}

// J(z || c) = SHAKE256(z || c, 32), z = the last 32 octets of dk: the key implicit rejection gives.
inline byte_vec rejection_key(const byte_vec& dk_or_z, const byte_vec& ct) {
  byte_vec in(dk_or_z.end() - 32, dk_or_z.end());
  in.insert(in.end(), ct.begin(), ct.end());
  return evp_digest("SHAKE256", in, 32);
}

struct keypair {
  byte_vec ek, dk;
};

inline keypair make_keypair(parameter_set p) {
  const auto s = size_of(p);
  keypair kp{byte_vec(s.encapsulation_key), byte_vec(s.decapsulation_key)};
  if (!keygen(p, kp.ek, kp.dk)) throw std::runtime_error("keygen failed");
  return kp;
}

inline std::string name_of(parameter_set p) {
  return p == parameter_set::ml_kem_768 ? "ML-KEM-768" : "ML-KEM-1024";
}

}  // namespace tls13::crypto::mlkem::test

namespace tls13::crypto::mlkem {
// How GoogleTest (and so ctest's test names) shows a parameter set.
inline void PrintTo(parameter_set p, std::ostream* os) { *os << test::name_of(p); }
}  // namespace tls13::crypto::mlkem
