#include "actors/namespace_supervisor.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "actors/gathered_replies.hpp"
#include "actors/packets.hpp"
#include "actors/room_actor.hpp"
#include "actors/socket_command.hpp"

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

// Mirrors Socket.IO's in-memory adapter step by step (sids first, then rooms), so that
// listeners observe the same intermediate states as there.
void supervisor_state::add(socket_key key, const std::string& room) {
  auto sock = sockets.find(key);
  if (sock == sockets.end() || !sock->second.rooms.insert(room).second)
    return;
  auto [entry, created] = rooms.try_emplace(room);
  if (created) {
    // Most rooms (every socket's own-id room) have one member: start with two buckets, where
    // a first insert would allocate eleven.
    entry->second.members.reserve(1);
    // A socket's own-id room needs no actor of its own; another room's actor starts with its
    // first member.
    if (keys_by_sid.count(room) == 0)
      entry->second.actor =
        self->spawn<caf::lazy_init>(room_actor, key, sock->second.conn);
    publish(adapter_event_type::create_room, room, {});
  }
  // Listeners cannot change membership synchronously (joins arrive as messages), so `entry`
  // is still valid here.
  if (!entry->second.members.insert(key).second)
    return;
  if (entry->second.actor && !created)
    self->send(entry->second.actor, add_atom::value, key, sock->second.conn);
  publish(adapter_event_type::join_room, room, sock->second.sid);
}

void supervisor_state::remove(socket_key key, const std::string& room) {
  auto entry = rooms.find(room);
  if (entry == rooms.end() || entry->second.members.erase(key) == 0)
    return;
  if (entry->second.actor)
    self->send(entry->second.actor, remove_atom::value, key);
  auto sock = sockets.find(key);
  publish(adapter_event_type::leave_room, room,
          sock != sockets.end() ? sock->second.sid : std::string{});
  if (!entry->second.members.empty())
    return;
  // The close message queues behind every delivery already sent to the room actor.
  if (entry->second.actor)
    self->send(entry->second.actor, close_atom::value);
  rooms.erase(entry);
  publish(adapter_event_type::delete_room, room, {});
}

void supervisor_state::remove_socket(socket_key key) {
  auto sock = sockets.find(key);
  if (sock == sockets.end())
    return;
  auto joined = std::move(sock->second.rooms);
  sock->second.rooms.clear();
  for (auto& room : joined)
    remove(key, room);
  keys_by_sid.erase(sock->second.sid);
  sockets.erase(sock);
}

exclusion_ptr supervisor_state::excluded_by(const std::vector<std::string>& except) const {
  if (except.empty())
    return nullptr;
  auto result = std::make_shared<exclusion_set>();
  for (auto& room : except)
    if (auto entry = rooms.find(room); entry != rooms.end())
      result->insert(result->end(), entry->second.members.begin(), entry->second.members.end());
  std::sort(result->begin(), result->end());
  result->erase(std::unique(result->begin(), result->end()), result->end());
  return result;
}

void supervisor_state::deliver(const std::string&, const room_entry& entry,
                               const packet_ptr& packet, bool droppable,
                               const exclusion_ptr& excluded, const delivery_owner_ptr& owners,
                               std::uint32_t index) {
  if (entry.actor) {
    self->send(entry.actor, deliver_atom::value, packet, droppable, excluded, owners, index);
    return;
  }
  for (auto key : entry.members)
    if (serves(key, excluded, owners, index))
      if (auto sock = sockets.find(key); sock != sockets.end())
        sock->second.conn->send(packet, droppable);
}

delivery_owner_ptr supervisor_state::owners_of(const std::vector<target_room>& targets) {
  // Exactly once: a socket in several target rooms is served by the first of them. Sorting
  // (socket, room index) pairs puts each socket's first room ahead of its others.
  std::size_t total = 0;
  for (auto& target : targets)
    total += target.second->members.size();
  delivery_owner_map all;
  all.reserve(total);
  for (std::uint32_t i = 0; i < targets.size(); ++i)
    for (auto key : targets[i].second->members)
      all.emplace_back(key, i);
  std::sort(all.begin(), all.end());
  // Only sockets in more than one room need an entry: the others have one room to serve them.
  auto result = std::make_shared<delivery_owner_map>();
  for (std::size_t i = 0; i + 1 < all.size(); ++i) {
    if (all[i].first != all[i + 1].first)
      continue;
    result->push_back(all[i]);
    while (i + 1 < all.size() && all[i + 1].first == all[i].first)
      ++i;
  }
  return result;
}

