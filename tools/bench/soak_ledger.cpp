#include "tools/bench/soak_ledger.hpp"

#include <algorithm>

namespace atrium::bench {

soak_ledger::soak_ledger(std::uint32_t clients, std::uint32_t rooms)
  : records_(clients), members_(rooms), session_(clients, 0), owed_(clients, 0),
    owing_(clients, false), marks_(clients, 0) {}

soak_ledger::record* soak_ledger::find_record(std::uint32_t client, std::uint32_t room) {
  for (auto& r : records_[client])
    if (r.room == room)
      return &r;
  return nullptr;
}

soak_ledger::entry* soak_ledger::find_entry(message& m, std::uint32_t client) {
  // An earlier session's entry is not this one's: its deliveries went to a closed connection.
  for (auto& e : m.entries)
    if (e.client == client && e.session == session_[client])
      return &e;
  return nullptr;
}

soak_ledger::message* soak_ledger::at(std::uint64_t seq) {
  if (seq < base_ || seq >= next())
    return nullptr;
  return &messages_[static_cast<std::size_t>(seq - base_)];
}

// ---- membership ----

void soak_ledger::joining(std::uint32_t client, std::uint32_t room) {
  if (auto* r = find_record(client, room)) {
    r->state = membership::joining;
    return;
  }
  records_[client].push_back({room, membership::joining});
  members_[room].push_back(client);
  // Until its emit is acked, the server may still order a message after this join.
  for (auto& m : messages_) {
    if (m.acked || std::find(m.targets.begin(), m.targets.end(), room) == m.targets.end())
      continue;
    if (!find_entry(m, client))
      add_entry(m, client, false);
  }
}

void soak_ledger::joined(std::uint32_t client, std::uint32_t room) {
  if (auto* r = find_record(client, room))
    r->state = membership::joined;
}

void soak_ledger::leaving(std::uint32_t client, std::uint32_t room) {
  if (auto* r = find_record(client, room))
    r->state = membership::leaving;
}

void soak_ledger::left(std::uint32_t client, std::uint32_t room) {
  auto& mine = records_[client];
  mine.erase(std::remove_if(mine.begin(), mine.end(),
                            [room](const record& r) { return r.room == room; }),
             mine.end());
  auto& in_room = members_[room];
  in_room.erase(std::remove(in_room.begin(), in_room.end(), client), in_room.end());
}

void soak_ledger::session_ended(std::uint32_t client) {
  for (const auto& r : records_[client]) {
    auto& in_room = members_[r.room];
    in_room.erase(std::remove(in_room.begin(), in_room.end(), client), in_room.end());
  }
  records_[client].clear();
  ++session_[client];
  owed_[client] = 0;
  owing_[client] = false;
}

// ---- messages ----

void soak_ledger::add_entry(message& m, std::uint32_t client, bool owed) {
  m.entries.push_back({client, session_[client], false, false});
  if (owed)
    owe(m, m.entries.back());
  else
    ++may_total_;
}

void soak_ledger::owe(message& m, entry& e) {
  e.owed = true;
  ++m.owed_left;
  ++owed_[e.client];
  ++owed_total_;
}

std::uint64_t soak_ledger::add_message(const std::vector<std::uint32_t>& targets,
                                       clock_type::time_point now) {
  auto seq = next();
  messages_.emplace_back();
  auto& m = messages_.back();
  m.targets = targets;
  m.sent_at = now;
  ++undone_;
  for (auto room : targets) {
    for (auto client : members_[room]) {
      bool owed = owing_[client] && find_record(client, room)->state == membership::joined;
      if (marks_[client] != seq + 1) {
        marks_[client] = seq + 1;
        add_entry(m, client, owed);
        continue;
      }
      // In two target rooms: owed if either membership makes it so, and counted once.
      auto* e = find_entry(m, client);
      if (owed && !e->owed) {
        --may_total_;
        owe(m, *e);
      }
    }
  }
  return seq;
}

soak_ledger::ack_verdict soak_ledger::acked(std::uint64_t seq, clock_type::time_point now) {
  auto* m = at(seq);
  if (!m)
    return ack_verdict::unknown;
  if (m->acked)
    return ack_verdict::again;
  m->acked = true;
  check_done(*m, now);
  return ack_verdict::first;
}

soak_ledger::verdict soak_ledger::deliver(std::uint32_t client, std::uint64_t seq,
                                          clock_type::time_point now) {
  if (seq >= next())
    return verdict::unknown;
  auto* m = at(seq);
  if (!m)
    return verdict::retired;
  auto* e = find_entry(*m, client);
  if (!e)
    return verdict::stray;
  if (e->got) {
    ++duplicates_;
    return verdict::duplicate;
  }
  e->got = true;
  if (!e->owed) {
    ++may_delivered_;
    return verdict::may;
  }
  --m->owed_left;
  --owed_[client];
  check_done(*m, now);
  return verdict::owed;
}

void soak_ledger::check_done(message& m, clock_type::time_point now) {
  if (m.done || !m.acked || m.owed_left != 0)
    return;
  m.done = true;
  m.done_at = now;
  --undone_;
}

void soak_ledger::settle(message& m) {
  for (const auto& e : m.entries) {
    if (!e.owed || e.got)
      continue;
    ++lost_;
    // Given up: the client may go on with its changes.
    if (e.session == session_[e.client])
      --owed_[e.client];
  }
  if (!m.acked)
    ++acks_missing_;
  if (!m.done)
    --undone_;
}

void soak_ledger::retire(clock_type::time_point now, clock_type::duration grace,
                         clock_type::duration give_up) {
  // In seq order: a message stuck at the front holds the later ones back, for give_up at most.
  while (!messages_.empty()) {
    auto& m = messages_.front();
    bool done_long_ago = m.done && now - m.done_at >= grace;
    if (!done_long_ago && now - m.sent_at < give_up)
      return;
    settle(m);
    messages_.pop_front();
    ++base_;
  }
}

void soak_ledger::retire_all() {
  for (auto& m : messages_)
    settle(m);
  base_ += messages_.size();
  messages_.clear();
}

} // namespace atrium::bench
