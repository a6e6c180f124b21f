#pragma once

// A WebSocket as a session sees it (the Beast side lives in websocket_transport.cpp only).

#include <memory>

#include "net/frame.hpp"

namespace atrium::net {

/// Every member is called on the owning session's strand, and every notification back to
/// the session (message, drained, closed) arrives on that strand too.
class ws_link {
public:
  virtual ~ws_link() = default;
  /// Queues the frames behind any still being written; the session hears `on_ws_drained`
  /// once everything queued has gone out.
  virtual void write(frame_batch batch) = 0;
  /// Sends a close frame after the queued frames, then ends.
  virtual void close() = 0;
};
using ws_link_ptr = std::shared_ptr<ws_link>;

} // namespace atrium::net
