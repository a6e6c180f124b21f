#pragma once

// A broadcast asking every receiver for an acknowledgement (Socket.IO's
// `io.timeout(ms).emit(..., (err, responses) => ...)`). One short-lived actor per such
// broadcast learns from each node how many of its sockets were asked, collects their clients'
// replies, and finishes when every one has answered or left, or when the timeout passes: a
// lost node or a silent client never makes the caller wait longer than asked.

#include <chrono>
#include <memory>
#include <string>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/gathered_replies.hpp"
#include "actors/namespace_core.hpp"

namespace atrium {

struct ack_collector_state {
  gathered_replies result;
  replies_handler done;
  std::size_t nodes_waiting = 0; // nodes (and the peer list) yet to say how many they asked
  std::size_t expected = 0;      // sockets asked, as reported so far
  std::size_t settled = 0;       // replies, plus sockets that left without one
  std::size_t lost = 0;
  static inline const char* name = "atrium.ack_collector";
};

struct ack_broadcast {
  broadcast_options opts;
  std::string event;
  wire_packet args;
  std::chrono::milliseconds timeout;
};

caf::behavior ack_collector(caf::stateful_actor<ack_collector_state>* self,
                           std::shared_ptr<const namespace_core> core, ack_broadcast what,
                           replies_handler done);

} // namespace atrium
