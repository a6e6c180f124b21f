#pragma once

// Cluster-wide questions (fetch sockets, list rooms): asked of this node's supervisor and of
// every peer node's, answered with what arrived within the timeout, so a lost or frozen node
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

/// Asks `query` of every node's supervisor of `core`'s namespace; calls `done` once, in
/// `self`'s context, with the answers that came within `timeout` (this node's among them).
template <class Result>
void gather(caf::event_based_actor* self, const namespace_core& core, caf::message query,
            std::chrono::milliseconds timeout, std::function<void(std::vector<Result>)> done) {
  struct pending {
    std::vector<Result> answers;
    std::size_t waiting = 0;
    std::function<void(std::vector<Result>)> done;
    void one_less() {
      if (--waiting == 0)
        done(std::move(answers));
    }
  };
  auto st = std::make_shared<pending>();
  st->done = std::move(done);
  auto ask = [self, st, timeout](const caf::actor& dest, caf::message msg) {
    ++st->waiting;
    self->request(dest, timeout, std::move(msg))
      .then([st](Result& r) {
              st->answers.push_back(std::move(r));
              st->one_less();
            },
            [st](caf::error&) { st->one_less(); }); // gone, frozen or timed out: skip it
  };
  ++st->waiting; // for the question itself, until every node has been asked
  ask(core.supervisor, query);
  if (!core.cluster) {
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
