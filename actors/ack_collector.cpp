#include "actors/ack_collector.hpp"

#include <cstdio>
#include <exception>

#include <caf/all.hpp>

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
  if (st.nodes_waiting == 0 && st.settled >= st.expected)
    finish(self, true);
}

} // namespace

caf::behavior ack_collector(caf::stateful_actor<ack_collector_state>* self,
                           std::shared_ptr<const namespace_core> core, ack_broadcast what,
                           replies_handler done) {
  auto& st = self->state;
  st.done = std::move(done);
  auto timeout = what.timeout;
  auto here = what.opts;
  here.local = true;
  auto query = caf::make_message(emit_ack_atom::value, here, what.event, what.args,
                                 caf::actor_cast<caf::actor>(self),
                                 static_cast<std::uint64_t>(timeout.count()));
  // Each node answers with the number of its sockets it asked; a node that is gone or frozen
  // counts for none (its clients' replies could not reach us anyway).
  auto ask = [self, timeout](const caf::actor& dest, caf::message msg) {
    ++self->state.nodes_waiting;
    self->request(dest, timeout, std::move(msg))
      .then(
        [self](std::uint64_t asked) {
          self->state.expected += asked;
          --self->state.nodes_waiting;
          check(self);
        },
        [self](caf::error&) {
          --self->state.nodes_waiting;
          check(self);
        });
  };
  ask(core->supervisor, query);
  if (!what.opts.local && core->cluster) {
    ++st.nodes_waiting; // the peer list itself
    auto nsp = core->name;
    self->request(core->cluster, timeout, members_atom::value)
      .then(
        [self, ask, nsp, query](const std::vector<caf::actor>& peers) {
          for (auto& peer : peers)
            ask(peer, caf::make_message(ask_atom::value, nsp, query));
          --self->state.nodes_waiting;
          check(self);
        },
        [self](caf::error&) {
          --self->state.nodes_waiting;
          check(self);
        });
  }
  self->delayed_send(self, timeout, ack_timeout_atom::value);
  return {
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
