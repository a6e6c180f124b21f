#include "actors/namespace_supervisor.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>

#include "actors/boundary/metrics.hpp"
#include "actors/delivery_shard.hpp"
#include "actors/packets.hpp"
#include "actors/room_actor.hpp"
#include "actors/socket_command.hpp"
#include "actors/wire_payload.hpp"
#include "atrium/gathered_replies.hpp"

namespace atrium {

namespace {

// The supervisor whose adapter listener is running on this thread, if any.
thread_local supervisor_state* listening_supervisor = nullptr;

std::vector<std::string> sorted_unique(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

} // namespace

const char* to_string(adapter_event_type t) {
  switch (t) {
    case adapter_event_type::create_room: return "create-room";
    case adapter_event_type::delete_room: return "delete-room";
    case adapter_event_type::join_room: return "join-room";
    case adapter_event_type::leave_room: return "leave-room";
  }
  return "unknown";
}

void supervisor_state::publish(adapter_event_type type, const std::string& room,
                               const std::string& sid) {
  if (core->adapter_listeners.empty())
    return;
  adapter_event ev{type, room, sid};
  auto outer = listening_supervisor;
  listening_supervisor = this;
  for (auto& listener : core->adapter_listeners) {
    try {
      listener(ev);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "atrium: adapter listener of %s threw: %s\n", core->name.c_str(),
                   e.what());
    }
  }
  listening_supervisor = outer;
}

static_assert(metrics::recovery_labels.size()
                == static_cast<std::size_t>(recovery_store::outcome::unreachable) + 1,
              "a label for every outcome of a recovery");

// How often the recovery's sessions and packets past the window are forgotten.
constexpr auto recovery_tick = std::chrono::seconds(1);

/// One numbered operation of the supervisor, as the tickets of the delivery shards it
/// concerns. Tickets leave before the room actors hear of the operation, so each shard has a
/// ticket before any part of it.
class supervisor_state::operation {
public:
  explicit operation(supervisor_state& st)
    : st_(st), seq_(++st.seq), tickets_(st.core->shards->size()) {
  }

  std::uint64_t seq() const noexcept { return seq_; }

  delivery_ticket& shard(std::size_t index) {
    auto& t = tickets_[index];
    if (!t) {
      t.emplace();
      t->seq = seq_;
    }
    return *t;
  }
  delivery_ticket& of(socket_key key) { return shard(shard_of(key, tickets_.size())); }

  /// Room `entry`'s actor sends its members to the shards that hold some.
  void fan_out(const room_entry& entry) {
    std::uint64_t mask = 0;
    if (!entry.per_shard) {
      mask = 1;
    } else {
      for (std::size_t i = 0; i < tickets_.size(); ++i)
        if (entry.per_shard[i] > 0)
          mask |= std::uint64_t{1} << i;
    }
    for (std::size_t i = 0; i < tickets_.size(); ++i)
      if (mask & (std::uint64_t{1} << i))
        ++shard(i).parts;
    rooms_.emplace_back(entry.actor, mask);
  }

