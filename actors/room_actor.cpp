#include "actors/room_actor.hpp"

namespace atrium {

caf::behavior room_actor(caf::stateful_actor<room_state>* self, socket_key first,
                         connection_ptr conn) {
  self->state.members.emplace(first, std::move(conn));
  return {
    [=](add_atom, socket_key key, const connection_ptr& conn) {
      self->state.members.emplace(key, conn);
    },
    [=](remove_atom, socket_key key) { self->state.members.erase(key); },
    [=](close_atom) { self->quit(); },
    [=](deliver_atom, const packet_ptr& packet, bool droppable, const exclusion_ptr& excluded,
        const delivery_owner_ptr& owners, std::uint32_t index) {
      for (auto& [key, conn] : self->state.members)
        if (serves(key, excluded, owners, index))
          conn->send(packet, droppable);
    },
  };
}

} // namespace atrium
