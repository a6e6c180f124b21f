#pragma once

#include <functional>
#include <vector>

#include "atrium/args.hpp"

namespace atrium {

/// What an emit that asked several receivers for acknowledgements gathered (Socket.IO's
/// `(err, responses)`): each receiver's reply, in arrival order, and whether every receiver
/// answered in time (`!complete` is Socket.IO's "operation has timed out").
struct gathered_replies {
  std::vector<payload> replies;
  bool complete = false;
};

using replies_handler = std::function<void(gathered_replies&)>;

} // namespace atrium
