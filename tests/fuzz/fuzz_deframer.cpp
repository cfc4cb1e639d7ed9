// libFuzzer target: the record layer's receive path (deframer, record open, handshake reassembly)
// with its invariants checked, so the fuzzer finds wrong answers as well as crashes.
//
// Input: one flags octet, then the body.
//   flags & 3     read keys: 0 none (plaintext), 1 RFC 8448 §3 server handshake keys, 2 server
//                 application keys, 3 client application keys. With these keys the protected
//                 records of the RFC 8448 §3 trace decrypt (sequence numbers from 0), so the seed
//                 corpus reaches the code behind the AEAD.
//   flags & 4     synthesize: the body is a list of items (below) that this harness seals itself
//                 with the same keys, so the fuzzer controls the inner plaintext (content type,
//                 padding, sizes) and a model of RFC 8446 §5 predicts every outcome.
//   flags >> 3    the incremental pass reads (flags >> 3) + 1 octets per transport read.
// Item (synthesize mode): type(1) len(2) pad(1) content. type bit 7: send unprotected (outer
// type = type & 0x7f). len bit 15: content is (len & 0x7fff) copies of the next octet, otherwise
// the next len octets. pad: zero octets after the inner content type.
//
// Invariants (a violation traps):
//  1. Deframing does not depend on how the bytes arrive: whole window and chunked delivery (a
//     driver appending at the back, dropping consumed bytes at the front) give the same records,
//     handshake messages and final error.
//  2. A record consumes exactly 5 + its length field; its payload lies inside the record.
//  3. Re-sealing an accepted record (record_layer::write, same keys and sequence number)
//     reproduces its wire bytes when it was sent without padding and with version 0x0303.
//  4. Reassembly: the messages are consecutive slices of the handshake payloads, each with a
//     correct header and within the cap; what is left is an incomplete message, and exactly then
//     handshake_partial() is true.
//  5. Synthesize mode: the outcome of each record is what RFC 8446 §5 says it must be.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <system_error>
#include <vector>

#include "crypto/aead.hpp"
#include "keyschedule/key_schedule.hpp"
#include "record/record_layer.hpp"
#include "tls13/connection.hpp"
#include "tls13/errors.hpp"

