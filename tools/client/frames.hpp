#pragma once

// The Socket.IO layer of the client, without I/O: outbound packets become Engine.IO frames,
// inbound Engine.IO messages become whole Socket.IO packets (attachments reassembled).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/socketio.hpp"
#include "tools/client/client.hpp"

namespace atrium::client {

/// One Engine.IO frame waiting to be written: a text packet with its type character
/// ("4...", "3", "1", "5") or the raw bytes of a binary message.
struct out_frame {
  std::string bytes;
  bool binary = false;
};

/// Appends the frames of one Socket.IO packet: '4' + sio::encode(p), then each attachment as
/// a binary message. A packet given attachments becomes the binary type of its kind and
/// announces exactly as many as it carries. Returns the bytes appended.
std::size_t append_packet_frames(std::vector<out_frame>& out, sio::packet p,
                                 std::vector<std::string> attachments);

/// Turns the Engine.IO messages of one session into Socket.IO packets, in order.
class packet_assembler {
public:
  enum class status {
    pending,  // nothing complete yet (a binary packet waits for attachments)
    complete, // `out` holds a packet
    invalid,  // the server broke the protocol: the session must end ("parse error")
  };

  explicit packet_assembler(sio::limits lim) : limits_(lim) {}

  /// A text message: the Socket.IO packet text (without the Engine.IO '4').
  status text(std::string_view sio_text, inbound& out);
  /// A binary message: the next attachment of the packet being assembled.
  status binary(std::string bytes, inbound& out);

private:
  sio::limits limits_;
  sio::attachment_collector collector_;
};

} // namespace atrium::client
