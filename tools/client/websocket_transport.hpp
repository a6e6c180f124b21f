#pragma once

// One WebSocket of an Engine.IO session (the session's transport, or the probe of an
// upgrade). Text frames for text packets, binary frames for binary messages, one write at a
// time in order. Everything runs on the session's strand and is reported to the session.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "tools/client/frames.hpp"
#include "tools/client/session.hpp"

namespace atrium::client {

class websocket_transport {
public:
  virtual ~websocket_transport() = default;

  /// Connects and handshakes (`target`, e.g. "/socket.io/?EIO=4&transport=websocket"), then
  /// reports ws_opened and every message; messages above `max_message` end it.
  static std::shared_ptr<websocket_transport> make(strand_type strand, endpoint_list endpoints,
                                                   std::string host_header, std::string target,
                                                   std::size_t max_message,
                                                   std::shared_ptr<session> owner);

  /// Writes `batch` in order after what is being written; ws_drained follows when all is out.
  virtual void write(std::vector<out_frame> batch) = 0;
  /// After the writes under way: the close frame, then the connection ends. Reports nothing.
  virtual void close() = 0;
  /// Closes the TCP connection now. Reports nothing.
  virtual void abort() = 0;
};

} // namespace atrium::client
