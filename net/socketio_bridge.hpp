#pragma once

// The Socket.IO layer of one Engine.IO session: decodes its messages, reassembles binary
// attachments and routes packets to the socket endpoint of each connected namespace.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/boundary/socket_endpoint.hpp"
#include "net/session_handler.hpp"
#include "protocol/socketio.hpp"

namespace atrium::net {

class engine_session;

struct server_stats;

/// What happens to a socket whose client sends events faster than its rate.
enum class flood_action : std::uint8_t { drop, disconnect };

struct bridge_options {
  std::chrono::milliseconds connect_timeout{45000}; // no CONNECT in time: the session closes
  sio::limits limits;
  double events_per_second = 0; // per socket; 0: no limit
  double event_burst = 0;       // events a socket may send at once (at least 1)
  flood_action on_flood = flood_action::drop;
  /// The one argument of the ACK answering an event past the rate that asked for an ack
  /// (compact JSON text): the client's callback hears of the refusal.
  std::string rate_limited_ack = R"({"ok":false,"error":"rate limited"})";
  std::size_t max_namespaces = 32; // namespaces one connection may join at once; 0: no bound
  server_stats* stats = nullptr; // counts what was dropped
};

/// `opts` is shared by every bridge of a server: a connection holds a pointer, not a copy.
std::unique_ptr<session_handler> make_socketio_bridge(
  engine_session& session, namespace_registry& registry,
  std::shared_ptr<const bridge_options> opts);

} // namespace atrium::net
