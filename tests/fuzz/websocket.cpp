// libFuzzer target: the WebSocket frame reader, fed the input in pieces as a socket would
// deliver it (the first byte sets the piece size), exactly as the transport drives it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/websocket.hpp"

using namespace atrium;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  std::size_t piece = 1 + data[0] % 64;
  std::string_view in{reinterpret_cast<const char*>(data) + 1, size - 1};
  ws::frame_reader reader{4096};
  std::string pending; // received, not parsed yet
  for (std::size_t at = 0; at < in.size(); at += piece) {
    pending.append(in.substr(at, piece));
    std::size_t parsed = 0;
    for (;;) {
      ws::client_event ev;
      auto used = reader.next(std::string_view{pending}.substr(parsed), ev);
      parsed += used;
      if (parsed > pending.size())
        __builtin_trap();
      if (ev.what == ws::client_event::kind::need_more) {
        if (used > 0)
          continue;
        break;
      }
      if (ev.what == ws::client_event::kind::message && ev.payload.size() > 4096)
        __builtin_trap(); // above max_message: must have been refused
      if (ev.what == ws::client_event::kind::close || ev.what == ws::client_event::kind::failed)
        return 0;
    }
    pending.erase(0, parsed);
    if (pending.size() > 4096 + 14 + 2 * 125 + 64)
      __builtin_trap(); // an unfinished frame never holds more than one frame's bytes
  }
  return 0;
}
