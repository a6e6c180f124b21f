#pragma once

// What runs above one Engine.IO session: the Socket.IO bridge or the bare echo.

#include <string>

#include "atrium/disconnect_reason.hpp"

namespace atrium::net {

/// Called on the session's strand only.
class session_handler {
public:
  virtual ~session_handler() = default;
  /// The session is open (its open packet is on its way).
  virtual void opened() {}
  /// One Engine.IO message from the client: text without the '4', or raw binary bytes.
  virtual void message(std::string data, bool binary) = 0;
  /// The session ended; called exactly once, after which nothing else arrives.
  virtual void closed(disconnect_reason why) = 0;
  /// The server side let go of namespace `nsp` (see `connection::release`).
  virtual void release(const std::string& nsp) { (void)nsp; }
  /// The server ends the whole client (`connection::close`): say goodbye on every layer above
  /// Engine.IO while packets can still be queued. `closed` follows.
  virtual void disconnect_all() {}
};

} // namespace atrium::net
