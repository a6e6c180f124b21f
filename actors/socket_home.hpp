#pragma once

// Where the callbacks of things made from a socket run (an operator's acks and fetches, a
// responder): in that socket's actor, as its handlers do, so that they may touch the socket.

#include <caf/actor_control_block.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include "actors/messages.hpp"

namespace atrium {

struct socket_state;

struct socket_home {
  caf::weak_actor_ptr actor; // weak: a stored operator must not keep an ended socket alive
  socket_state* state = nullptr; // valid only inside that actor, while it lives

  /// True inside one of the socket's own handlers, on its actor's thread.
  bool running_here() const noexcept;
  /// Runs `f` in the socket's actor as one of its handlers; when the socket has ended, never.
  void run(task f) const;
  /// Calls `f(state)` as one of the socket's handlers: at once when already inside one (in
  /// order with what that handler does next), else as run() does.
  template <class F>
  void call(F f) const {
    if (running_here()) {
      f(*state);
      return;
    }
    run(task{[st = state, f = std::move(f)] { f(*st); }});
  }
};

} // namespace atrium
