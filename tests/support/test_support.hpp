// Helpers shared by the unit tests: hex, vector files, byte views.
#pragma once

#include <cstddef>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/types.hpp"

namespace tls13::test {

using byte_vec = std::vector<std::byte>;

inline byte_vec unhex(std::string_view s) {
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("bad hex digit");
  };
  byte_vec out;
  int hi = -1;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == ':') continue;
    if (hi < 0) {
      hi = nib(c);
    } else {
      out.push_back(static_cast<std::byte>(hi << 4 | nib(c)));
      hi = -1;
    }
  }
  if (hi >= 0) throw std::invalid_argument("odd hex length");
  return out;
}

inline std::string hex(bytes b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    s += d[static_cast<unsigned>(x) >> 4];
    s += d[static_cast<unsigned>(x) & 15];
  }
  return s;
}

inline bytes view(const byte_vec& v) { return {v.data(), v.size()}; }
inline bytes view(std::string_view s) { return as_bytes(s.data(), s.size()); }

inline std::string vector_path(std::string_view rel) {
  // Appended in place: GCC 12's -Warray-bounds misreads the operator+ chain (a false positive).
  std::string path(TLS13_VECTORS_DIR);
  path += '/';
  path += rel;
  return path;
}

inline nlohmann::json load_json(std::string_view rel) {
  std::ifstream f(vector_path(rel));
  if (!f) throw std::runtime_error("cannot open vector file " + std::string(rel));
  return nlohmann::json::parse(f);
}

}  // namespace tls13::test
