#include "tools/client/frames.hpp"

#include <utility>

namespace atrium::client {

std::size_t append_packet_frames(std::vector<out_frame>& out, sio::packet p,
                                 std::vector<std::string> attachments) {
  if (!attachments.empty()) {
    if (p.type == sio::packet_type::event)
      p.type = sio::packet_type::binary_event;
    else if (p.type == sio::packet_type::ack)
      p.type = sio::packet_type::binary_ack;
  }
  if (p.type == sio::packet_type::binary_event || p.type == sio::packet_type::binary_ack)
    p.attachments = attachments.size();
  std::string text = "4";
  text += sio::encode(p);
  std::size_t bytes = text.size();
  out.push_back(out_frame{std::move(text), false});
  for (auto& a : attachments) {
    bytes += a.size();
    out.push_back(out_frame{std::move(a), true});
  }
  return bytes;
}

packet_assembler::status packet_assembler::text(std::string_view sio_text, inbound& out) {
  // A text message while attachments are still due means the server lost count.
  if (collector_.waiting())
    return status::invalid;
  auto decoded = sio::decode(sio_text, limits_);
  if (!decoded)
    return status::invalid;
  if (collector_.start(std::move(*decoded))) {
    out.packet = collector_.take_packet(out.attachments);
    return status::complete;
  }
  return status::pending;
}

packet_assembler::status packet_assembler::binary(std::string bytes, inbound& out) {
  if (!collector_.waiting())
    return status::invalid; // an attachment nobody announced
  if (!collector_.add(std::move(bytes)))
    return status::pending;
  out.packet = collector_.take_packet(out.attachments);
  return status::complete;
}

} // namespace atrium::client
