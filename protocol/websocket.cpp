#include "protocol/websocket.hpp"

#include "protocol/json.hpp"

namespace atrium::ws {

namespace {

bool is_control(std::uint8_t op) noexcept {
  return (op & 0x8) != 0;
}

bool known(std::uint8_t op) noexcept {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

// Codes a peer may send in a close frame (RFC 6455 7.4: 1005, 1006 and 1015 are never sent).
bool valid_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011)
         || (code >= 3000 && code <= 4999);
}

} // namespace

frame_header server_frame_header(opcode op, std::uint64_t payload_size) noexcept {
  frame_header h;
  h.bytes.fill(0);
  h.bytes[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(op));
  if (payload_size <= 125) {
    h.bytes[1] = static_cast<char>(payload_size);
    h.size = 2;
  } else if (payload_size <= 0xFFFF) {
    h.bytes[1] = 126;
    h.bytes[2] = static_cast<char>(payload_size >> 8);
    h.bytes[3] = static_cast<char>(payload_size & 0xFF);
    h.size = 4;
  } else {
    h.bytes[1] = 127;
    for (int i = 0; i < 8; ++i)
      h.bytes[2 + i] = static_cast<char>((payload_size >> (56 - 8 * i)) & 0xFF);
    h.size = 10;
  }
  return h;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string out;
  out.reserve(2 + reason.size());
  out += static_cast<char>(code >> 8);
  out += static_cast<char>(code & 0xFF);
  out += reason;
  return out;
}

std::size_t frame_reader::fail(client_event& ev, std::uint16_t code) {
  failed_ = code;
  message_.clear();
  message_.shrink_to_fit();
  ev.what = client_event::kind::failed;
  ev.code = code;
  ev.payload.clear();
  return 0;
}

std::size_t frame_reader::next(std::string_view bytes, client_event& ev) {
  using kind = client_event::kind;
  if (failed_ != 0)
    return fail(ev, failed_);
  ev.what = kind::need_more;
  if (bytes.size() < 2)
    return 0;
  auto b0 = static_cast<std::uint8_t>(bytes[0]);
  auto b1 = static_cast<std::uint8_t>(bytes[1]);
  bool fin = (b0 & 0x80) != 0;
  std::uint8_t op = b0 & 0x0F;
  if ((b0 & 0x70) != 0 || !known(op) || (b1 & 0x80) == 0)
    return fail(ev, close_code::protocol_error);
  std::uint64_t length = b1 & 0x7F;
  std::size_t header = 2;
  if (length == 126) {
    if (bytes.size() < 4)
      return 0;
    length = (std::uint64_t{static_cast<std::uint8_t>(bytes[2])} << 8)
             | static_cast<std::uint8_t>(bytes[3]);
    header = 4;
  } else if (length == 127) {
    if (bytes.size() < 10)
      return 0;
    length = 0;
    for (int i = 0; i < 8; ++i)
      length = (length << 8) | static_cast<std::uint8_t>(bytes[2 + i]);
    if ((length >> 63) != 0)
      return fail(ev, close_code::protocol_error);
    header = 10;
  }
  if (is_control(op)) {
    if (!fin || length > 125)
      return fail(ev, close_code::protocol_error);
  } else {
    if (op == 0 && !in_message_)
      return fail(ev, close_code::protocol_error); // a continuation of nothing
    if (op != 0 && in_message_)
      return fail(ev, close_code::protocol_error); // a new message inside another
    if (length > max_message_ || message_.size() + length > max_message_)
      return fail(ev, close_code::too_big);
  }
  header += 4; // the masking key
  if (bytes.size() < header || bytes.size() - header < length)
    return 0;
  const char* key = bytes.data() + header - 4;
  auto unmasked = [&](std::string& out) {
    auto at = out.size();
    out.resize(at + length);
    for (std::size_t i = 0; i < length; ++i)
      out[at + i] = static_cast<char>(bytes[header + i] ^ key[i & 3]);
  };
  std::size_t used = header + static_cast<std::size_t>(length);

  if (is_control(op)) {
    ev.payload.clear();
    unmasked(ev.payload);
    if (op == static_cast<std::uint8_t>(opcode::ping)) {
      ev.what = kind::ping;
      return used;
    }
    if (op == static_cast<std::uint8_t>(opcode::pong)) {
      ev.what = kind::pong;
      return used;
    }
    // close
    if (ev.payload.size() == 1)
      return fail(ev, close_code::protocol_error);
    ev.code = 1005; // "no status received"
    if (ev.payload.size() >= 2) {
      ev.code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(ev.payload[0]) << 8)
                                           | static_cast<std::uint8_t>(ev.payload[1]));
      ev.payload.erase(0, 2);
      if (!valid_close_code(ev.code))
        return fail(ev, close_code::protocol_error);
      if (!protocol::is_valid_utf8(ev.payload))
        return fail(ev, close_code::invalid_payload);
    }
    ev.what = kind::close;
    return used;
  }

  if (op != 0) {
    in_message_ = true;
    message_binary_ = op == static_cast<std::uint8_t>(opcode::binary);
  }
  unmasked(message_);
  if (!fin)
    return used;
  in_message_ = false;
  if (!message_binary_ && !protocol::is_valid_utf8(message_))
    return fail(ev, close_code::invalid_payload);
  ev.what = kind::message;
  ev.binary = message_binary_;
  ev.payload = std::move(message_);
  message_.clear();
  return used;
}

} // namespace atrium::ws
