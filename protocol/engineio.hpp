#pragma once

// Engine.IO v4 packets: pure functions over bytes (no I/O), see
// https://github.com/socketio/socket.io/blob/main/docs/engine.io-protocol/v4-current.md

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error.hpp"

namespace atrium::eio {

enum class packet_type : char {
  open = '0',
  close = '1',
  ping = '2',
  pong = '3',
  message = '4',
  upgrade = '5',
  noop = '6',
};

/// Separates packets in an HTTP long-polling payload.
constexpr char record_separator = '\x1e';

struct packet {
  packet_type type = packet_type::message;
  std::string data;    // text, or raw bytes when `binary`
  bool binary = false; // only message packets are binary
};

/// Decodes one text packet: a WebSocket text frame, or one segment of a polling payload
/// (a segment starting with 'b' is a base64 binary message).
protocol::result<packet> decode_text(std::string_view text);

/// A WebSocket binary frame is always a binary message packet (no type prefix in v4).
packet decode_binary(std::string_view bytes);

/// Decodes an HTTP long-polling request body: segments separated by '\x1e'.
/// Refuses bodies longer than `max_payload` bytes and any invalid segment.
protocol::result<std::vector<packet>> decode_payload(std::string_view body, std::size_t max_payload);

/// Encodes one packet as a WebSocket text frame or polling segment (binary as 'b' + base64).
std::string encode_text(const packet& p);

/// Appends one polling segment to a payload under construction, adding the separator when
/// `out` is not empty. `text_frame` is an already-encoded text packet ("4hello").
void append_text_segment(std::string& out, std::string_view text_frame);
/// Same for a binary message: appends 'b' + base64(bytes).
void append_binary_segment(std::string& out, std::string_view bytes);

} // namespace atrium::eio
