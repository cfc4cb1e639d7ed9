// Every handshake message and extension decoder on arbitrary bytes; the first byte picks one.
#include <cstddef>
#include <cstdint>

#include "handshake/messages/extension_bodies.hpp"
#include "handshake/messages/hello.hpp"
#include "handshake/messages/post_hello.hpp"
#include "handshake/server/cookie.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tls13;
  using namespace tls13::handshake;
  if (size < 1) return 0;
  const bytes in(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  switch (data[0] % 20) {
    case 0:
      (void)decode_client_hello(in);
      break;
    case 1:
      (void)decode_server_hello(in);
      break;
    case 2:
      (void)decode_encrypted_extensions(in);
      break;
    case 3:
      (void)decode_certificate_request(in);
      break;
    case 4:
      (void)decode_certificate(in);
      break;
    case 5:
      (void)decode_certificate_verify(in);
      break;
    case 6:
      (void)decode_finished(in, 32);
      break;
    case 7:
      (void)decode_new_session_ticket(in);
      break;
    case 8:
      (void)decode_key_update(in);
      break;
    case 9:
      (void)decode_key_share_ch(in);
      break;
    case 10:
      (void)decode_key_share_sh(in);
      break;
    case 11:
      (void)decode_server_name(in);
      break;
    case 12:
      (void)decode_alpn(in);
      break;
    case 13:
      (void)decode_pre_shared_key_ch(in);
      break;
    case 14:
      (void)decode_supported_versions_ch(in);
      break;
    case 15:
      (void)decode_signature_algorithms(in);
      break;
    case 16:
      (void)decode_record_size_limit(in);
      break;
    case 17:
      (void)parse_extensions(in, message_kind::client_hello);
      break;
    case 18:
      (void)parse_extensions(in, message_kind::encrypted_extensions);
      break;
    case 19: {
      const std::byte key[32] = {};
      (void)open_cookie(key, in);
      break;
    }
  }
  return 0;
}
