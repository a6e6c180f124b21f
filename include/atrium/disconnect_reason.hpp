#pragma once

#include <cstdint>
#include <string>

namespace atrium {

/// Why a socket left its namespace; the strings are Socket.IO's own reasons.
enum class disconnect_reason : std::uint8_t {
  transport_close,             // the client closed the connection
  transport_error,             // the connection failed
  ping_timeout,                // no pong within pingTimeout
  parse_error,                 // the client sent something that does not decode
  client_namespace_disconnect, // the client sent DISCONNECT for this namespace
  server_namespace_disconnect, // socket.disconnect() on the server
  forced_close,                // socket.disconnect(true): the whole connection closes
  server_shutting_down,
};

const char* to_string(disconnect_reason r);

} // namespace atrium