void supervisor_state::broadcast(const broadcast_options& opts, const packet_ptr& packet) {
  // Rooms are per node: every other node delivers to its own members of the same rooms. The
  // relay leaves in this supervisor's order, so one sender's broadcasts keep their order.
  if (!opts.local && core->cluster)
    self->send(core->cluster, relay_atom::value, core->name, opts,
               wire_packet{packet->text, packet->attachments});
  auto excluded = excluded_by(opts.except);
  if (opts.rooms.empty()) {
    for (auto& [key, sock] : sockets)
      if (!excludes(excluded, key))
        sock.conn->send(packet, opts.is_volatile);
    return;
  }
  std::vector<target_room> targets;
  for (auto& room : sorted_unique(opts.rooms))
    if (auto entry = rooms.find(room); entry != rooms.end())
      targets.emplace_back(&entry->first, &entry->second);
  delivery_owner_ptr owners;
  if (targets.size() > 1)
    owners = owners_of(targets);
  for (std::uint32_t i = 0; i < targets.size(); ++i)
    deliver(*targets[i].first, *targets[i].second, packet, opts.is_volatile, excluded, owners, i);
}

std::vector<socket_key> supervisor_state::select(const broadcast_options& opts) const {
  auto excluded = excluded_by(opts.except);
  auto keep = [&](socket_key key) { return !excludes(excluded, key); };
  std::vector<socket_key> result;
  if (opts.rooms.empty()) {
    for (auto& entry : sockets)
      if (keep(entry.first))
        result.push_back(entry.first);
    return result;
  }
  std::unordered_set<socket_key> seen;
  for (auto& room : opts.rooms)
    if (auto entry = rooms.find(room); entry != rooms.end())
      for (auto key : entry->second.members)
        if (keep(key) && seen.insert(key).second)
          result.push_back(key);
  return result;
}

socket_infos supervisor_state::fetch(const broadcast_options& opts) const {
  socket_infos result;
  for (auto key : select(opts)) {
    auto& sock = sockets.at(key);
    result.push_back({sock.sid, {sock.rooms.begin(), sock.rooms.end()}, sock.address, core->node});
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
    std::sort(sids.begin(), sids.end());
  }
  return result;
}

membership_map supervisor_state::sids_map() const {
  membership_map result;
  for (auto& entry : sockets)
    result.emplace(entry.second.sid,
                   std::vector<std::string>(entry.second.rooms.begin(), entry.second.rooms.end()));
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
  // On shutdown the sockets go with their supervisor: the actor system waits for every actor,
  // and a socket whose connection never said goodbye would otherwise hold it forever.
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    for (auto& entry : self->state.sockets)
      if (entry.second.actor)
        self->send_exit(entry.second.actor, msg.reason);
    for (auto& entry : self->state.rooms)
      if (entry.second.actor)
        self->send_exit(entry.second.actor, msg.reason);
    self->quit(msg.reason);
  });
  return {
    [=](register_atom, socket_key key, const std::string& sid, const caf::actor& socket,
        const connection_ptr& conn, const std::string& address) {
      auto& st = self->state;
      st.sockets.emplace(key, supervisor_state::socket_entry{sid, socket, conn, {}, address});
      st.keys_by_sid.emplace(sid, key);
      st.add(key, sid); // every socket is in the room named by its own id
      return true;
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
    [=](leave_all_atom, socket_key key) { self->state.remove_socket(key); },
    [=](broadcast_atom, const broadcast_options& opts, const packet_ptr& packet) {
      self->state.broadcast(opts, packet);
    },
    [=](disconnect_atom, const broadcast_options& opts, bool close) {
      auto& st = self->state;
      auto there = opts;
      there.local = true;
      st.relay(opts, caf::make_message(disconnect_atom::value, there, close));
      for (auto key : st.select(opts))
        self->send(st.sockets.at(key).actor, socket_command::disconnect(close));
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
          self->send(actor, socket_command::join(names));
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
          self->send(sock.actor, socket_command::leave(names));
      }
    },
    [=](fetch_atom, const broadcast_options& opts) { return self->state.fetch(opts); },
    // One emit asking every selected socket here for an ack: encoded once, with one ack id
    // for all of them; each socket sends its client's reply straight to the collector.
    [=](emit_ack_atom, const broadcast_options& opts, const std::string& name,
        const wire_packet& a, const caf::actor& collector, std::uint64_t timeout_ms) {
      auto& st = self->state;
      auto id = st.core->next_ack_id++;
      auto packet = packets::event(st.core->name, name,
                                   args::from_json_array(a.text, a.attachments), id);
      std::uint64_t asked = 0;
      for (auto key : st.select(opts))
        if (auto& actor = st.sockets.at(key).actor) {
          self->send(actor, emit_ack_atom::value, packet, id, collector, timeout_ms);
          ++asked;
        }
      return asked;
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

} // namespace atrium
