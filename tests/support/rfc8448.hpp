// Access to the RFC 8448 traces (tests/vectors/rfc/rfc8448-traces.json) by section, actor and step.
#pragma once

#include <string>
#include <vector>

#include "test_support.hpp"

namespace tls13::test {

// All values named `name` in steps of `section` whose actor is `actor` and whose step text
// contains `step_contains`, in trace order.
inline std::vector<byte_vec> rfc8448_values(int section, const std::string& actor,
                                            const std::string& step_contains, const std::string& name) {
  static const nlohmann::json doc = load_json("rfc/rfc8448-traces.json");
  std::vector<byte_vec> out;
  for (const auto& s : doc["sections"]) {
    if (s["section"].get<int>() != section) continue;
    for (const auto& st : s["steps"]) {
      if (st["actor"] != actor) continue;
      if (st["step"].get<std::string>().find(step_contains) == std::string::npos) continue;
      for (const auto& v : st["values"])
        if (v["name"] == name && v.contains("hex")) out.push_back(unhex(v["hex"].get<std::string>()));
    }
  }
  return out;
}

inline byte_vec rfc8448_value(int section, const std::string& actor, const std::string& step_contains,
                              const std::string& name, std::size_t index = 0) {
  auto all = rfc8448_values(section, actor, step_contains, name);
  if (index >= all.size())
    throw std::runtime_error("RFC 8448 value not found: " + std::to_string(section) + " " + actor + " " +
                             step_contains + " " + name);
  return all[index];
}

}  // namespace tls13::test
