#include "actors/room_actor.hpp"

namespace atrium {

namespace {

using self_ptr = caf::stateful_actor<room_state>*;

// Every shard in `shard_mask` expects one part of broadcast `seq` from this room, even an
// empty one (all its members there excluded): that is how a shard knows it has them all.
void deliver(self_ptr self, std::uint64_t seq, const exclusion_ptr& excluded,
             std::uint64_t shard_mask) {
  auto& st = self->state;
  auto count = st.shards->size();
  if (count == 1) {
    delivery_part part{seq, {}};
    part.members.reserve(st.members.size());
    for (auto& [key, out] : st.members)
      if (!excludes(excluded, key))
        part.members.push_back(out.get());
    self->send(st.shards->actors.front(), std::move(part));
    return;
  }
  std::vector<delivery_part> parts(count);
  for (auto& [key, out] : st.members)
    if (!excludes(excluded, key))
      parts[shard_of(key, count)].members.push_back(out.get());
  for (std::size_t i = 0; i < count; ++i)
    if (shard_mask & (std::uint64_t{1} << i)) {
      parts[i].seq = seq;
      self->send(st.shards->actors[i], std::move(parts[i]));
    }
}

} // namespace

caf::behavior room_actor(caf::stateful_actor<room_state>* self, delivery_shards_ptr shards,
                         outlet_ptr first) {
  self->state.shards = std::move(shards);
  auto key = first->key;
  self->state.members.emplace(key, std::move(first));
  return {
    [=](add_atom, const outlet_ptr& out) { self->state.members.emplace(out->key, out); },
    [=](remove_atom, socket_key key) { self->state.members.erase(key); },
    [=](close_atom) { self->quit(); },
    [=](deliver_atom, std::uint64_t seq, const exclusion_ptr& excluded,
        std::uint64_t shard_mask) { deliver(self, seq, excluded, shard_mask); },
  };
}

} // namespace atrium
