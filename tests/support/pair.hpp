// An in-memory client/server pair driven through the public sans-I/O API, for engine tests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tls13/config.hpp"
#include "tls13/connection.hpp"
#include "tls13/keys.hpp"
#include "tls13/x509.hpp"

namespace tls13::test {

inline std::string pki(const std::string& name) { return vector_path("pki/" + name); }

inline std::shared_ptr<const certified_key> load_key(const std::string& chain_file,
                                                     const std::string& key_file,
                                                     std::vector<std::string> names = {}) {
  auto chain = load_certificate_chain_file(pki(chain_file));
  auto key = private_key::from_pem_file(pki(key_file));
  if (!chain || !key) throw std::runtime_error("cannot load test key " + key_file);
  auto ck = std::make_shared<certified_key>();
  ck->chain = std::move(*chain);
  ck->key = std::make_shared<private_key>(std::move(*key));
  ck->server_names = std::move(names);
  return ck;
}

inline std::shared_ptr<const certificate_verifier> test_verifier(const std::string& root = "ca.pem") {
  auto s = trust_store::create();
  if (!s || !(*s)->load_file(pki(root))) throw std::runtime_error("cannot load trust anchor");
  return make_default_verifier(*s);
}

// What most engine tests start from: a client trusting the test CA, a server with its ECDSA chain.
struct base_configs {
  std::shared_ptr<client_config> client = std::make_shared<client_config>();
  std::shared_ptr<server_config> server = std::make_shared<server_config>();
  base_configs() {
    client->verifier = test_verifier();
    server->certificates.push_back(load_key("server-ecdsa-chain.pem", "server-ecdsa-key.pem"));
  }
};

// One side of the pair: its connection, what it received, and its state.
struct endpoint {
  std::unique_ptr<connection> conn;
  std::vector<std::byte> inbox;  // bytes from the peer not yet consumed
  vector_sink out;
  std::string received;
  // When not empty: offered to poll() as input_window::app_destination, as a read's buffer would be.
  std::vector<std::byte> app_destination;
  int opened_in_destination = 0;  // app_data events delivered straight into app_destination
  // Answers events::replay_check (server with external_anti_replay); unset: the pump stops there.
  std::function<replay_verdict(bytes)> on_replay_check;
  int replay_checks = 0;
  bool done = false, peer_closed = false, closed = false;
  std::error_code error;

  // Runs poll() until it needs input; returns false on error.
  bool pump() {
    for (int guard = 0; guard < 1000; ++guard) {
      input_window in{mut_bytes(inbox.data(), inbox.size())};
      in.app_destination = mut_bytes(app_destination.data(), app_destination.size());
      auto ev = conn->poll(in, out);
      // Views in the event point into `inbox`: use them before compacting it.
      struct compact {
        std::vector<std::byte>& v;
        std::size_t n;
        ~compact() { v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)); }
      } later{inbox, in.consumed};
      if (!ev) {
        error = ev.error();
        return false;
      }
      if (std::holds_alternative<events::need_input>(*ev)) {
        conn->prepare_next_handshake();  // as the Asio driver does before it waits
        return true;
      }
      if (auto* rc = std::get_if<events::replay_check>(&*ev)) {
        ++replay_checks;
        if (!on_replay_check) return true;  // the decision is pending
        if (!conn->resolve_replay_check(on_replay_check(rc->client_hello_id))) return false;
        continue;
      }
      if (std::holds_alternative<events::handshake_done>(*ev)) done = true;
      if (auto* a = std::get_if<events::app_data>(&*ev)) {
        received.append(reinterpret_cast<const char*>(a->payload.data()), a->payload.size());
        if (!app_destination.empty() && a->payload.data() == app_destination.data())
          ++opened_in_destination;  // taken in full already
        else
          conn->consume_app_data(a->payload.size());
      }
      if (std::holds_alternative<events::peer_closed>(*ev)) {
        peer_closed = true;
        return true;
      }
      if (std::holds_alternative<events::closed>(*ev)) {
        closed = true;
        return true;
      }
    }
    return false;
  }
};

struct pair {
  endpoint client, server;

  // Moves each side's output to the other's inbox.
  void transfer() {
    auto move = [](endpoint& from, endpoint& to) {
      auto d = from.out.data();
      to.inbox.insert(to.inbox.end(), d.begin(), d.end());
      from.out.clear();
    };
    move(client, server);
    move(server, client);
  }

  // Runs both sides until neither makes progress. False if either failed.
  bool run() {
    for (int round = 0; round < 50; ++round) {
      const bool ok_c = client.pump();
      const bool ok_s = server.pump();
      const bool moved = client.out.size() + server.out.size() > 0;
      transfer();
      if (!ok_c || !ok_s) {
        // Deliver the alert the failing side queued, so the other side sees it.
        client.pump();
        server.pump();
        return false;
      }
      if (!moved && client.inbox.empty() && server.inbox.empty()) return true;
    }
    return false;
  }

  bool handshake() { return run() && client.done && server.done; }
};

inline pair make_pair(std::shared_ptr<client_config> c, std::shared_ptr<server_config> s,
                      const std::string& sni = "localhost") {
  pair p;
  auto cc = connection::client(c, sni);
  auto sc = connection::server(s);
  if (!cc || !sc) throw std::runtime_error("cannot create connections");
  p.client.conn = std::make_unique<connection>(std::move(*cc));
  p.server.conn = std::make_unique<connection>(std::move(*sc));
  return p;
}

}  // namespace tls13::test
