#pragma once

// What net/ holds for each namespace a client connected: the way into that socket's actor.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/boundary/connection.hpp"
#include "atrium/disconnect_reason.hpp"
#include "atrium/handshake.hpp"
#include "protocol/socketio.hpp"

namespace atrium {

class socket_endpoint {
public:
  virtual ~socket_endpoint() = default;
  /// A decoded EVENT/ACK/BINARY_* packet for this socket, attachments reassembled.
  virtual void packet(sio::packet p, std::vector<std::string> attachments) = 0;
  /// The client left this namespace or the connection ended.
  virtual void disconnected(disconnect_reason why) = 0;
};
using socket_endpoint_ptr = std::shared_ptr<socket_endpoint>;

/// The namespaces of a server, as the network sees them. Thread-safe.
class namespace_registry {
public:
  virtual ~namespace_registry() = default;
  /// The transport has started: the namespaces that exist now are complete (configuring them
  /// further is refused).
  virtual void serving() {}
  /// A client sent CONNECT for `nsp`. Returns nullptr when there is no such namespace (net
  /// answers CONNECT_ERROR "Invalid namespace"); otherwise the socket is being created and will
  /// itself send CONNECT or CONNECT_ERROR through `conn`.
  virtual socket_endpoint_ptr connect(const std::string& nsp, connection_ptr conn,
                                      handshake_ptr hs, std::string auth_json) = 0;
};

} // namespace atrium
