#include "actors/socket_actor.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>

#include "actors/packets.hpp"
#include "actors/boundary/random_id.hpp"
#include "actors/socket_home.hpp"
#include "actors/wire_payload.hpp"
#include "atrium/gathered_replies.hpp"
#include "protocol/json.hpp"

namespace atrium {

namespace {

std::atomic<socket_key> last_socket_key{0};

thread_local socket_state* running = nullptr;

// A throwing handler must not take the socket (and its client) down with it.
template <class F>
void guarded(const socket_state& st, const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "atrium: %s handler of socket %s threw: %s\n", what, st.sid.c_str(),
                 e.what());
  }
}

// Socket.IO's RECOVERABLE_DISCONNECT_REASONS: the connection was lost, not ended on purpose.
bool recoverable(disconnect_reason why) {
  switch (why) {
    case disconnect_reason::transport_close:
    case disconnect_reason::transport_error:
    case disconnect_reason::ping_timeout:
    case disconnect_reason::forced_close:
    case disconnect_reason::server_shutting_down:
      return true;
    default:
      return false;
  }
}

} // namespace

bool socket_home::running_here() const noexcept {
  // The weak pointer keeps the control block alive: no later actor can have its address.
  return running != nullptr
         && caf::actor_cast<caf::actor_control_block*>(running->self) == actor.get();
}

void socket_home::run(task f) const {
  if (auto home = caf::actor_cast<caf::actor>(actor))
    caf::anon_send(home, run_atom::value, std::move(f));
}

const std::shared_ptr<const socket_home>& socket_state::home() {
  if (!home_) {
    auto h = std::make_shared<socket_home>();
    h->actor = caf::actor_cast<caf::weak_actor_ptr>(self);
    h->state = this;
    home_ = std::move(h);
  }
  return home_;
}

running_scope::running_scope(socket_state& st) : outer_(running) {
  running = &st;
}

running_scope::~running_scope() {
  running = outer_;
}

socket_state* running_socket(const namespace_core& core) {
  return running != nullptr && running->core.get() == &core ? running : nullptr;
}

void socket_state::send(packet_ptr packet, then_do then, urgency how) {
  auto& shards = *core->shards;
  auto i = shard_of(key, shards.size());
  direct_frame f{std::move(packet), broadcasts, heard, then, how};
  // Nothing of this socket's is with the shard, its broadcasts are carried out and so is every
  // operation it heard of: nothing can come between, so the frame needs no detour. (Each is
  // published by the shard after the sends it stands for.)
  if (out->frames_done.load(std::memory_order_acquire) == routed
      && out->origin_done.load(std::memory_order_acquire) >= broadcasts
      && shards.done[i].finished.load(std::memory_order_acquire) >= heard) {
    send_now(*out, f, core->name);
    return;
  }
  ++routed;
  self->send(shards.actors[i], out, std::move(f));
}

void socket_state::on_packet(sio::packet& p, std::vector<std::string>& attachments) {
  if (!connected)
    return;
  switch (p.type) {
    case sio::packet_type::event:
    case sio::packet_type::binary_event: {
      auto doc = protocol::parse_json(p.data);
      // net/ decoded this packet already: a non-empty array starting with a string.
      if (!doc || !doc->IsArray() || doc->Empty() || !(*doc)[0].IsString())
        return;
      std::string name{(*doc)[0].GetString(), (*doc)[0].GetStringLength()};
      doc->Erase(doc->Begin());
      event ev{facade, std::move(name), payload{std::move(*doc), std::move(attachments)}, p.id};
      if (listeners && !listeners->middlewares.empty()) {
        std::optional<std::string> error;
        for (auto& check : std::vector<packet_middleware>(listeners->middlewares)) {
          // A middleware that throws stops the event as if it had refused it.
          error = std::string{"middleware error"};
          guarded(*this, "middleware", [&] { error = check(ev); });
          if (error)
            break;
        }
        if (error) {
          for (auto& handler : std::vector<error_handler>(listeners->errors))
            guarded(*this, "error", [&] { handler(*error); });
          return;
        }
      }
      // Socket.IO's order: the catch-all listeners, the namespace's, then the socket's own.
      // Copies: a handler may add or remove listeners while they run.
      std::vector<event_handler> run;
      if (listeners) {
        run = listeners->any;
        auto& own = listeners->events;
        for (auto l = own.begin(); l != own.end();)
          if (l->name != ev.name()) {
            ++l;
          } else {
            run.push_back(l->handler);
            l = l->once ? own.erase(l) : l + 1;
          }
      }
      auto any = listeners ? listeners->any.size() : 0;
      for (std::size_t i = 0; i < any; ++i)
        guarded(*this, "event", [&] { run[i](ev); });
      if (auto shared = core->event_handlers.find(ev.name()); shared != core->event_handlers.end())
        for (auto& handler : shared->second)
          guarded(*this, "event", [&] { handler(ev); });
      for (std::size_t i = any; i < run.size(); ++i)
        guarded(*this, "event", [&] { run[i](ev); });
      return;
    }
    case sio::packet_type::ack:
    case sio::packet_type::binary_ack: {
      if (!p.id)
        return;
      auto pending = pending_acks.find(*p.id);
      if (pending == pending_acks.end())
        return;
      auto on_reply = std::move(pending->second);
      pending_acks.erase(pending);
      auto doc = protocol::parse_json(p.data);
      if (!doc || !doc->IsArray())
        return;
      guarded(*this, "ack", [&] {
        on_reply(payload{std::move(*doc), std::move(attachments)});
      });
      return;
    }
    default:
      return; // CONNECT/DISCONNECT are handled by net/ and arrive as other messages
  }
}

