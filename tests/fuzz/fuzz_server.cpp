// A server connection fed an arbitrary client flight (as records).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "pair.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tls13;
  static const auto config = [] {
    auto s = std::make_shared<server_config>();
    s->certificates.push_back(test::load_key("server-ecdsa-chain.pem", "server-ecdsa-key.pem"));
    return std::shared_ptr<const server_config>(s);
  }();
  auto conn = connection::server(config);
  if (!conn) return 0;
  std::vector<std::byte> buf(reinterpret_cast<const std::byte*>(data),
                             reinterpret_cast<const std::byte*>(data) + size);
  input_window in{mut_bytes(buf)};
  in.transport_eof = true;
  vector_sink out;
  for (int i = 0; i < 64; ++i) {
    auto ev = conn->poll(in, out);
    if (!ev || std::holds_alternative<events::need_input>(*ev) || std::holds_alternative<events::closed>(*ev))
      break;
    if (auto* a = std::get_if<events::app_data>(&*ev)) conn->consume_app_data(a->payload.size());
  }
  return 0;
}
