// `tls13 verify`: validates a certificate chain with the library's strict verifier and prints one JSON
// object: {"result": "SUCCESS"|"FAILURE", "reason": "...", "chain": ["subject of leaf", ..., "anchor"]}.
// Exit status: 0 valid, 1 rejected, 2 bad usage (including unreadable input files).
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tls13/x509.hpp"

namespace tool {

namespace {

const char* verify_usage =
    "usage: tls13 verify --roots R.pem [--intermediates I.pem] --leaf L.pem [--host NAME | --ip ADDR]\n"
    "                    [--time UNIX_SECONDS] [--purpose server|client] [--max-depth N]\n"
    "  L.pem may hold the leaf followed by intermediates. Prints one JSON object; exit 0 if the chain is\n"
    "  valid, 1 if it is rejected, 2 on bad usage.\n";

struct verify_options {
  std::string roots, intermediates, leaf, host, ip;
  std::optional<long long> time;
  tls13::peer_role role = tls13::peer_role::server;
  int max_depth = tls13::verifier_options{}.max_depth;
};

template <class T>
bool parse_number(std::string_view s, T& out, T min, T max) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max) return false;
  out = v;
  return true;
}

bool apply(verify_options& o, std::string_view name, const std::string& value) {
  if (name == "--time") {
    long long t = 0;
    if (!parse_number<long long>(value, t, 0, 253402300799)) return false;  // up to 9999-12-31
    o.time = t;
    return true;
  }
  if (name == "--purpose") {
    if (value != "server" && value != "client") return false;
    o.role = value == "server" ? tls13::peer_role::server : tls13::peer_role::client;
    return true;
  }
  if (name == "--max-depth") return parse_number<int>(value, o.max_depth, 0, 64);
  std::string* field = name == "--roots"           ? &o.roots
                       : name == "--intermediates" ? &o.intermediates
                       : name == "--leaf"          ? &o.leaf
                       : name == "--host"          ? &o.host
                       : name == "--ip"            ? &o.ip
                                                   : nullptr;
  if (field == nullptr) return false;
  *field = value;
  return true;
}

// argv[0] is "verify". Accepts "--name value" and "--name=value".
std::optional<verify_options> parse(int argc, char** argv) {
  verify_options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string value;
    const auto eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string_view::npos) {
      value.assign(arg.substr(eq + 1));
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return std::nullopt;
    }
    if (!apply(o, arg, value)) return std::nullopt;
  }
  if (o.roots.empty() || o.leaf.empty() || (!o.host.empty() && !o.ip.empty())) return std::nullopt;
  return o;
}

void append_escaped(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  auto u_escape = [&](unsigned cp) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += hex[(cp >> shift) & 0xf];
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      u_escape(c);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // Copy a well-formed UTF-8 sequence; anything else becomes U+FFFD.
      const std::size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
      bool ok = len != 0 && i + len <= s.size();
      for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
      if (ok) {
        out.append(s.substr(i, len));
        i += len - 1;
      } else {
        u_escape(0xfffd);
      }
    }
  }
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  append_escaped(out, s);
  out += '"';
  return out;
}

int print_report(const tls13::verify_report& r) {
  std::string json = "{\"result\": ";
  json += r ? "\"SUCCESS\"" : "\"FAILURE\"";
  json += ", \"reason\": ";
  json += quoted(r ? std::string("certificate chain is valid") : r.error.message() + ": " + r.reason);
  json += ", \"chain\": [";
  for (std::size_t i = 0; i < r.subjects.size(); ++i) json += (i ? ", " : "") + quoted(r.subjects[i]);
  json += "]}\n";
  std::fwrite(json.data(), 1, json.size(), stdout);
  return r ? 0 : 1;
}

int bad_input(const std::string& what, std::error_code ec) {
  std::cerr << "tls13 verify: " << what << ": " << ec.message() << "\n";
  return 2;
}

}  // namespace

int run_verify(int argc, char** argv) {
  const auto o = parse(argc, argv);
  if (!o) {
    std::cerr << verify_usage;
    return 2;
  }
  auto roots = tls13::trust_store::create();
  if (!roots) return bad_input("trust store", roots.error());
  if (auto r = (*roots)->load_file(o->roots); !r)
    return bad_input("cannot load roots from " + o->roots, r.error());
  auto chain = tls13::load_certificate_chain_file(o->leaf);
  if (!chain) return bad_input("cannot load the leaf from " + o->leaf, chain.error());
  if (!o->intermediates.empty()) {
    auto more = tls13::load_certificate_chain_file(o->intermediates);
    if (!more) return bad_input("cannot load intermediates from " + o->intermediates, more.error());
    for (auto& c : *more) chain->push_back(std::move(c));
  }
  std::vector<tls13::bytes> views(chain->begin(), chain->end());
  tls13::verify_request req;
  req.chain = &views;
  req.server_name = o->host;
  req.ip_address = o->ip;
  req.role = o->role;
  if (o->time) req.now = std::chrono::system_clock::time_point(std::chrono::seconds(*o->time));
  tls13::verifier_options opts;
  opts.max_depth = o->max_depth;
  return print_report(tls13::verify_certificate_chain(**roots, req, opts));
}

}  // namespace tool
