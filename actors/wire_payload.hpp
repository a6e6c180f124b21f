#pragma once

// Arguments and replies as they cross to another node: a JSON array and its attachments.

#include "actors/messages.hpp"
#include "atrium/args.hpp"

namespace atrium {

wire_packet to_wire(const args& a);
wire_packet to_wire(const payload& p);
/// Back from the wire; a malformed array becomes an empty one.
payload from_wire(wire_packet w);

} // namespace atrium