void socket_state::on_command(socket_command& c) {
  heard = std::max(heard, c.seq);
  switch (c.what) {
    case socket_command::kind::closed:
      return close(c.why);
    case socket_command::kind::disconnect:
      return facade.disconnect(c.close_connection);
    case socket_command::kind::join:
      if (connected)
        for (auto& room : c.rooms)
          if (rooms.insert(room).second)
            tell_room_change(room, true);
      return;
    case socket_command::kind::leave:
      for (auto& room : c.rooms)
        if (room != sid && rooms.erase(room) > 0)
          tell_room_change(room, false);
      return;
    case socket_command::kind::ack_due: {
      auto pending = pending_acks.find(c.ack_id);
      if (pending == pending_acks.end())
        return;
      auto on_reply = std::move(pending->second);
      pending_acks.erase(pending);
      guarded(*this, "ack", [&] { on_reply(std::nullopt); });
      return;
    }
  }
}

socket_state::own_listeners& socket_state::listeners_to_add_to() {
  if (!listeners)
    listeners = std::make_unique<own_listeners>();
  return *listeners;
}

void socket_state::tell_room_change(const std::string& room, bool joined) {
  for (auto& handler : core->room_handlers)
    guarded(*this, "room change", [&] { handler(facade, room, joined); });
}

void socket_state::close(disconnect_reason why) {
  if (!connected) {
    self->quit();
    return;
  }
  for (auto& handler : core->disconnecting_handlers)
    guarded(*this, "disconnecting", [&] { handler(facade, why); });
  if (listeners)
    for (auto& handler : std::vector<disconnect_handler>(listeners->disconnecting))
      guarded(*this, "disconnecting", [&] { handler(why); });
  connected = false;
  // Before it leaves its rooms: what is sent to them from now on is what it misses.
  if (!pid.empty() && recoverable(why))
    self->send(core->supervisor, keep_session_atom::value, pid, sid,
               std::vector<std::string>(rooms.begin(), rooms.end()), data);
  self->send(core->supervisor, leave_all_atom::value, out, next_broadcast());
  rooms.clear();
  auto waiting = std::move(pending_acks);
  pending_acks.clear();
  for (auto& entry : waiting)
    guarded(*this, "ack", [&] { entry.second(std::nullopt); });
  for (auto& handler : core->disconnect_handlers)
    guarded(*this, "disconnect", [&] { handler(facade, why); });
  if (listeners)
    for (auto& handler : std::vector<disconnect_handler>(listeners->disconnect))
      guarded(*this, "disconnect", [&] { handler(why); });
  self->quit();
}

void socket_state::refuse_connect(const connect_refusal& why) {
  // Nothing else has been sent for this socket: no need to go through a shard.
  out->conn->send(packets::connect_error(core->name, why.message, why.data_json));
  out->conn->release(core->name);
  refused = true;
  self->quit();
}

void socket_state::run_middlewares(std::size_t next) {
  auto& checks = core->middlewares;
  for (; next < checks.size(); ++next) {
    if (auto* check = std::get_if<middleware>(&checks[next])) {
      std::optional<connect_refusal> refusal;
      guarded(*this, "middleware", [&] { refusal = (*check)(*hs); });
      if (refusal)
        return refuse_connect(*refusal);
      continue;
    }
    // Asynchronous: it decides through the request, maybe later; the rest waits for it.
    auto request = connect_request_for(*this, next + 1);
    try {
      std::get<async_middleware>(checks[next])(request);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "atrium: middleware of socket %s threw: %s\n", sid.c_str(), e.what());
      request.refuse({"middleware error", {}});
    }
    return;
  }
  enter();
}

