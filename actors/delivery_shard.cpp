#include "actors/delivery_shard.hpp"

#include <algorithm>

namespace atrium {

void delivery_shard_state::take(delivery_ticket& t) {
  auto parts = t.parts;
  queue.push_back(pending{std::move(t), parts, {}});
  if (queue.size() == 1) {
    start_front();
    advance();
  }
}

void delivery_shard_state::take(delivery_part& p) {
  auto found = std::lower_bound(queue.begin(), queue.end(), p.seq,
                                [](const pending& x, std::uint64_t seq) {
                                  return x.ticket.seq < seq;
                                });
  if (found == queue.end() || found->ticket.seq != p.seq || found->missing == 0)
    return; // cannot happen: a part follows its ticket, and each room actor sends one
  --found->missing;
  if (found != queue.begin()) {
    // An earlier operation is not done: this one's turn has not come.
    found->early.push_back(std::move(p.members));
    return;
  }
  deliver(p.members, found->ticket);
  advance();
}

void delivery_shard_state::take(const outlet_ptr& o, direct_frame& f) {
  if (!o->holding && may_leave(*o, f)) {
    send(*o, f);
    return;
  }
  if (!o->holding) {
    o->holding = true;
    waiting.push_back(held{o, {}});
  }
  // Behind its own earlier frames. Few sockets wait at once: a linear search finds it.
  auto entry = std::find_if(waiting.begin(), waiting.end(),
                            [&](const held& h) { return h.out == o; });
  entry->frames.push_back(std::move(f));
}

// The front ticket's turn: what it delivers on its own, and its parts that came early.
void delivery_shard_state::start_front() {
  auto& p = queue.front();
  auto& t = p.ticket;
  if (t.attach) {
    t.attach->index = static_cast<std::uint32_t>(sockets.size());
    sockets.push_back(t.attach);
  }
  if (t.packet) {
    for (auto* o : t.targets)
      deliver(*o, t);
    if (t.everyone)
      for (auto& o : sockets)
        if (!excludes(t.excluded, o->key))
          deliver(*o, t);
    for (auto& part : p.early)
      deliver(part, t);
  }
  p.early.clear();
}

void delivery_shard_state::advance() {
  bool moved = false;
  while (!queue.empty() && queue.front().missing == 0) {
    finished = queue.front().ticket.seq;
    finish(queue.front().ticket);
    queue.pop_front();
    moved = true;
    // Frames of a socket's own actor that waited for this operation leave before the next
    // one delivers anything.
    if (!waiting.empty())
      release_held();
    if (!queue.empty())
      start_front();
  }
  if (!moved)
    return;
  // Tickets come in number order: all those before the front one are done here.
  auto done = queue.empty() ? finished : queue.front().ticket.seq - 1;
  shards->done[index].finished.store(done, std::memory_order_release);
}

void delivery_shard_state::deliver(outlet& o, const delivery_ticket& t) {
  // Exactly once: a socket named by several parts (rooms of a union) or by a part and a
  // target gets the packet the first time only.
  if (o.muted || o.last_seq == t.seq)
    return;
  o.last_seq = t.seq;
  o.conn->send(t.packet, t.droppable ? urgency::droppable : urgency::gathered);
}

void delivery_shard_state::deliver(const std::vector<outlet*>& members, const delivery_ticket& t) {
  if (!t.packet)
    return;
  for (auto* o : members)
    deliver(*o, t);
}

void delivery_shard_state::finish(delivery_ticket& t) {
  for (auto* o : t.mute)
    o->muted = true;
  if (t.origin && t.origin->origin_done.load(std::memory_order_relaxed) < t.origin_op)
    t.origin->origin_done.store(t.origin_op, std::memory_order_release);
  if (t.retire && t.retire->index != outlet::unattached) {
    auto at = t.retire->index;
    t.retire->index = outlet::unattached;
    if (at + 1 != sockets.size()) {
      sockets[at] = std::move(sockets.back());
      sockets[at]->index = at;
    }
    sockets.pop_back();
  }
}

bool delivery_shard_state::may_leave(const outlet& o, const direct_frame& f) const {
  return o.origin_done.load(std::memory_order_relaxed) >= f.after_origin
         && (queue.empty() || queue.front().ticket.seq > f.after_seq);
}

void delivery_shard_state::send(outlet& o, direct_frame& f) {
  send_now(o, f, nsp);
  // After the send: the socket's actor that sees this count may write after it.
  o.frames_done.store(o.frames_done.load(std::memory_order_relaxed) + 1,
                      std::memory_order_release);
}

void delivery_shard_state::release_held() {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < waiting.size(); ++i) {
    auto& entry = waiting[i];
    auto& o = *entry.out;
    std::size_t sent = 0;
    while (sent < entry.frames.size() && may_leave(o, entry.frames[sent]))
      send(o, entry.frames[sent++]);
    entry.frames.erase(entry.frames.begin(), entry.frames.begin() + static_cast<std::ptrdiff_t>(sent));
    if (entry.frames.empty())
      o.holding = false;
    else if (kept++ != i)
      waiting[kept - 1] = std::move(entry);
  }
  waiting.resize(kept);
}

caf::behavior delivery_shard(caf::stateful_actor<delivery_shard_state>* self, std::string nsp,
                             delivery_shards_ptr shards, std::size_t index) {
  self->state.nsp = std::move(nsp);
  self->state.shards = std::move(shards);
  self->state.index = index;
  return {
    [=](delivery_ticket& t) { self->state.take(t); },
    [=](delivery_part& p) { self->state.take(p); },
    [=](const outlet_ptr& o, direct_frame& f) { self->state.take(o, f); },
  };
}

} // namespace atrium
