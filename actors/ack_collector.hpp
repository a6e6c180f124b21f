#pragma once

// A broadcast asking every receiver for an acknowledgement (Socket.IO's
// `io.timeout(ms).emit(..., (err, responses) => ...)`). One short-lived actor per such
// broadcast learns from each node how many of its sockets were asked, collects their clients'
// replies, and finishes when every one has answered or left, or when the timeout passes: a
// lost node or a silent client never makes the caller wait longer than asked.
//
// The broadcast itself travels like any other (from its sender to the supervisor, and from
// there to the other nodes in the supervisor's order); the collector only counts.

#include <chrono>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "atrium/gathered_replies.hpp"

namespace atrium {

struct ack_collector_state {
  gathered_replies result;
  replies_handler done;
  std::size_t counts_waiting = 0; // nodes (and the relay's node count) yet to report
  std::size_t expected = 0;       // sockets asked, as reported so far
  std::size_t settled = 0;        // replies, plus sockets that left without one
  std::size_t lost = 0;
  static inline const char* name = "atrium.ack_collector";
};

/// `relayed`: the broadcast also goes to the other nodes, and this node's cluster actor says
/// to how many.
caf::behavior ack_collector(caf::stateful_actor<ack_collector_state>* self,
                            std::chrono::milliseconds timeout, bool relayed,
                            replies_handler done);

} // namespace atrium
