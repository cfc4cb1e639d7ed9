// Command-line options of the `tls13` tool (openssl s_client / s_server spelling) and the
// translation into configs.
#pragma once

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tls13/config.hpp"
#include "tls13/keys.hpp"
#include "tls13/x509.hpp"

namespace tool {

enum class mode { client, server };

struct options {
  mode role = mode::client;
  std::string host, port, servername, cafile, capath, cert, key, keylogfile;
  std::string sess_in, sess_out;  // client: resume from / save the newest ticket to (s_client names)
  std::string early_data_file;    // client: send this file as 0-RTT data when resuming
  std::string status_file;        // server: DER OCSP response to staple (openssl s_server -status_file)
  bool status = false;            // client: request OCSP stapling and print the status (s_client -status)
  bool early_data = false;        // server: accept 0-RTT data (up to 16384 bytes)
  std::vector<std::string> alpn;
  std::vector<tls13::named_group> groups;
  std::vector<tls13::cipher_suite> suites;
  int verify_depth = 0;
  bool verify_required = false;
  bool www = false, quiet = false, no_verify = false, keyupdate_on_K = true;
  int naccept = 0;
  int num_tickets = -1;  // server: tickets after each handshake (-1: the library's defaults)
  // psk_ke (resumption without (EC)DHE), s_client/s_server names: client offers it; server uses it
  // instead of an HRR (-allow_no_dhe_kex) or whenever offered (-prefer_no_dhe_kex).
  bool allow_no_dhe_kex = false, prefer_no_dhe_kex = false;
};

inline const char* usage =
    "usage: tls13 client -connect host:port [-servername name] [-CAfile f] [-CApath d] [-cert f -key f]\n"
    "                    [-alpn a,b] [-groups g1:g2] [-ciphersuites s1:s2] [-keylogfile f] [-quiet] "
    "[-noverify] [-sess_in f] [-sess_out f] [-early_data f] [-status] [-allow_no_dhe_kex]\n"
    "       tls13 server -accept [host:]port -cert f -key f [-CAfile f -Verify depth | -verify depth]\n"
    "                    [-alpn a,b] [-groups g1:g2] [-ciphersuites s1:s2] [-www] [-naccept n] [-keylogfile "
    "f] [-num_tickets n] [-early_data] [-status_file f] [-allow_no_dhe_kex | -prefer_no_dhe_kex]\n";

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, sep);)
    if (!item.empty()) out.push_back(item);
  return out;
}

// Each group once: its printed name (OpenSSL's, incl. OpenSSL 3.5's for the ML-KEM hybrids) and the
// other spellings -groups accepts.
struct group_names {
  tls13::named_group group;
  const char* name;
  const char* aliases[2];
};
inline constexpr group_names k_group_names[] = {
    {tls13::named_group::x25519, "X25519", {"x25519", nullptr}},
    {tls13::named_group::secp256r1, "P-256", {"prime256v1", "secp256r1"}},
    {tls13::named_group::secp384r1, "P-384", {"secp384r1", nullptr}},
    {tls13::named_group::x25519_mlkem768, "X25519MLKEM768", {nullptr, nullptr}},
    {tls13::named_group::secp256r1_mlkem768, "SecP256r1MLKEM768", {nullptr, nullptr}},
    {tls13::named_group::secp384r1_mlkem1024, "SecP384r1MLKEM1024", {nullptr, nullptr}},
};

// Each suite once: its RFC 8446 name.
struct suite_names {
  tls13::cipher_suite suite;
  const char* name;
};
inline constexpr suite_names k_suite_names[] = {
    {tls13::cipher_suite::aes_128_gcm_sha256, "TLS_AES_128_GCM_SHA256"},
    {tls13::cipher_suite::aes_256_gcm_sha384, "TLS_AES_256_GCM_SHA384"},
    {tls13::cipher_suite::chacha20_poly1305_sha256, "TLS_CHACHA20_POLY1305_SHA256"},
};

inline std::optional<tls13::named_group> group_from(const std::string& n) {
  for (const auto& g : k_group_names)
    if (n == g.name || (g.aliases[0] && n == g.aliases[0]) || (g.aliases[1] && n == g.aliases[1]))
      return g.group;
  return std::nullopt;
}

inline std::optional<tls13::cipher_suite> suite_from(const std::string& n) {
  for (const auto& s : k_suite_names)
    if (n == s.name) return s.suite;
  return std::nullopt;
}

inline const char* suite_name(tls13::cipher_suite suite) {
  for (const auto& s : k_suite_names)
    if (s.suite == suite) return s.name;
  return "unknown";
}

inline const char* group_name(std::optional<tls13::named_group> group) {
  if (!group) return "none (psk_ke)";
  for (const auto& g : k_group_names)
    if (g.group == *group) return g.name;
  return "unknown";
}

// host:port or port.
inline bool split_address(const std::string& a, std::string& host, std::string& port) {
  const auto colon = a.rfind(':');
  if (colon == std::string::npos) {
    port = a;
    return !port.empty();
  }
  host = a.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  port = a.substr(colon + 1);
  return !port.empty();
}

