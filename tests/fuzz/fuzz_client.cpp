// A client connection, after sending its ClientHello, fed an arbitrary server flight.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "pair.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tls13;
  static const auto config = [] {
    auto c = std::make_shared<client_config>();
    c->verifier = test::test_verifier();
    c->groups = {named_group::x25519, named_group::secp256r1};
    return std::shared_ptr<const client_config>(c);
  }();
  auto conn = connection::client(config, "localhost");
  if (!conn) return 0;
  vector_sink out;
  input_window empty{};
  for (int i = 0; i < 4; ++i) {
    auto ev = conn->poll(empty, out);
    if (!ev || std::holds_alternative<events::need_input>(*ev)) break;
  }
  std::vector<std::byte> buf(reinterpret_cast<const std::byte*>(data),
                             reinterpret_cast<const std::byte*>(data) + size);
  input_window in{mut_bytes(buf)};
  in.transport_eof = true;
  for (int i = 0; i < 64; ++i) {
    auto ev = conn->poll(in, out);
    if (!ev || std::holds_alternative<events::need_input>(*ev) || std::holds_alternative<events::closed>(*ev))
      break;
  }
  return 0;
}
