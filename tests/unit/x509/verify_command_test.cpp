// `tls13 verify`: the binary run on certificates issued at test time; its JSON output, exit status
// (0 valid, 1 rejected, 2 bad usage) and string escaping.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cert_factory.hpp"

namespace tls13 {
namespace {

namespace pki = test::pki;
using pki::issue;
using pki::issued;

struct run_result {
  int status = -1;
  std::string out;
  nlohmann::json json;
};

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

run_result run_tool(const std::vector<std::string>& args) {
  std::string cmd = shell_quote(TLS13_TOOL_PATH) + " verify";
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " 2>/dev/null";
  run_result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  if (!r.out.empty()) r.json = nlohmann::json::parse(r.out, nullptr, false);
  return r;
}

class VerifyCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tls13-verify-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto odd = pki::server_spec("quote\"back\\slash é");
    odd_ = issue(odd, &inter_);
    write("root.pem", root_.pem());
    write("inter.pem", inter_.pem());
    write("leaf.pem", leaf_.pem());
    write("chain.pem", leaf_.pem() + inter_.pem());
    write("odd.pem", odd_.pem());
    write("junk.pem", "not a certificate\n");
  }
  void TearDown() override { std::system(("rm -rf " + shell_quote(dir_)).c_str()); }

  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/" + name) << text; }
  std::string f(const std::string& name) const { return dir_ + "/" + name; }
  std::vector<std::string> base(const std::string& leaf = "leaf.pem") const {
    return {"--roots", f("root.pem"), "--intermediates", f("inter.pem"),
            "--leaf",  f(leaf),       "--time",          "1893456000"};
  }
  static std::vector<std::string> plus(std::vector<std::string> a, std::vector<std::string> b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  std::string dir_;
  issued root_ = issue(pki::root_spec("Verify Root"));
  issued inter_ = issue(pki::ca_spec("Verify Intermediate"), &root_);
  issued leaf_ = issue(pki::server_spec("verify leaf"), &inter_);
  issued odd_;
};

TEST_F(VerifyCommand, Success) {
  auto r = run_tool(plus(base(), {"--host", "localhost"}));
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_TRUE(r.json.is_object()) << r.out;
  EXPECT_EQ(r.json["result"], "SUCCESS");
  EXPECT_EQ(r.json["chain"], nlohmann::json({"CN=verify leaf", "CN=Verify Intermediate", "CN=Verify Root"}));
  EXPECT_EQ(r.json.size(), 3u);
  // The leaf file may carry the intermediates; --ip, --purpose and --max-depth.
  r = run_tool(
      {"--roots", f("root.pem"), "--leaf", f("chain.pem"), "--ip", "127.0.0.1", "--time=1893456000"});
  EXPECT_EQ(r.status, 0) << r.out;
  r = run_tool(plus(base(), {"--purpose", "server", "--max-depth", "1"}));
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST_F(VerifyCommand, Failures) {
  auto r = run_tool(plus(base(), {"--host", "other.test"}));
  ASSERT_EQ(r.status, 1) << r.out;
  EXPECT_EQ(r.json["result"], "FAILURE");
  EXPECT_NE(r.json["reason"].get<std::string>().find("other.test"), std::string::npos) << r.out;
  EXPECT_EQ(r.json["chain"].size(), 3u);  // a path was built; the name did not match
  r = run_tool({"--roots", f("root.pem"), "--leaf", f("leaf.pem"), "--time", "1893456000"});
  ASSERT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.json["reason"].get<std::string>().find("unknown issuer"), std::string::npos) << r.out;
  EXPECT_TRUE(r.json["chain"].empty());
  EXPECT_EQ(run_tool(plus(base(), {"--ip", "127.0.0.2"})).status, 1);
  EXPECT_EQ(run_tool(plus(base(), {"--purpose", "client"})).status, 1);
  EXPECT_EQ(run_tool(plus(base(), {"--max-depth", "0"})).status, 1);
  r = run_tool({"--roots", f("root.pem"), "--intermediates", f("inter.pem"), "--leaf", f("leaf.pem"),
                "--time", "2208988801"});
  ASSERT_EQ(r.status, 1);
  EXPECT_NE(r.json["reason"].get<std::string>().find("expired"), std::string::npos) << r.out;
}

TEST_F(VerifyCommand, JsonEscaping) {
  auto r = run_tool(base("odd.pem"));
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_TRUE(r.json.is_object()) << r.out;
  EXPECT_EQ(r.json["chain"][0], "CN=quote\\\"back\\\\slash é");  // RFC 2253 escapes, then JSON's
  r = run_tool(plus(base(), {"--host", "bad\x01name\"\\"}));
  ASSERT_EQ(r.status, 1) << r.out;
  ASSERT_TRUE(r.json.is_object()) << r.out;
  EXPECT_NE(r.json["reason"].get<std::string>().find("bad\x01name\"\\"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\\u0001"), std::string::npos) << r.out;
}

TEST_F(VerifyCommand, BadUsage) {
  EXPECT_EQ(run_tool({}).status, 2);
  EXPECT_EQ(run_tool({"--leaf", f("leaf.pem")}).status, 2);
  EXPECT_EQ(run_tool(plus(base(), {"--host", "a", "--ip", "127.0.0.1"})).status, 2);
  EXPECT_EQ(run_tool(plus(base(), {"--purpose", "both"})).status, 2);
  EXPECT_EQ(run_tool(plus(base(), {"--time", "soon"})).status, 2);
  EXPECT_EQ(run_tool(plus(base(), {"--max-depth", "-1"})).status, 2);
  EXPECT_EQ(run_tool(plus(base(), {"--frobnicate", "1"})).status, 2);
  EXPECT_EQ(run_tool(plus(base(), {"--host"})).status, 2);
  EXPECT_EQ(run_tool({"--roots", f("missing.pem"), "--leaf", f("leaf.pem")}).status, 2);
  EXPECT_EQ(run_tool({"--roots", f("root.pem"), "--leaf", f("junk.pem")}).status, 2);
}

}  // namespace
}  // namespace tls13
