#pragma once

// Socket.IO v5 packets: pure functions over text (no I/O), see
// https://github.com/socketio/socket.io/blob/main/docs/socket.io-protocol/v5-current.md

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error.hpp"
#include "protocol/json.hpp"

namespace atrium::sio {

enum class packet_type : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

struct limits {
  std::size_t max_attachments = 10;
  std::size_t max_json_depth = protocol::default_max_json_depth;
};

/// One decoded packet. Binary attachments travel beside it; `data` keeps the
/// `{"_placeholder":true,"num":N}` objects exactly as they came.
struct packet {
  packet_type type = packet_type::event;
  std::string nsp = "/";
  std::optional<std::uint64_t> id;  // ack id
  std::string data;                 // compact JSON text; empty when the packet has none
  std::size_t attachments = 0;      // announced attachment count (binary types only)
};

/// Whether `name` is one of the event names Socket.IO reserves for its own lifecycle:
/// "connect", "connect_error", "disconnect", "disconnecting", "newListener",
/// "removeListener". The official client treats an EVENT carrying one as a protocol error
/// and drops the connection, so a server must never emit them; received ones are refused by
/// `decode`. Exact, case-sensitive comparison of the decoded name.
bool is_reserved_event(std::string_view name) noexcept;

/// Decodes the text of one Socket.IO packet (the Engine.IO message payload, without '4').
/// Validates the shape the spec gives each type: CONNECT data absent or an object;
/// DISCONNECT no data; EVENT/BINARY_EVENT a non-empty array starting with a string that is
/// not a reserved event name ("connect", "connect_error", "disconnect", "disconnecting",
/// "newListener", "removeListener", refused as by the reference parser);
/// ACK/BINARY_ACK an array; CONNECT_ERROR an object. Also checks the ack id (a uint64,
/// accepted on every type as the reference parser does) and the attachment count against
/// `lim`, the JSON depth against `lim.max_json_depth`, the namespace (no control
/// characters, valid UTF-8), and that every placeholder (any object with
/// "_placeholder": true, in any packet type) has an integer "num" below `attachments`.
/// `data` is the JSON text with the whitespace outside strings removed, otherwise byte
/// for byte (member order, number spelling and string escapes are kept).
protocol::result<packet> decode(std::string_view text, const limits& lim = {});

/// Encodes a packet: type, then "<n>-" for binary types, then "<nsp>," unless nsp is "/",
/// then the ack id, then data. `data` must already be compact JSON text.
std::string encode(const packet& p);

/// Collects the binary attachments that follow a BINARY_EVENT/BINARY_ACK header.
class attachment_collector {
public:
  /// Starts collecting for `header`; returns true when it needs no attachment at all.
  bool start(packet header);
  /// Adds one binary frame; returns true when the packet is complete. Call only while
  /// waiting(): otherwise the frame is ignored and the result is false.
  bool add(std::string bytes);
  bool waiting() const noexcept { return waiting_; }
  /// The completed packet and its attachments (replacing the vector's content, in
  /// arrival order); resets the collector.
  packet take_packet(std::vector<std::string>& attachments);

private:
  packet header_;
  std::vector<std::string> attachments_;
  bool waiting_ = false;
};

} // namespace atrium::sio
