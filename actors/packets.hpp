#pragma once

// Builds the encoded packets the server sends. Each is built once and shared by every
// socket it reaches. The ones the transport sends as well (CONNECT_ERROR, DISCONNECT) come
// from the boundary, actors/boundary/control_packets.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/boundary/control_packets.hpp"
#include "atrium/args.hpp"

namespace atrium::packets {

/// EVENT (or BINARY_EVENT when `a` has attachments) `[name, ...a]`, optionally asking for an ack.
packet_ptr event(const std::string& nsp, std::string_view name, const args& a,
                 std::optional<std::uint64_t> ack_id = std::nullopt);

/// Throws std::invalid_argument for an event name Socket.IO reserves (`connect`,
/// `connect_error`, `disconnect`, `disconnecting`, `newListener`, `removeListener`): the
/// application may not emit them, as in Socket.IO, since the official client takes such a
/// packet for a protocol error and drops the connection.
void refuse_reserved(std::string_view name);

/// An EVENT the application emits: `event` after refuse_reserved.
packet_ptr emitted_event(const std::string& nsp, std::string_view name, const args& a,
                         std::optional<std::uint64_t> ack_id = std::nullopt);

/// An EVENT the application emits while connection state recovery is on: `[name, ...a,
/// offset]`, the offset also kept as the packet's own (encoded_packet::offset).
packet_ptr recoverable_event(const std::string& nsp, std::string_view name, const args& a,
                             std::string offset);

/// ACK (or BINARY_ACK) answering `id` with `[...a]`.
packet_ptr ack(const std::string& nsp, std::uint64_t id, const args& a);

/// CONNECT reply `{"sid":...}`, with `"pid"` (the session id of connection state recovery)
/// when it is not empty.
packet_ptr connect(const std::string& nsp, std::string_view sid, std::string_view pid = {});

} // namespace atrium::packets
