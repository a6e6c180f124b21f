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
  if (!o->held && may_leave(*o, f)) {
    send(*o, f);
    return;
  }
  if (!o->held) {
    o->held = std::make_unique<std::vector<direct_frame>>();
    waiting.push_back(o);
  }
  o->held->push_back(std::move(f)); // behind its own earlier frames
}

// The front ticket's turn: what it delivers on its own, and its parts that came early.
void delivery_shard_state::start_front() {
  auto& p = queue.front();
  auto& t = p.ticket;
  if (t.attach) {
    t.attach->index = static_cast<std::uint32_t>(sockets.size());
    t.attach->attached = true;
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
  while (!queue.empty() && queue.front().missing == 0) {
    finish(queue.front().ticket);
    queue.pop_front();
    // Frames of a socket's own actor that waited for this operation leave before the next
    // one delivers anything.
    if (!waiting.empty())
      release_held();
    if (!queue.empty())
      start_front();
  }
}

void delivery_shard_state::deliver(outlet& o, const delivery_ticket& t) {
  // Exactly once: a socket named by several parts (rooms of a union) or by a part and a
  // target gets the packet the first time only.
  if (o.muted || o.last_seq == t.seq)
    return;
  o.last_seq = t.seq;
  o.conn->send(t.packet, t.droppable);
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
  if (t.origin)
    t.origin->origin_done = std::max(t.origin->origin_done, t.origin_op);
  if (t.retire && t.retire->attached) {
    auto index = t.retire->index;
    t.retire->attached = false;
    if (index + 1 != sockets.size()) {
      sockets[index] = std::move(sockets.back());
      sockets[index]->index = index;
    }
    sockets.pop_back();
  }
}

bool delivery_shard_state::may_leave(const outlet& o, const direct_frame& f) const {
  return o.origin_done >= f.after_origin
         && (queue.empty() || queue.front().ticket.seq > f.after_seq);
}

void delivery_shard_state::send(outlet& o, direct_frame& f) {
  if (f.packet)
    o.conn->send(std::move(f.packet), false);
  switch (f.then) {
    case then_do::nothing:
      return;
    case then_do::release:
      o.conn->release(nsp);
      return;
    case then_do::release_and_close:
      o.conn->release(nsp);
      o.conn->close();
      return;
  }
}

void delivery_shard_state::release_held() {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < waiting.size(); ++i) {
    auto& o = *waiting[i];
    auto& held = *o.held;
    std::size_t sent = 0;
    while (sent < held.size() && may_leave(o, held[sent]))
      send(o, held[sent++]);
    held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(sent));
    if (held.empty())
      o.held.reset();
    else if (kept++ != i)
      waiting[kept - 1] = std::move(waiting[i]);
  }
  waiting.resize(kept);
}

caf::behavior delivery_shard(caf::stateful_actor<delivery_shard_state>* self, std::string nsp) {
  self->state.nsp = std::move(nsp);
  return {
    [=](delivery_ticket& t) { self->state.take(t); },
    [=](delivery_part& p) { self->state.take(p); },
    [=](const outlet_ptr& o, direct_frame& f) { self->state.take(o, f); },
  };
}

} // namespace atrium
