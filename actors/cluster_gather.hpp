#pragma once

// Cluster-wide questions (fetch sockets, list rooms, server-side emits): asked of this node's
// supervisor and of every peer node's, answered with what arrived within the timeout, so a lost or frozen node
// never makes the asker hang.

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/message.hpp>

#include "actors/messages.hpp"
#include "actors/namespace_core.hpp"

namespace atrium {

/// The answers that came, and how many nodes were asked.
template <class Result>
struct gathered {
  std::vector<Result> answers;
  std::size_t asked = 0;
};

enum class nodes_asked { all, this_one, others };

/// Asks `query` of the supervisor of `core`'s namespace on every node (or only this one, or
/// every other one); calls `done` once, in `self`'s context, with the answers that came within `timeout`.
template <class Result>
void gather(caf::event_based_actor* self, const namespace_core& core, caf::message query,
            std::chrono::milliseconds timeout, std::function<void(gathered<Result>)> done,
            nodes_asked which = nodes_asked::all) {
  struct pending {
    gathered<Result> result;
    std::size_t waiting = 0;
    std::function<void(gathered<Result>)> done;
    void one_less() {
      if (--waiting == 0)
        done(std::move(result));
    }
  };
  auto st = std::make_shared<pending>();
  st->done = std::move(done);
  auto ask = [self, st, timeout](const caf::actor& dest, caf::message msg) {
    ++st->waiting;
    ++st->result.asked;
    self->request(dest, timeout, std::move(msg))
      .then([st](Result& r) {
              st->result.answers.push_back(std::move(r));
              st->one_less();
            },
            [st](caf::error&) { st->one_less(); }); // gone, frozen or timed out: skip it
  };
  ++st->waiting; // for the question itself, until every node has been asked
  if (which != nodes_asked::others)
    ask(core.supervisor, query);
  if (!core.cluster || which == nodes_asked::this_one) {
    st->one_less();
    return;
  }
  auto nsp = core.name;
  self->request(core.cluster, timeout, members_atom::value)
    .then(
      [ask, st, nsp, query](const std::vector<caf::actor>& peers) {
        for (auto& peer : peers)
          ask(peer, caf::make_message(ask_atom::value, nsp, query));
        st->one_less();
      },
      [st](caf::error&) { st->one_less(); });
}

} // namespace atrium
