// docs/STATE_MACHINE.md is the transition table rendered as Markdown; this test keeps them equal.
// To update the doc after changing the table: TLS13_WRITE_STATE_MACHINE_DOC=1
// ./handshake_state_machine_doc_test
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "handshake/transitions.hpp"
#include "test_support.hpp"

namespace tls13::handshake {
namespace {

std::string render() {
  std::ostringstream out;
  out << "# Handshake state machine\n\n"
         "Generated from `lib/handshake/transitions.hpp` (the one table the engine follows); "
         "`tests/unit/handshake/state_machine_doc_test.cpp` fails when they differ.\n"
         "A message not listed for a state is `unexpected_message` (`tests/unit/state/state_walk_test.cpp` "
         "checks every pair through the engine).\n\n"
         "| state | message | next state(s) |\n|---|---|---|\n";
  for (const auto& t : transitions) {
    out << "| " << name(t.from) << " | " << name(t.msg) << " | ";
    for (std::size_t i = 0; i < t.target_count; ++i) out << (i ? ", " : "") << name(t.to[i]);
    out << " |\n";
  }
  return out.str();
}

TEST(StateMachineDoc, MatchesTheTable) {
  const std::string path = test::vector_path("../../docs/STATE_MACHINE.md");
  if (std::getenv("TLS13_WRITE_STATE_MACHINE_DOC") != nullptr) std::ofstream(path) << render();
  std::ifstream f(path);
  ASSERT_TRUE(f) << "missing " << path;
  std::stringstream doc;
  doc << f.rdbuf();
  EXPECT_EQ(doc.str(), render())
      << "docs/STATE_MACHINE.md is stale: regenerate it (see the comment at the top)";
}

}  // namespace
}  // namespace tls13::handshake
