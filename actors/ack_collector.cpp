#include "actors/ack_collector.hpp"

#include <cstdio>
#include <exception>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "actors/wire_payload.hpp"

namespace atrium {

namespace {

using self_ptr = caf::stateful_actor<ack_collector_state>*;

void finish(self_ptr self, bool in_time) {
  auto& st = self->state;
  if (!st.done)
    return;
  st.result.complete = in_time && st.lost == 0;
  auto done = std::move(st.done);
  st.done = nullptr;
  try {
    done(st.result);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "atrium: broadcast ack handler threw: %s\n", e.what());
  }
  self->quit();
}

void check(self_ptr self) {
  auto& st = self->state;
  if (st.counts_waiting == 0 && st.settled >= st.expected)
    finish(self, true);
}

} // namespace

caf::behavior ack_collector(caf::stateful_actor<ack_collector_state>* self,
                            std::chrono::milliseconds timeout, bool relayed,
                            replies_handler done) {
  auto& st = self->state;
  st.done = std::move(done);
  // This node's supervisor says how many sockets it asked; with a cluster, the cluster actor
  // says how many other nodes will say the same. A node that is gone or frozen never answers
  // and the timeout ends the wait.
  st.counts_waiting = relayed ? 2 : 1;
  self->delayed_send(self, timeout, ack_timeout_atom::value);
  return {
    [self](ack_asked_atom, std::uint64_t asked) {
      auto& st = self->state;
      st.expected += asked;
      --st.counts_waiting;
      check(self);
    },
    [self](ack_nodes_atom, std::uint64_t nodes) {
      auto& st = self->state;
      st.counts_waiting += nodes;
      --st.counts_waiting;
      check(self);
    },
    [self](ack_reply_atom, wire_packet& reply) {
      auto& st = self->state;
      st.result.replies.push_back(from_wire(std::move(reply)));
      ++st.settled;
      check(self);
    },
    // A socket that left, or whose own wait ended, without its client answering.
    [self](ack_reply_atom) {
      ++self->state.lost;
      ++self->state.settled;
      check(self);
    },
    [self](ack_timeout_atom) { finish(self, false); },
  };
}

} // namespace atrium
