#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/delivery_shards.hpp"
#include "actors/messages.hpp"

namespace atrium {

/// One non-empty room of one namespace: fans broadcasts out to its members. Its members are
/// derived, in order, from the supervisor's add/remove messages; it never decides membership.
/// It writes to no connection itself: it hands its members to their delivery shards, which put
/// what every room sends a socket in the supervisor's order (delivery_shard.hpp).
struct room_state {
  std::unordered_map<socket_key, outlet_ptr> members;
  delivery_shards_ptr shards; // the namespace's
  static inline const char* name = "atrium.room";
};

/// A room is created by its first member joining: that member comes with the spawn.
caf::behavior room_actor(caf::stateful_actor<room_state>* self, delivery_shards_ptr shards,
                         outlet_ptr first);

} // namespace atrium
