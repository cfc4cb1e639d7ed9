#include "session/server_ticket.hpp"

#include "handshake/messages/codec.hpp"
#include "session/time_codec.hpp"

namespace tls13::session {
namespace {
constexpr std::uint8_t contents_format = 1;

bytes text_bytes(const std::string& s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }
std::string text(bytes b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }
}  // namespace

// format(1) suite(2) psk<32..64> age_add(4) lifetime(4) issued_ms(8) max_early_data(4)
// sni<0..255> alpn<0..255> flags(1) chain<0..2^24-1> of cert<1..2^24-1>
std::vector<std::byte> encode_ticket(const ticket_contents& t) {
  std::vector<std::byte> out;
  handshake::writer w(out);
  write_head(w, contents_format, t.suite, t.psk, t.age_add, t.lifetime);
  write_time_ms(w, t.issued);
  w.u32(t.max_early_data);
  (void)w.vec(1, text_bytes(t.server_name));
  (void)w.vec(1, text_bytes(t.alpn));
  w.u8(t.peer_authenticated ? 1 : 0);
  write_chain(w, t.peer_chain);
  return out;
}

result<ticket_contents> decode_ticket(bytes plaintext, std::size_t max_chain) {
  handshake::reader r(plaintext);
  ticket_contents t;
  TLS13_TRY_ASSIGN(auto head, session::read_head(r, contents_format));
  t.suite = head.suite;
  t.psk = std::move(head.psk);
  t.age_add = head.age_add;
  t.lifetime = head.lifetime;
  TLS13_TRY_ASSIGN(t.issued, read_time_ms(r));
  TLS13_TRY_ASSIGN(t.max_early_data, r.u32());
  TLS13_TRY_ASSIGN(const bytes sni, r.vec(1, 0, 255));
  t.server_name = text(sni);
  TLS13_TRY_ASSIGN(const bytes alpn, r.vec(1, 0, 255));
  t.alpn = text(alpn);
  TLS13_TRY_ASSIGN(const auto flags, r.u8());
  if (flags > 1) return decode_errc::bad_value;
  t.peer_authenticated = flags == 1;
  TLS13_TRY_ASSIGN(t.peer_chain, read_chain(r, max_chain));
  TLS13_TRY(r.expect_end());
  return t;
}

}  // namespace tls13::session
