#pragma once

#include <string>
#include <vector>

namespace atrium {

/// Who a broadcast reaches: a plain value, so the same selection can travel to a room actor
/// or to another node. Sender exclusion is `except` of the sender's own-id room, as in
/// Socket.IO, so it holds on every node.
struct broadcast_options {
  std::vector<std::string> rooms;  // union of these rooms; empty: the whole namespace
  std::vector<std::string> except; // minus every socket in any of these rooms
  bool local = false;              // stay on this node
  bool is_volatile = false;        // may be dropped for a client that cannot take it now
};

} // namespace atrium
