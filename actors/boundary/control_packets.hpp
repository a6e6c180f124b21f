#pragma once

// The packets both sides of the boundary build: how a Socket.IO packet becomes the shared
// `encoded_packet` a connection carries, and the few packets the transport answers on its own
// (refusing a CONNECT, dropping a namespace, refusing an event past its rate). The packets of
// the application's own (events, acks of `args`) are actors/packets.hpp's.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/boundary/connection.hpp"
#include "protocol/socketio.hpp"

namespace atrium::packets {

/// `p` as an Engine.IO message ('4' and the Socket.IO text) with its binary attachments.
packet_ptr encoded(const sio::packet& p, std::vector<std::string> attachments = {},
                   std::string offset = {});

/// CONNECT_ERROR `{"message":...[,"data":...]}`; `data_json` empty for none.
packet_ptr connect_error(const std::string& nsp, std::string_view message,
                         std::string_view data_json = {});

/// DISCONNECT of a namespace.
packet_ptr disconnect(const std::string& nsp);

/// ACK answering `id` with one argument, `json_value` (compact JSON text, no attachments).
packet_ptr ack_value(const std::string& nsp, std::uint64_t id, std::string_view json_value);

} // namespace atrium::packets
