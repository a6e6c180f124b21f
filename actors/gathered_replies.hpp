#pragma once

#include <functional>
#include <vector>

#include "actors/args.hpp"
#include "actors/messages.hpp"

namespace atrium {

/// What an emit that asked several receivers for acknowledgements gathered (Socket.IO's
/// `(err, responses)`): each receiver's reply, in arrival order, and whether every receiver
/// answered in time (`!complete` is Socket.IO's "operation has timed out").
struct gathered_replies {
  std::vector<payload> replies;
  bool complete = false;
};

using replies_handler = std::function<void(gathered_replies&)>;

/// A reply as it crosses to another node: its JSON array and its attachments.
wire_packet to_wire(const args& a);
wire_packet to_wire(const payload& p);
/// Back from the wire; a malformed array becomes an empty one.
payload from_wire(wire_packet w);

} // namespace atrium
