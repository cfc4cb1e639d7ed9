// Deframer + record open (fixed AES-128-GCM key; in place, and into a separate destination) +
// handshake reassembly on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "record/record_layer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tls13;
  std::vector<std::byte> window(reinterpret_cast<const std::byte*>(data),
                                reinterpret_cast<const std::byte*>(data) + size);
  record::record_layer plain, keyed;
  const std::byte key[16] = {}, iv[12] = {};
  keyschedule::traffic_keys k{crypto::aead_alg::aes_128_gcm, secret::from(key), secret::from(iv)};
  if (!keyed.set_read_keys(k)) return 0;
  keyed.set_max_handshake_message(4096);
  plain.set_max_handshake_message(4096);
  record::record_layer keyed_dest;  // opens into a separate destination when the plaintext fits
  if (!keyed_dest.set_read_keys(k)) return 0;
  keyed_dest.set_max_handshake_message(4096);
  // The destination's size comes from the first input octet: 0 .. 32640 octets, around a record's.
  std::vector<std::byte> dest(size == 0 ? 0 : std::size_t{data[0]} * 128);
  for (auto* layer : {&plain, &keyed, &keyed_dest}) {
    std::vector<std::byte> copy = window;
    mut_bytes rest(copy);
    const mut_bytes to = layer == &keyed_dest ? mut_bytes(dest) : mut_bytes{};
    for (int i = 0; i < 64 && !rest.empty(); ++i) {
      std::size_t used = 0;
      auto rec = layer->read(rest, used, to);
      if (!rec || !*rec) break;
      if ((*rec)->in_destination()) {  // the payload and what was written lie within the destination
        if ((*rec)->destination_used > to.size() || (*rec)->payload.data() != to.data() ||
            (*rec)->payload.size() > (*rec)->destination_used)
          __builtin_trap();
      }
      if ((*rec)->type == content_type::handshake) {
        if (!layer->add_handshake_fragment((*rec)->payload)) break;
        for (;;) {
          auto msg = layer->next_handshake_message();
          if (!msg || !*msg) break;
        }
      }
      rest = rest.subspan(used);
    }
  }
  return 0;
}
