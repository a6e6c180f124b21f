#pragma once

#include <unordered_map>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"

namespace atrium {

/// One non-empty room of one namespace: fans broadcasts out to its members. Its members are
/// derived, in order, from the supervisor's add/remove messages; it never decides membership.
struct room_state {
  std::unordered_map<socket_key, connection_ptr> members;
  static inline const char* name = "atrium.room";
};

/// A room is created by its first member joining: that member comes with the spawn.
caf::behavior room_actor(caf::stateful_actor<room_state>* self, socket_key first,
                         connection_ptr conn);

} // namespace atrium