inline std::optional<options> parse(int argc, char** argv) {
  if (argc < 2) return std::nullopt;
  options o;
  const std::string mode = argv[1];
  if (mode == "client")
    o.role = mode::client;
  else if (mode == "server")
    o.role = mode::server;
  else
    return std::nullopt;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    std::optional<std::string> v;
    if (a == "-quiet")
      o.quiet = true;
    else if (a == "-www")
      o.www = true;
    else if (a == "-noverify")
      o.no_verify = true;
    else if (a == "-early_data" && o.role == mode::server)
      o.early_data = true;
    else if (a == "-status" && o.role == mode::client)
      o.status = true;
    else if (a == "-allow_no_dhe_kex")
      o.allow_no_dhe_kex = true;
    else if (a == "-prefer_no_dhe_kex" && o.role == mode::server)
      o.prefer_no_dhe_kex = true;
    else if (!(v = next()))
      return std::nullopt;
    else if (a == "-connect" || a == "-accept") {
      if (!split_address(*v, o.host, o.port)) return std::nullopt;
    } else if (a == "-servername")
      o.servername = *v;
    else if (a == "-CAfile")
      o.cafile = *v;
    else if (a == "-CApath")
      o.capath = *v;
    else if (a == "-cert")
      o.cert = *v;
    else if (a == "-key")
      o.key = *v;
    else if (a == "-keylogfile")
      o.keylogfile = *v;
    else if (a == "-alpn")
      o.alpn = split(*v, ',');
    else if (a == "-naccept")
      o.naccept = std::atoi(v->c_str());
    else if (a == "-num_tickets")
      o.num_tickets = std::atoi(v->c_str());
    else if (a == "-sess_in")
      o.sess_in = *v;
    else if (a == "-sess_out")
      o.sess_out = *v;
    else if (a == "-early_data")
      o.early_data_file = *v;
    else if (a == "-status_file" && o.role == mode::server)
      o.status_file = *v;
    else if (a == "-Verify" || a == "-verify") {
      o.verify_depth = std::atoi(v->c_str());
      o.verify_required = a == "-Verify";
    } else if (a == "-groups" || a == "-curves") {
      for (const auto& g : split(*v, ':')) {
        auto ng = group_from(g);
        if (!ng) {
          std::cerr << "tls13: unknown group " << g << "\n";
          return std::nullopt;
        }
        o.groups.push_back(*ng);
      }
    } else if (a == "-ciphersuites") {
      for (const auto& s : split(*v, ':')) {
        auto cs = suite_from(s);
        if (!cs) {
          std::cerr << "tls13: unknown cipher suite " << s << "\n";
          return std::nullopt;
        }
        o.suites.push_back(*cs);
      }
    } else {
      std::cerr << "tls13: unknown option " << a << "\n";
      return std::nullopt;
    }
  }
  if (o.port.empty()) return std::nullopt;
  if (o.role == mode::client && o.host.empty()) return std::nullopt;
  if (o.role == mode::server && (o.cert.empty() || o.key.empty())) return std::nullopt;
  return o;
}

[[noreturn]] inline void fatal(const std::string& what, std::error_code ec) {
  std::cerr << "tls13: " << what << ": " << ec.message() << "\n";
  std::exit(1);
}

inline std::shared_ptr<const tls13::certified_key> load_certified_key(const std::string& cert,
                                                                      const std::string& key) {
  auto chain = tls13::load_certificate_chain_file(cert);
  if (!chain) fatal("cannot load certificate chain " + cert, chain.error());
  auto k = tls13::private_key::from_pem_file(key.empty() ? cert : key);
  if (!k) fatal("cannot load private key " + key, k.error());
  auto ck = std::make_shared<tls13::certified_key>();
  ck->chain = std::move(*chain);
  ck->key = std::make_shared<tls13::private_key>(std::move(*k));
  return ck;
}

inline void apply_common(const options& o, tls13::common_config& c) {
  c.alpn = o.alpn;
  c.groups = o.groups;
  c.cipher_suites = o.suites;
  if (!o.cafile.empty() || !o.capath.empty()) {
    auto store = tls13::trust_store::create();
    if (!store) fatal("trust store", store.error());
    if (!o.cafile.empty())
      if (auto r = (*store)->load_file(o.cafile); !r) fatal("cannot load CA file " + o.cafile, r.error());
    if (!o.capath.empty())
      if (auto r = (*store)->add_directory(o.capath); !r) fatal("cannot load CA path " + o.capath, r.error());
    c.verifier = tls13::make_default_verifier(*store);
  }
  if (!o.keylogfile.empty()) {
    auto file = std::make_shared<std::ofstream>(o.keylogfile, std::ios::app);
    c.key_log = [file](std::string_view line) {
      *file << line << '\n';
      file->flush();
    };
  }
}

}  // namespace tool
