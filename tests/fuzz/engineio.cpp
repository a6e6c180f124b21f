// libFuzzer target: the Engine.IO decoders (one text packet, a binary frame, a polling body).
// Whatever decodes must encode back to text that decodes to the same packet.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/engineio.hpp"

using namespace atrium;

namespace {

bool same(const eio::packet& a, const eio::packet& b) {
  return a.type == b.type && a.data == b.data && a.binary == b.binary;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in{reinterpret_cast<const char*>(data), size};
  if (auto p = eio::decode_text(in)) {
    auto again = eio::decode_text(eio::encode_text(*p));
    if (!again || !same(*p, *again))
      __builtin_trap();
  }
  (void) eio::decode_binary(in);
  if (auto packets = eio::decode_payload(in, 100000)) {
    std::string body;
    for (auto& p : *packets) {
      if (p.binary)
        eio::append_binary_segment(body, p.data);
      else
        eio::append_text_segment(body, eio::encode_text(p));
    }
    auto again = eio::decode_payload(body, body.size() + 1);
    if (!again || again->size() != packets->size())
      __builtin_trap();
  }
  return 0;
}
