#pragma once

// The Socket.IO layer of one Engine.IO session: decodes its messages, reassembles binary
// attachments and routes packets to the socket endpoint of each connected namespace.

#include <chrono>
#include <memory>

#include "actors/socket_endpoint.hpp"
#include "net/session_handler.hpp"
#include "protocol/socketio.hpp"

namespace atrium::net {

class engine_session;

struct bridge_options {
  std::chrono::milliseconds connect_timeout{45000}; // no CONNECT in time: the session closes
  sio::limits limits;
};

std::unique_ptr<session_handler> make_socketio_bridge(engine_session& session,
                                                      namespace_registry& registry,
                                                      const bridge_options& opts);

} // namespace atrium::net