namespace {

using namespace tls13;
using byte_vec = std::vector<std::byte>;

[[noreturn]] void broken(const char* what, int line) {
  std::fprintf(stderr, "fuzz_deframer: invariant broken (line %d): %s\n", line, what);
  __builtin_trap();
}
#define CHECK(c) \
  if (!(c)) broken(#c, __LINE__)

constexpr std::size_t max_message = 4096;
constexpr std::size_t max_plaintext = 1 << 14;
constexpr std::size_t max_ciphertext = max_plaintext + 256;

// RFC 8448 §3 write keys (key, iv): server handshake, server application, client application.
const char* const rfc8448_keys[3][2] = {
    {"3fce516009c21727d0f2e4e86ee403bc", "5d313eb2671276ee13000b30"},
    {"9f02283b6c9c07efc26bb9f2ac92e356", "cf782b88dd83549aadf1e984"},
    {"17422dda596ed5d9acd890e3c63f5051", "5b78923dee08579033e523d9"},
};

byte_vec unhex(const char* s) {
  auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  byte_vec out;
  for (; s[0] != 0 && s[1] != 0; s += 2) out.push_back(static_cast<std::byte>(nib(s[0]) << 4 | nib(s[1])));
  return out;
}

std::optional<keyschedule::traffic_keys> keys_for(unsigned sel) {
  if (sel == 0) return std::nullopt;
  const byte_vec k = unhex(rfc8448_keys[sel - 1][0]), iv = unhex(rfc8448_keys[sel - 1][1]);
  return keyschedule::traffic_keys{crypto::aead_alg::aes_128_gcm, secret::from(k), secret::from(iv)};
}

std::size_t length_field(const std::byte* hdr) {
  return static_cast<std::size_t>(hdr[3]) << 8 | static_cast<std::size_t>(hdr[4]);
}
std::size_t uint24(const std::byte* p) {
  return static_cast<std::size_t>(p[0]) << 16 | static_cast<std::size_t>(p[1]) << 8 |
         static_cast<std::size_t>(p[2]);
}

// What the receive path did, in order.
struct event {
  enum kind_t { record, message, read_error, reassembly_error } kind;
  std::uint8_t type = 0;
  bool was_protected = false;
  byte_vec data;  // record payload or handshake message
  std::error_code ec{};
  bool operator==(const event&) const = default;
};

struct pass_result {
  std::vector<event> trace;
  std::vector<byte_vec> wires;  // wire bytes of each returned record, before decryption
  bool partial = false;         // handshake_partial() at the end
};

class receiver {
 public:
  explicit receiver(unsigned sel) {
    if (auto k = keys_for(sel)) CHECK(layer_.set_read_keys(*k));
    layer_.set_max_handshake_message(max_message);
  }

  // Feeds `data` `chunk` octets at a time to the record layer until it fails or runs dry.
  pass_result run(bytes data, std::size_t chunk) {
    pass_result out;
    byte_vec buf, wire;
    std::size_t fed = 0;
    for (;;) {
      // Keep the record's wire bytes (decryption happens in place) once it is complete.
      if (buf.size() >= 5 && buf.size() >= 5 + length_field(buf.data()))
        wire.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(5 + length_field(buf.data())));
      std::size_t used = 0;
      auto rec = layer_.read(buf, used);
      if (!rec) {
        out.trace.push_back({event::read_error, 0, false, {}, rec.error()});
        break;
      }
      if (!*rec) {
        if (fed == data.size()) break;
        const std::size_t n = std::min(chunk, data.size() - fed);
        buf.insert(buf.end(), data.begin() + fed, data.begin() + fed + n);
        fed += n;
        continue;
      }
      CHECK(used == 5 + length_field(buf.data()) && used <= buf.size() && wire.size() == used);
      const auto& payload = (*rec)->payload;
      CHECK(payload.data() >= buf.data() + 5 && payload.data() + payload.size() <= buf.data() + used);
      out.wires.push_back(wire);
      if (!deliver(**rec, out.trace)) break;
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
    }
    out.partial = layer_.handshake_partial();
    return out;
  }

 private:
  // Records one record and runs handshake reassembly; false once the stream has failed.
  bool deliver(const record::record_layer::inbound& rec, std::vector<event>& trace) {
    trace.push_back({event::record, static_cast<std::uint8_t>(rec.type), rec.was_protected,
                     byte_vec(rec.payload.begin(), rec.payload.end())});
    if (rec.type != content_type::handshake) return true;
    if (auto r = layer_.add_handshake_fragment(rec.payload); !r) {
      trace.push_back({event::reassembly_error, 0, false, {}, r.error()});
      return false;
    }
    for (;;) {
      auto m = layer_.next_handshake_message();
      if (!m) {
        trace.push_back({event::reassembly_error, 0, false, {}, m.error()});
        return false;
      }
      if (!*m) return true;
      trace.push_back({event::message, 0, false, byte_vec((*m)->begin(), (*m)->end())});
    }
  }

  record::record_layer layer_;
};

// Invariant 3: the writer reproduces every accepted unpadded record with version 0x0303.
void check_reseal(unsigned sel, const pass_result& p) {
  record::record_layer writer, plain;
  if (auto k = keys_for(sel)) CHECK(writer.set_write_keys(*k));
  std::uint64_t seq = 0;
  std::size_t i = 0;
  for (const auto& ev : p.trace) {
    if (ev.kind != event::record) continue;
    const byte_vec& wire = p.wires[i++];
    vector_sink out;
    const auto type = static_cast<content_type>(ev.type);
    if (ev.was_protected) {
      writer.set_sequence_numbers_for_testing(0, seq++);
      CHECK(writer.write(type, ev.data, out));
      if (wire.size() != 5 + ev.data.size() + 1 + crypto::aead_tag_size) continue;  // padded
    } else {
      CHECK(plain.write_plain(type, ev.data, out));
    }
    if (wire[1] != std::byte{3} || wire[2] != std::byte{3}) continue;
    CHECK(out.data().size() == wire.size() && std::equal(wire.begin(), wire.end(), out.data().begin()));
  }
}

// Invariant 4.
void check_reassembly(const pass_result& p) {
  byte_vec hs, msgs;
  bool failed = false;
  for (const auto& ev : p.trace) {
    if (ev.kind == event::record && ev.type == static_cast<std::uint8_t>(content_type::handshake))
      hs.insert(hs.end(), ev.data.begin(), ev.data.end());
    if (ev.kind == event::reassembly_error) failed = true;
    if (ev.kind != event::message) continue;
    CHECK(ev.data.size() >= 4 && ev.data.size() - 4 <= max_message);
    CHECK(ev.data.size() - 4 == uint24(ev.data.data() + 1));
    msgs.insert(msgs.end(), ev.data.begin(), ev.data.end());
  }
  CHECK(msgs.size() <= hs.size() && std::equal(msgs.begin(), msgs.end(), hs.begin()));
  if (failed) return;
  const std::size_t rest = hs.size() - msgs.size();
  CHECK(p.partial == (rest != 0));
  if (rest >= 4) {
    CHECK(rest < 4 + uint24(hs.data() + msgs.size() + 1));
  }
}

// --- synthesize mode -------------------------------------------------------------------------

struct synth {
  byte_vec wire;
  std::vector<event> expected;  // one record event per item, or a read_error that ends the stream
};

event failure(std::error_code ec) { return {event::read_error, 0, false, {}, ec}; }

// RFC 8446 §5.2/§5.4: the outcome of opening a protected record with this inner plaintext.
event expect_protected(const byte_vec& inner) {
  if (inner.size() + crypto::aead_tag_size > max_ciphertext) return failure(decode_errc::record_too_large);
  // §5.4: the full encoded TLSInnerPlaintext, padding included, is at most 2^14 + 1 octets.
  if (inner.size() > max_plaintext + 1) return failure(decode_errc::record_too_large);
  std::size_t k = inner.size();
  while (k > 0 && inner[k - 1] == std::byte{0}) --k;
  if (k == 0) return failure(protocol_errc::bad_padding);
  const auto type = static_cast<std::uint8_t>(inner[k - 1]);
  if (type == static_cast<std::uint8_t>(content_type::change_cipher_spec))
    return failure(protocol_errc::unexpected_message);  // CCS is never encrypted (D.4)
  if ((type == 21 || type == 22) && k == 1) return failure(protocol_errc::empty_fragment);
  return {event::record, type, true,
          byte_vec(inner.begin(), inner.begin() + static_cast<std::ptrdiff_t>(k - 1))};
}

// RFC 8446 §5.1: the outcome of an unprotected record. Once keys are installed only the
// compatibility CCS may come in the clear; its content (0x01, length 1) is the connection's to
// check, its size the record layer's: a TLSPlaintext over 2^14 is record_overflow. Only an
// application_data record under keys is a TLSCiphertext (up to 2^14 + 256).
event expect_plain(std::uint8_t type, const byte_vec& body, bool keyed) {
  if (type < 20 || type > 23) return failure(protocol_errc::unexpected_message);
  const bool ciphertext = keyed && type == static_cast<std::uint8_t>(content_type::application_data);
  if (body.size() > (ciphertext ? max_ciphertext : max_plaintext))
    return failure(decode_errc::record_too_large);
  // Under keys an application_data record is a TLSCiphertext: arbitrary bytes fail the tag.
  if (keyed && type == static_cast<std::uint8_t>(content_type::application_data))
    return failure(protocol_errc::bad_record_mac);
  if (keyed && type != static_cast<std::uint8_t>(content_type::change_cipher_spec))
    return failure(protocol_errc::unexpected_message);
  if (!keyed && type == static_cast<std::uint8_t>(content_type::application_data))
    return failure(protocol_errc::unexpected_message);
  return {event::record, type, false, body};
}

void append_header(byte_vec& wire, std::uint8_t type, std::size_t len) {
  for (auto b : {type, std::uint8_t{3}, std::uint8_t{3}, static_cast<std::uint8_t>(len >> 8),
                 static_cast<std::uint8_t>(len)})
    wire.push_back(static_cast<std::byte>(b));
}

// Seals one inner plaintext (RFC 8446 §5.2, §5.3) with aead_ctx directly, not with record_layer.
void seal_inner(crypto::aead_ctx& ctx, const secret& iv, std::uint64_t seq, const byte_vec& inner,
                byte_vec& wire) {
  const std::size_t n = inner.size() + crypto::aead_tag_size, at = wire.size();
  append_header(wire, 23, n);
  wire.resize(at + 5 + n);
  byte_vec nonce(iv.view().begin(), iv.view().end());
  for (std::size_t i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<std::byte>(seq >> (8 * i));
  CHECK(ctx.seal(nonce, bytes(wire.data() + at, 5), inner, mut_bytes(wire.data() + at + 5, n)));
}

// Parses the items of `body` (see the top of the file) into records and their expected outcomes.
synth build(unsigned sel, bytes body) {
  synth s;
  const auto keys = keys_for(sel);
  std::optional<crypto::aead_ctx> ctx;
  if (keys) {
    auto c = crypto::aead_ctx::create(keys->aead, crypto::direction::seal, keys->key.view());
    CHECK(c);
    ctx.emplace(std::move(*c));
  }
  std::uint64_t seq = 0;
  std::size_t off = 0;
  while (body.size() - off >= 4) {
    const auto t = static_cast<std::uint8_t>(body[off]);
    const std::size_t len =
        static_cast<std::size_t>(body[off + 1]) << 8 | static_cast<std::size_t>(body[off + 2]);
    const std::size_t pad = static_cast<std::size_t>(body[off + 3]);
    off += 4;
    byte_vec content;
    if (len & 0x8000) {
      content.assign(std::min(len & 0x7fff, max_ciphertext + 64),
                     off < body.size() ? body[off++] : std::byte{0});
    } else {
      const std::size_t n = std::min(len, body.size() - off);
      content.assign(body.begin() + off, body.begin() + off + n);
      off += n;
    }
    if (!ctx || (t & 0x80)) {
      append_header(s.wire, t & 0x7f, content.size());
      s.wire.insert(s.wire.end(), content.begin(), content.end());
      s.expected.push_back(expect_plain(t & 0x7f, content, ctx.has_value()));
    } else {
      content.push_back(static_cast<std::byte>(t));
      content.resize(content.size() + pad);
      seal_inner(*ctx, keys->iv, seq++, content, s.wire);
      s.expected.push_back(expect_protected(content));
    }
    if (s.expected.back().kind == event::read_error) break;
  }
  return s;
}

// Invariant 5: records and the read error are those of the model; a reassembly error (judged by
// invariant 4) may end the stream early.
void check_model(const synth& s, const pass_result& p) {
  std::vector<event> got;
  bool reassembly_failed = false;
  for (const auto& ev : p.trace) {
    if (ev.kind == event::record || ev.kind == event::read_error) got.push_back(ev);
    if (ev.kind != event::reassembly_error) continue;
    reassembly_failed = true;
    CHECK(ev.ec == make_error_code(protocol_errc::empty_fragment) ||
          ev.ec == make_error_code(decode_errc::message_too_large));
  }
  if (!reassembly_failed) {
    CHECK(got == s.expected);
    return;
  }
  CHECK(got.size() <= s.expected.size() && std::equal(got.begin(), got.end(), s.expected.begin()));
}

// FUZZ_DEFRAMER_TRACE=1 prints what the whole-window pass saw (triage of a crashing input).
void print_trace(const pass_result& p) {
  static const bool on = std::getenv("FUZZ_DEFRAMER_TRACE") != nullptr;
  if (!on) return;
  static const char* const kinds[] = {"record", "message", "read_error", "reassembly_error"};
  for (const auto& ev : p.trace)
    std::fprintf(stderr, "  %s type=%u protected=%d size=%zu %s\n", kinds[ev.kind], ev.type, ev.was_protected,
                 ev.data.size(), ev.ec ? ev.ec.message().c_str() : "");
  std::fprintf(stderr, "  end: partial=%d\n", p.partial);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned flags = data[0], sel = flags & 3;
  const std::size_t chunk = (flags >> 3) + 1;
  bytes body(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  std::optional<synth> s;
  if (flags & 4) {
    s = build(sel, body);
    body = s->wire;
  }
  const pass_result whole = receiver(sel).run(body, body.size() + 1);
  const pass_result chunked = receiver(sel).run(body, chunk);
  CHECK(whole.trace == chunked.trace && whole.wires == chunked.wires && whole.partial == chunked.partial);
  print_trace(whole);
  check_reseal(sel, whole);
  check_reassembly(whole);
  if (s) check_model(*s, whole);
  return 0;
}