void socket_state::start() {
  if (core->recovery.enabled()) {
    pid = random_id();
    // As Socket.IO: a CONNECT whose auth has a string pid and a string offset claims a session.
    if (auto auth = protocol::parse_json(hs->auth); auth && auth->IsObject()) {
      auto member = [&](const char* name) -> std::string {
        auto it = auth->FindMember(name);
        if (it == auth->MemberEnd() || !it->value.IsString())
          return {};
        return {it->value.GetString(), it->value.GetStringLength()};
      };
      claimed_pid = member("pid");
      claimed_offset = member("offset");
      if (claimed_pid.empty() || claimed_offset.empty())
        claimed_pid.clear();
    }
    if (!claimed_pid.empty() && core->recovery.skip_middlewares)
      return restore();
  }
  run_middlewares(0);
}

void socket_state::enter() {
  if (!claimed_pid.empty())
    return restore();
  // The supervisor puts the socket in the adapter (its own-id room joined, the adapter events
  // published) and then sends its client CONNECT, as Socket.IO does. `await` keeps every
  // other message of this socket waiting meanwhile, in order.
  self
    ->request(core->supervisor, caf::infinite, register_atom::value, key, sid,
              caf::actor_cast<caf::actor>(self), out, hs, data, pid)
    .await([self = self](std::uint64_t seq) { self->state.entered(seq); });
}

void socket_state::restore() {
  self
    ->request(core->supervisor, caf::infinite, restore_atom::value, key, claimed_pid,
              claimed_offset, caf::actor_cast<caf::actor>(self), out, hs, data)
    .await([self = self](restore_reply& reply) {
      auto& st = self->state;
      auto skipped = st.core->recovery.skip_middlewares;
      auto claimed = std::move(st.claimed_pid);
      st.claimed_pid.clear();
      st.claimed_offset.clear();
      if (!reply.recovered) {
        // A fresh session: new id and pid, and the middlewares if they were skipped.
        if (skipped)
          st.run_middlewares(0);
        else
          st.enter();
        return;
      }
      st.recovered = true;
      st.sid = std::move(reply.sid);
      st.pid = std::move(claimed); // the same session, as in Socket.IO
      st.data = std::move(reply.data);
      st.rooms.insert(reply.rooms.begin(), reply.rooms.end());
      st.entered(reply.seq);
    });
}

void socket_state::entered(std::uint64_t seq) {
  running_scope running{*this};
  connected = true;
  rooms.insert(sid);
  heard = seq; // what the connection handlers emit leaves after the CONNECT reply (and after
               // what a recovered socket missed)
  for (auto& handler : core->connection_handlers)
    guarded(*this, "connection", [&] { handler(facade); });
  // Listeners are mostly added here, once: keep no spare capacity for the socket's life.
  if (listeners)
    listeners->events.shrink_to_fit();
}

caf::behavior socket_actor(caf::stateful_actor<socket_state>* self,
                           std::shared_ptr<const namespace_core> core, connection_ptr conn,
                           handshake_ptr hs) {
  auto& st = self->state;
  st.self = self;
  st.core = std::move(core);
  st.hs = std::move(hs);
  st.sid = random_socket_id();
  st.key = ++last_socket_key;
  st.out = std::make_shared<outlet>(std::move(conn), st.key);
  st.start();
  if (st.refused)
    return {};
  return {
    [=](packet_atom, sio::packet& p, std::vector<std::string>& attachments) {
      running_scope running{self->state};
      self->state.on_packet(p, attachments);
    },
    [=](socket_command& c) {
      running_scope running{self->state};
      self->state.on_command(c);
    },
    // One receiver of a broadcast asking for acks: the packet (which carries the id for
    // everyone) reaches the client through the shard, after this.
    [=](emit_ack_atom, std::uint64_t id, const caf::actor& collector, std::uint64_t timeout_ms) {
      auto& st = self->state;
      if (!st.connected) {
        self->send(collector, ack_reply_atom::value);
        return;
      }
      st.pending_acks.emplace(id, [self, collector](std::optional<payload> reply) {
        if (reply)
          self->send(collector, ack_reply_atom::value, to_wire(*reply));
        else
          self->send(collector, ack_reply_atom::value);
      });
      self->delayed_send(self, std::chrono::milliseconds{timeout_ms},
                         socket_command::ack_timeout(id));
    },
    [=](run_atom, task& t) {
      running_scope running{self->state};
      t();
    },
  };
}

} // namespace atrium
