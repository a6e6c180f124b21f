#include "actors/delivery_shard.hpp"

#include <algorithm>

#include "actors/boundary/metrics.hpp"

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
  if (auto held = waiting.find(o.get()); held != waiting.end()) {
    held->second.push_back(std::move(f)); // behind its own earlier frames
    return;
  }
  if (may_leave(*o, f)) {
    send(*o, f);
    return;
  }
  waiting[o.get()].push_back(std::move(f));
  reconsider(o);
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
    release_by_seq();
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
  if (t.packet)
    metrics::count(metrics::deliveries);
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
  if (t.origin && t.origin->origin_done.load(std::memory_order_relaxed) < t.origin_op) {
    t.origin->origin_done.store(t.origin_op, std::memory_order_release);
    reconsider(t.origin); // its frames may wait for this broadcast
  }
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

void delivery_shard_state::reconsider(const outlet_ptr& o) {
  auto entry = waiting.find(o.get());
  if (entry == waiting.end())
    return; // nothing waits (or a stale note in by_seq: sent already)
  auto& frames = entry->second;
  std::size_t sent = 0;
  while (sent < frames.size() && may_leave(*o, frames[sent]))
    send(*o, frames[sent++]);
  frames.erase(frames.begin(), frames.begin() + static_cast<std::ptrdiff_t>(sent));
  if (frames.empty()) {
    waiting.erase(entry);
    return;
  }
  // A frame that waits for its socket's broadcast is looked at again when that is carried
  // out (finish); one that waits for this shard's progress, when that has come far enough.
  auto& first = frames.front();
  if (o->origin_done.load(std::memory_order_relaxed) >= first.after_origin)
    by_seq.push(seq_wait{first.after_seq, o});
}

void delivery_shard_state::release_by_seq() {
  while (!by_seq.empty() && (queue.empty() || queue.front().ticket.seq > by_seq.top().after_seq)) {
    auto o = by_seq.top().out;
    by_seq.pop();
    reconsider(o);
  }
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