  void send(const packet_ptr& packet = nullptr, bool droppable = false,
            const exclusion_ptr& excluded = nullptr) {
    auto& shards = st_.core->shards->actors;
    for (std::size_t i = 0; i < tickets_.size(); ++i)
      if (auto& t = tickets_[i]) {
        t->packet = packet;
        t->droppable = droppable;
        if (t->everyone)
          t->excluded = excluded;
        st_.self->send(shards[i], std::move(*t));
      }
    for (auto& [room, mask] : rooms_)
      st_.self->send(room, deliver_atom::value, seq_, excluded, mask);
  }

private:
  supervisor_state& st_;
  std::uint64_t seq_;
  std::vector<std::optional<delivery_ticket>> tickets_;
  std::vector<std::pair<caf::actor, std::uint64_t>> rooms_;
};

std::uint64_t supervisor_state::register_socket(socket_key key, const std::string& sid,
                                                const caf::actor& actor, const outlet_ptr& out,
                                                const handshake_ptr& hs, data_ptr data,
                                                const std::string& pid) {
  sockets.emplace(key, socket_entry{sid, actor, out, {}, hs, std::move(data), false});
  keys_by_sid.emplace(sid, key);
  metrics::count(metrics::sockets_first + metrics_label);
  // In its shard first, so that whatever reaches the socket from now on (even from an adapter
  // listener of its own join below) is delivered.
  {
    operation op{*this};
    op.of(key).attach = out;
    op.send();
  }
  add(key, sid); // every socket is in the room named by its own id
  // As in Socket.IO, the socket is in the adapter before its client hears CONNECT.
  operation op{*this};
  op.of(key).targets.push_back(out.get());
  op.send(packets::connect(core->name, sid, pid));
  return op.seq();
}

restore_reply supervisor_state::restore(restore_request req) {
  if (!recovery)
    return {};
  auto found = recovery->restore(req.pid, req.offset, recovery_store::clock::now());
  // Its former socket is here still (the client came back before its old connection's end
  // was carried out here): no second socket of one id. Kept for a later try.
  if (found.result == recovery_store::outcome::recovered && keys_by_sid.count(found.kept.sid) > 0) {
    recovery->keep(std::move(found.kept));
    found.result = recovery_store::outcome::unknown_session;
  }
  metrics::count(metrics::recovery_first + static_cast<std::size_t>(found.result));
  count_recovery();
  if (found.result != recovery_store::outcome::recovered)
    return {};
  return resume(req, std::move(found.kept), found.missed);
}

restore_reply supervisor_state::resume(const restore_request& req, recovery_store::session kept,
                                       const std::vector<packet_ptr>& missed) {
  restore_reply reply;
  // Data a middleware gave it (when they run for recovered sockets) over the former data.
  if (req.data)
    kept.data = req.data;
  reply.seq = register_socket(req.key, kept.sid, req.actor, req.out, req.hs, kept.data, req.pid);
  for (auto& room : kept.rooms)
    if (room != kept.sid)
      add(req.key, room);
  for (auto& packet : missed) {
    operation op{*this};
    op.of(req.key).targets.push_back(req.out.get());
    op.send(packet);
    reply.seq = op.seq();
  }
  reply.recovered = true;
  reply.sid = std::move(kept.sid);
  reply.rooms = std::move(kept.rooms);
  reply.data = std::move(kept.data);
  return reply;
}

void supervisor_state::count_recovery() {
  auto& m = metrics::process();
  auto set = [&](std::size_t slot, std::int64_t now, std::int64_t& shown) {
    m.add(slot, now - shown);
    shown = now;
  };
  auto sessions = recovery->sessions();
  auto bytes = recovery->bytes();
  for (auto& store : adopted) {
    sessions += store.sessions();
    bytes += store.bytes();
  }
  set(metrics::recovery_sessions, static_cast<std::int64_t>(sessions), shown_sessions);
  set(metrics::recovery_bytes, static_cast<std::int64_t>(bytes), shown_bytes);
}

const supervisor_state::socket_entry* supervisor_state::owner_of(const std::string& room) const {
  auto key = keys_by_sid.find(room);
  if (key == keys_by_sid.end())
    return nullptr;
  auto& sock = sockets.at(key->second);
  return sock.in_own_room ? &sock : nullptr;
}

void supervisor_state::members_of(const std::string& name, std::vector<socket_key>& keys) const {
  if (auto entry = rooms.find(name); entry != rooms.end())
    keys.insert(keys.end(), entry->second.members.begin(), entry->second.members.end());
  if (auto owner = owner_of(name))
    keys.push_back(owner->out->key);
}

// Mirrors Socket.IO's in-memory adapter step by step (sids first, then rooms), so that
// listeners observe the same intermediate states as there.
void supervisor_state::add(socket_key key, const std::string& room) {
  auto sock = sockets.find(key);
  if (sock == sockets.end())
    return;
  auto& joiner = sock->second;
  if (room == joiner.sid) {
    if (joiner.in_own_room)
      return;
    joiner.in_own_room = true;
    if (rooms.count(room) == 0)
      publish(adapter_event_type::create_room, room, {});
    publish(adapter_event_type::join_room, room, joiner.sid);
    return;
  }
  if (!joiner.rooms.insert(room).second)
    return;
  auto [entry, created] = rooms.try_emplace(room);
  auto shards = core->shards->size();
  if (created) {
    // A room actor starts with its first member.
    entry->second.actor = self->spawn<caf::lazy_init>(room_actor, core->shards, joiner.out);
    metrics::count(metrics::rooms_first + metrics_label);
    if (shards > 1)
      entry->second.per_shard = std::make_unique<std::uint32_t[]>(shards);
    // A room named by a socket's id exists as long as that socket is in it.
    if (!owner_of(room))
      publish(adapter_event_type::create_room, room, {});
  }
  // Listeners cannot change membership synchronously (joins arrive as messages), so `entry`
  // is still valid here.
  if (!entry->second.members.insert(key).second)
    return;
  metrics::count(metrics::joins);
  if (entry->second.per_shard)
    ++entry->second.per_shard[shard_of(key, shards)];
  if (!created)
    self->send(entry->second.actor, add_atom::value, joiner.out);
  publish(adapter_event_type::join_room, room, joiner.sid);
}

void supervisor_state::remove(socket_key key, const std::string& room) {
  auto sock = sockets.find(key);
  if (sock != sockets.end() && room == sock->second.sid) {
    auto& leaver = sock->second;
    if (!leaver.in_own_room)
      return;
    leaver.in_own_room = false;
    publish(adapter_event_type::leave_room, room, leaver.sid);
    if (rooms.count(room) == 0)
      publish(adapter_event_type::delete_room, room, {});
    return;
  }
  auto entry = rooms.find(room);
  if (entry == rooms.end() || entry->second.members.erase(key) == 0)
    return;
  metrics::count(metrics::leaves);
  if (entry->second.per_shard)
    --entry->second.per_shard[shard_of(key, core->shards->size())];
  self->send(entry->second.actor, remove_atom::value, key);
  publish(adapter_event_type::leave_room, room,
          sock != sockets.end() ? sock->second.sid : std::string{});
  if (!entry->second.members.empty())
    return;
  // The close message queues behind every delivery already sent to the room actor.
  self->send(entry->second.actor, close_atom::value);
  rooms.erase(entry);
  metrics::count(metrics::rooms_first + metrics_label, -1);
  if (!owner_of(room))
    publish(adapter_event_type::delete_room, room, {});
}

void supervisor_state::remove_socket(const outlet_ptr& out, std::uint64_t origin_op) {
  auto key = out->key;
  auto sock = sockets.find(key);
  if (sock == sockets.end()) {
    // Never registered here: still count its last operation, or its last frames would wait
    // for it forever.
    operation op{*this};
    auto& t = op.of(key);
    t.origin = out;
    t.origin_op = origin_op;
    op.send();
    return;
  }
  // Its own-id room first, as Socket.IO leaves rooms in the order they were joined.
  remove(key, sock->second.sid);
  auto joined = std::move(sock->second.rooms);
  sock->second.rooms.clear();
  for (auto& room : joined)
    remove(key, room);
  // Out of its shard last: what the socket's actor sends after this (its DISCONNECT) leaves
  // after every broadcast that could still reach it.
  operation op{*this};
  auto& t = op.of(key);
  t.retire = sock->second.out;
  t.origin = sock->second.out;
  t.origin_op = origin_op;
  op.send();
  keys_by_sid.erase(sock->second.sid);
  sockets.erase(sock);
  metrics::count(metrics::sockets_first + metrics_label, -1);
}

supervisor_state::selection supervisor_state::resolve(const broadcast_options& opts) const {
  selection result;
  if (!opts.except.empty()) {
    auto excluded = std::make_shared<exclusion_set>();
    for (auto& room : opts.except)
      members_of(room, *excluded);
    std::sort(excluded->begin(), excluded->end());
    excluded->erase(std::unique(excluded->begin(), excluded->end()), excluded->end());
    result.excluded = std::move(excluded);
  }
  result.everyone = opts.rooms.empty();
  for (auto& room : sorted_unique(opts.rooms)) {
    if (auto entry = rooms.find(room); entry != rooms.end())
      result.rooms.push_back(&entry->second);
    if (auto owner = owner_of(room); owner && !excludes(result.excluded, owner->out->key))
      result.owners.push_back(owner->out->key);
  }
  return result;
}

void supervisor_state::broadcast(const broadcast_options& opts, const packet_ptr& packet,
                                 const outlet_ptr& origin, std::uint64_t origin_op) {
  metrics::count(metrics::broadcasts);
  // Rooms are per node: every other node delivers to its own members of the same rooms. The
  // relay leaves in this supervisor's order, so one sender's broadcasts keep their order.
  if (!opts.local && core->cluster)
    self->send(core->cluster, relay_atom::value, core->name, opts,
               wire_packet{packet->text, packet->attachments, packet->offset});
  if (recovery && !packet->offset.empty()) {
    // Every node has it when it was relayed from here or came from another node.
    bool cluster_wide = core->cluster && (!opts.local || !offset_from_here(*core, packet->offset));
    recovery->record(packet->offset, packet, opts, recovery_store::clock::now(), cluster_wide);
    count_recovery();
  }
  auto chosen = resolve(opts);
  operation op{*this};
  if (chosen.everyone)
    for (std::size_t i = 0; i < core->shards->size(); ++i)
      op.shard(i).everyone = true;
  for (auto* room : chosen.rooms)
    op.fan_out(*room);
  for (auto key : chosen.owners) // private messages: no room actor on their way
    op.of(key).targets.push_back(sockets.at(key).out.get());
  if (origin) {
    // The socket's own frames after this broadcast wait for it (see direct_frame).
    auto& t = op.of(origin->key);
    t.origin = origin;
    t.origin_op = origin_op;
  }
  op.send(packet, opts.is_volatile, chosen.excluded);
}

// One emit asking every selected socket here for an ack: encoded once, with one ack id for all
// of them. Each socket learns of the ack before its client can see the packet (the
// registration is sent before the tickets), and sends its client's reply to the collector.
void supervisor_state::emit_with_ack(const broadcast_options& opts, const std::string& name,
                                     const wire_packet& a, const caf::actor& collector,
                                     std::uint64_t timeout_ms, const outlet_ptr& origin,
                                     std::uint64_t origin_op) {
  if (!opts.local && core->cluster) {
    auto there = opts;
    there.local = true;
    self->send(core->cluster, relay_ack_atom::value, core->name, there, name, a, collector,
               timeout_ms);
  }
  auto id = core->next_ack_id++;
  auto packet = packets::event(core->name, name, args::from_json_array(a.text, a.attachments), id);
  operation op{*this};
  std::uint64_t asked = 0;
  for (auto key : select(opts)) {
    auto& sock = sockets.at(key);
    if (!sock.actor)
      continue;
    self->send(sock.actor, emit_ack_atom::value, id, collector, timeout_ms);
    op.of(key).targets.push_back(sock.out.get());
    ++asked;
  }
  if (origin) {
    auto& t = op.of(origin->key);
    t.origin = origin;
    t.origin_op = origin_op;
  }
  op.send(packet);
  self->send(collector, ack_asked_atom::value, asked);
}

// Disconnects go through each socket's actor (its handlers run there), but no broadcast after
// this one reaches those sockets any more: their shards stop them now, in order.
void supervisor_state::disconnect(const broadcast_options& opts, bool close) {
  auto there = opts;
  there.local = true;
  relay(opts, caf::make_message(disconnect_atom::value, there, close));
  auto chosen = select(opts);
  operation op{*this};
  for (auto key : chosen)
    op.of(key).mute.push_back(sockets.at(key).out.get());
  op.send();
  for (auto key : chosen)
    if (auto& actor = sockets.at(key).actor)
      self->send(actor, socket_command::disconnect(close, op.seq()));
}

std::vector<socket_key> supervisor_state::select(const broadcast_options& opts) const {
  auto chosen = resolve(opts);
  std::vector<socket_key> result;
  if (chosen.everyone) {
    for (auto& entry : sockets)
      if (!excludes(chosen.excluded, entry.first))
        result.push_back(entry.first);
    return result;
  }
  for (auto* room : chosen.rooms)
    for (auto key : room->members)
      if (!excludes(chosen.excluded, key))
        result.push_back(key);
  result.insert(result.end(), chosen.owners.begin(), chosen.owners.end());
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

namespace {

/// A socket's rooms as Socket.IO lists them: sorted, its own id included (unless it left it).
std::vector<std::string> rooms_of(const supervisor_state::socket_entry& sock) {
  std::vector<std::string> result{sock.rooms.begin(), sock.rooms.end()};
  if (sock.in_own_room)
    result.insert(std::lower_bound(result.begin(), result.end(), sock.sid), sock.sid);
  return result;
}

} // namespace

socket_infos supervisor_state::fetch(const broadcast_options& opts) const {
  socket_infos result;
  for (auto key : select(opts)) {
    auto& sock = sockets.at(key);
    result.push_back({sock.sid, rooms_of(sock), sock.hs ? sock.hs->address : std::string{},
                      core->node, sock.data ? *sock.data : "null"});
  }
  return result;
}

void supervisor_state::relay(const broadcast_options& opts, caf::message msg) {
  if (!opts.local && core->cluster)
    self->send(core->cluster, forward_atom::value, core->name, std::move(msg));
}

membership_map supervisor_state::rooms_map() const {
  membership_map result;
  for (auto& [room, entry] : rooms) {
    auto& sids = result[room];
    for (auto key : entry.members)
      if (auto sock = sockets.find(key); sock != sockets.end())
        sids.push_back(sock->second.sid);
  }
  for (auto& entry : sockets)
    if (entry.second.in_own_room)
      result[entry.second.sid].push_back(entry.second.sid);
  for (auto& entry : result)
    std::sort(entry.second.begin(), entry.second.end());
  return result;
}

membership_map supervisor_state::sids_map() const {
  membership_map result;
  for (auto& entry : sockets)
    result.emplace(entry.second.sid, rooms_of(entry.second));
  return result;
}

bool broadcast_inline(const namespace_core& core, const broadcast_options& opts,
                      const packet_ptr& packet) {
  if (listening_supervisor == nullptr || listening_supervisor->core.get() != &core)
    return false;
  listening_supervisor->broadcast(opts, packet);
  return true;
}

caf::behavior namespace_supervisor(caf::stateful_actor<supervisor_state>* self,
                                   std::shared_ptr<const namespace_core> core) {
  self->state.self = self;
  self->state.core = std::move(core);
  self->state.metrics_label = metrics::process().namespace_index(self->state.core->name);
  if (self->state.core->recovery.enabled()) {
    self->state.recovery.emplace(self->state.core->recovery);
    self->delayed_send(self, recovery_tick, recovery_tick_atom::value);
  }
  // On shutdown the sockets go with their supervisor: the actor system waits for every actor,
  // and a socket whose connection never said goodbye would otherwise hold it forever.
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    for (auto& entry : self->state.sockets)
      if (entry.second.actor)
        self->send_exit(entry.second.actor, msg.reason);
    for (auto& entry : self->state.rooms)
      if (entry.second.actor)
        self->send_exit(entry.second.actor, msg.reason);
    for (auto& shard : self->state.core->shards->actors)
      self->send_exit(shard, msg.reason);
    // What this node no longer has (a process may run several servers, one after another).
    auto label = self->state.metrics_label;
    metrics::count(metrics::sockets_first + label,
                   -static_cast<std::int64_t>(self->state.sockets.size()));
    metrics::count(metrics::rooms_first + label,
                   -static_cast<std::int64_t>(self->state.rooms.size()));
    self->quit(msg.reason);
  });
  return {
    [=](register_atom, socket_key key, const std::string& sid, const caf::actor& socket,
        const outlet_ptr& out, const handshake_ptr& hs, data_ptr& data, const std::string& pid) {
      return self->state.register_socket(key, sid, socket, out, hs, std::move(data), pid);
    },
    [=](restore_atom, socket_key key, std::string& pid, std::string& offset,
        const caf::actor& socket, const outlet_ptr& out, const handshake_ptr& hs,
        data_ptr& data) -> caf::result<restore_reply> {
      auto& st = self->state;
      supervisor_state::restore_request req{key,    std::move(pid), std::move(offset), socket,
                                            out,    hs,             std::move(data)};
      if (!st.kept_elsewhere(req.pid))
        return st.restore(std::move(req));
      auto rp = self->make_response_promise<restore_reply>();
      st.restore_elsewhere(std::move(req), rp);
      return rp;
    },
    [=](claim_atom, const std::string& pid,
        const std::string& offset) -> caf::result<recovery_claim> {
      auto rp = self->make_response_promise<recovery_claim>();
      self->state.claim(pid, offset,
                        [rp](recovery_claim answer) mutable { rp.deliver(std::move(answer)); });
      return rp;
    },
    [=](adopt_atom, exported_states& states) { return self->state.adopt(std::move(states)); },
    [=](hand_off_atom, std::uint64_t timeout_ms) -> caf::result<std::uint64_t> {
      auto rp = self->make_response_promise<std::uint64_t>();
      self->state.hand_off(std::chrono::milliseconds{timeout_ms}, rp);
      return rp;
    },
    [=](keep_session_atom, std::string& pid, std::string& sid, std::vector<std::string>& rooms,
        data_ptr& data) {
      auto& st = self->state;
      if (!st.recovery)
        return;
      recovery_store::session s;
      s.pid = std::move(pid);
      s.sid = std::move(sid);
      s.rooms = std::move(rooms);
      s.data = std::move(data);
      s.disconnected = recovery_store::clock::now();
      st.recovery->keep(std::move(s));
      st.count_recovery();
    },
    [=](recovery_tick_atom) {
      auto& st = self->state;
      auto now = recovery_store::clock::now();
      st.recovery->expire(now);
      for (auto& store : st.adopted)
        store.expire(now);
      st.adopted.erase(std::remove_if(st.adopted.begin(), st.adopted.end(),
                                      [](auto& store) { return store.sessions() == 0; }),
                       st.adopted.end());
      st.count_recovery();
      self->delayed_send(self, recovery_tick, recovery_tick_atom::value);
    },
    [=](data_atom, socket_key key, data_ptr& data) {
      if (auto sock = self->state.sockets.find(key); sock != self->state.sockets.end())
        sock->second.data = std::move(data);
    },
    [=](join_atom, socket_key key, const std::vector<std::string>& names) {
      for (auto& room : names)
        self->state.add(key, room);
    },
    [=](leave_atom, socket_key key, const std::string& room) {
      auto& st = self->state;
      if (auto sock = st.sockets.find(key); sock != st.sockets.end())
        sock->second.rooms.erase(room);
      st.remove(key, room);
    },
    [=](leave_all_atom, const outlet_ptr& out, std::uint64_t origin_op) {
      self->state.remove_socket(out, origin_op);
    },
    [=](broadcast_atom, const broadcast_options& opts, const packet_ptr& packet,
        const outlet_ptr& origin, std::uint64_t origin_op) {
      self->state.broadcast(opts, packet, origin, origin_op);
    },
    [=](disconnect_atom, const broadcast_options& opts, bool close) {
      self->state.disconnect(opts, close);
    },
    // socketsJoin / socketsLeave of a selection, on every node: the sockets' own mirrors
    // follow through a message, as for any change a socket did not make itself.
    [=](join_atom, const broadcast_options& opts, const std::vector<std::string>& names) {
      auto& st = self->state;
      auto there = opts;
      there.local = true;
      st.relay(opts, caf::make_message(join_atom::value, there, names));
      for (auto key : st.select(opts)) {
        for (auto& room : names)
          st.add(key, room);
        if (auto& actor = st.sockets.at(key).actor)
          self->send(actor, socket_command::join(names, st.seq));
      }
    },
    [=](leave_atom, const broadcast_options& opts, const std::vector<std::string>& names) {
      auto& st = self->state;
      auto there = opts;
      there.local = true;
      st.relay(opts, caf::make_message(leave_atom::value, there, names));
      for (auto key : st.select(opts)) {
        auto& sock = st.sockets.at(key);
        for (auto& room : names)
          if (room != sock.sid && sock.rooms.erase(room) > 0)
            st.remove(key, room);
        if (sock.actor)
          self->send(sock.actor, socket_command::leave(names, st.seq));
      }
    },
    [=](fetch_atom, const broadcast_options& opts) { return self->state.fetch(opts); },
    [=](emit_ack_atom, const broadcast_options& opts, const std::string& name,
        const wire_packet& a, const caf::actor& collector, std::uint64_t timeout_ms,
        const outlet_ptr& origin, std::uint64_t origin_op) {
      self->state.emit_with_ack(opts, name, a, collector, timeout_ms, origin, origin_op);
    },
    // serverSideEmit from another node, for this namespace's handlers of that event. The
    // answer may come later and from any thread: it is delivered from this actor.
    [=](server_emit_atom, const std::string& name, wire_packet& a,
        bool wants_ack) -> caf::result<wire_packet> {
      auto& st = self->state;
      auto promise = self->make_response_promise<wire_packet>();
      auto found = st.core->server_event_handlers.find(name);
      if (found == st.core->server_event_handlers.end()) {
        // No one listens here: an asker hears it at once; a plain emit gets no answer at all.
        if (wants_ack)
          return caf::make_error(caf::sec::unexpected_message);
        return promise;
      }
      server_event::reply_fn reply;
      if (wants_ack)
        reply = [home = caf::actor_cast<caf::actor>(self), promise](const args& r) {
          caf::anon_send(home, run_atom::value,
                         task{[promise, w = to_wire(r)]() mutable { promise.deliver(w); }});
        };
      server_event ev{name, from_wire(std::move(a)), std::move(reply)};
      for (auto& handler : std::vector<server_event_handler>(found->second)) {
        try {
          handler(ev);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "atrium: server event handler %s of %s threw: %s\n",
                       name.c_str(), st.core->name.c_str(), e.what());
        }
      }
      return promise;
    },
    [=](run_atom, task& t) { t(); },
    [=](rooms_atom) { return self->state.rooms_map(); },
    [=](sids_atom) { return self->state.sids_map(); },
  };
}

void start_namespace(caf::actor_system& sys, const std::shared_ptr<namespace_core>& core,
                     std::size_t shards) {
  // A room actor names the shards it sends to in one 64-bit mask.
  shards = std::clamp<std::size_t>(shards, 1, 64);
  auto all = std::make_shared<delivery_shards>();
  all->done = std::make_unique<delivery_shards::progress[]>(shards);
  for (std::size_t i = 0; i < shards; ++i)
    all->actors.push_back(sys.spawn(delivery_shard, core->name, delivery_shards_ptr{all}, i));
  core->shards = std::move(all);
  core->supervisor = sys.spawn(namespace_supervisor, std::shared_ptr<const namespace_core>(core));
}

} // namespace atrium
