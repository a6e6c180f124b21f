// libFuzzer target: the Socket.IO decoder and the attachment collector. The input is a packet
// text, then (after the first '\0') binary attachments separated by '\0'. A decoded packet
// must encode to text that decodes to the same packet.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/socketio.hpp"

using namespace atrium;

namespace {

bool same(const sio::packet& a, const sio::packet& b) {
  return a.type == b.type && a.nsp == b.nsp && a.id == b.id && a.data == b.data
         && a.attachments == b.attachments;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in{reinterpret_cast<const char*>(data), size};
  auto cut = in.find('\0');
  auto text = in.substr(0, cut);
  sio::limits lim;
  lim.max_attachments = 4;
  lim.max_json_depth = 16;
  auto p = sio::decode(text, lim);
  if (!p)
    return 0;
  auto again = sio::decode(sio::encode(*p), lim);
  if (!again || !same(*p, *again))
    __builtin_trap();
  sio::attachment_collector collector;
  std::vector<std::string> attachments;
  bool complete = collector.start(*p);
  while (!complete && cut != std::string_view::npos) {
    auto next = in.find('\0', cut + 1);
    auto frame = in.substr(cut + 1, next == std::string_view::npos ? next : next - cut - 1);
    complete = collector.add(std::string{frame});
    cut = next;
  }
  if (complete) {
    auto whole = collector.take_packet(attachments);
    if (attachments.size() != whole.attachments)
      __builtin_trap();
  }
  return 0;
}
