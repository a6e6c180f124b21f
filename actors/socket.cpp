#include "atrium/socket.hpp"

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include "actors/cluster_ops.hpp"
#include "actors/packets.hpp"
#include "actors/socket_actor.hpp"
#include "actors/socket_home.hpp"
#include "protocol/json.hpp"

namespace atrium {

const std::string& socket::id() const {
  return st_.sid;
}

bool socket::recovered() const {
  return st_.recovered;
}

const std::string& socket::nsp() const {
  return st_.core->name;
}

const handshake& socket::handshake() const {
  return *st_.hs;
}

const std::set<std::string>& socket::rooms() const {
  return st_.rooms;
}

bool socket::connected() const {
  return st_.connected;
}

const std::string& socket::data() const {
  static const std::string none = "null";
  return st_.data ? *st_.data : none;
}

void socket::set_data(const raw_json& data) {
  if (!protocol::parse_json(data.text))
    throw std::invalid_argument("atrium: socket data is not one JSON value: " + data.text);
  st_.data = std::make_shared<const std::string>(data.text);
  if (st_.connected)
    st_.self->send(st_.core->supervisor, data_atom::value, st_.key, st_.data);
}

void socket::on(const std::string& name, event_handler handler) {
  st_.listeners_to_add_to().events.push_back({name, std::move(handler)});
}

void socket::once(const std::string& name, event_handler handler) {
  st_.listeners_to_add_to().events.push_back({name, std::move(handler), true});
}

void socket::remove_all_listeners(const std::string& name) {
  if (!st_.listeners)
    return;
  auto& own = st_.listeners->events;
  own.erase(std::remove_if(own.begin(), own.end(), [&](auto& l) { return l.name == name; }),
            own.end());
}

void socket::on_any(event_handler handler) {
  st_.listeners_to_add_to().any.push_back(std::move(handler));
}

void socket::off_any() {
  if (st_.listeners)
    st_.listeners->any.clear();
}

void socket::use(packet_middleware check) {
  st_.listeners_to_add_to().middlewares.push_back(std::move(check));
}

void socket::on_error(error_handler handler) {
  st_.listeners_to_add_to().errors.push_back(std::move(handler));
}

void socket::on_disconnecting(disconnect_handler handler) {
  st_.listeners_to_add_to().disconnecting.push_back(std::move(handler));
}

void socket::on_disconnect(disconnect_handler handler) {
  st_.listeners_to_add_to().disconnect.push_back(std::move(handler));
}

void socket::emit(std::string_view name, const args& a) {
  send_event(name, a, std::chrono::milliseconds{0}, false, nullptr);
}

void socket::emit_with_ack(std::string_view name, const args& a, ack_handler on_reply) {
  send_event(name, a, std::chrono::milliseconds{0}, false, std::move(on_reply));
}

socket_emitter socket::timeout(std::chrono::milliseconds ms) {
  return socket_emitter{*this}.timeout(ms);
}

socket_emitter socket::as_volatile() {
  return socket_emitter{*this}.as_volatile();
}

void socket::send_event(std::string_view name, const args& a, std::chrono::milliseconds timeout,
                        bool droppable, ack_handler on_reply) {
  auto how = droppable ? urgency::droppable : urgency::now;
  if (!on_reply && !droppable && st_.core->recovery.enabled()) {
    // Through the supervisor, as a message to its own-id room (as Socket.IO does it): the
    // replay buffer keeps it with its offset, for a client that comes back having missed it.
    if (st_.connected)
      namespace_().to(st_.sid).local().emit(name, a);
    return;
  }
  if (!on_reply) {
    auto packet = packets::emitted_event(st_.core->name, name, a);
    if (st_.connected)
      st_.send(std::move(packet), then_do::nothing, how);
    return;
  }
  packets::refuse_reserved(name);
  if (!st_.connected) {
    on_reply(std::nullopt);
    return;
  }
  auto id = st_.core->next_ack_id++;
  st_.pending_acks.emplace(id, std::move(on_reply));
  st_.send(packets::event(st_.core->name, name, a, id), then_do::nothing, how);
  if (timeout.count() > 0)
    st_.self->delayed_send(st_.self, timeout, socket_command::ack_timeout(id));
}

socket_emitter socket_emitter::timeout(std::chrono::milliseconds ms) const {
  auto result = *this;
  result.timeout_ = ms;
  return result;
}

socket_emitter socket_emitter::as_volatile() const {
  auto result = *this;
  result.volatile_ = true;
  return result;
}

void socket_emitter::emit(std::string_view name, const args& a) const {
  socket_->send_event(name, a, timeout_, volatile_, nullptr);
}

void socket_emitter::emit_with_ack(std::string_view name, const args& a,
                                   ack_handler on_reply) const {
  if (!on_reply)
    on_reply = [](std::optional<payload>) {};
  socket_->send_event(name, a, timeout_, volatile_, std::move(on_reply));
}

// Joins change the mirror first, then tell the supervisor: a client that receives an ack
// sent after join() can rely on the next broadcast seeing the new membership, because the
// supervisor reads its mailbox in order.
void socket::join(const std::string& room) {
  join(std::vector<std::string>{room});
}

void socket::join(const std::vector<std::string>& rooms) {
  if (!st_.connected || rooms.empty())
    return;
  std::vector<std::string> joined;
  for (auto& room : rooms)
    if (st_.rooms.insert(room).second)
      joined.push_back(room);
  st_.self->send(st_.core->supervisor, join_atom::value, st_.key, rooms);
  // After the message: a handler that joins or leaves in turn is told to the supervisor later.
  for (auto& room : joined)
    st_.tell_room_change(room, true);
}

void socket::leave(const std::string& room) {
  if (!st_.connected || st_.rooms.erase(room) == 0)
    return;
  st_.self->send(st_.core->supervisor, leave_atom::value, st_.key, room);
  st_.tell_room_change(room, false);
}

broadcast_operator socket::to(const std::string& room) const {
  return broadcast().to(room);
}

broadcast_operator socket::to(const std::vector<std::string>& rooms) const {
  return broadcast().to(rooms);
}

broadcast_operator socket::except(const std::string& room) const {
  return broadcast().except(room);
}

broadcast_operator socket::except(const std::vector<std::string>& rooms) const {
  return broadcast().except(rooms);
}

broadcast_operator socket::broadcast() const {
  // Leaving the sender out is excepting its own-id room, as Socket.IO does.
  return namespace_().except(st_.sid);
}

broadcast_operator socket::namespace_() const {
  return broadcast_operator{st_.core, {}, st_.home()};
}

namespace {

/// A callback of this socket's request, run as one of its handlers (what it broadcasts is
/// the socket's; see running_scope).
template <class... Ts>
std::function<void(const Ts&...)> in_socket(socket_state& st,
                                            std::function<void(const Ts&...)> f) {
  return [&st, f = std::move(f)](const Ts&... xs) {
    running_scope running{st};
    f(xs...);
  };
}

} // namespace

void socket::fetch_rooms(std::function<void(const membership_map&)> on_rooms) {
  st_.self->request(st_.core->supervisor, caf::infinite, rooms_atom::value)
    .then([f = in_socket(st_, std::move(on_rooms))](const membership_map& m) { f(m); });
}

void socket::fetch_sids(std::function<void(const membership_map&)> on_sids) {
  st_.self->request(st_.core->supervisor, caf::infinite, sids_atom::value)
    .then([f = in_socket(st_, std::move(on_sids))](const membership_map& m) { f(m); });
}

void socket::fetch_all_rooms(std::chrono::milliseconds timeout,
                             std::function<void(const std::set<std::string>&)> on_rooms) {
  cluster_ops::fetch_all_rooms(st_.self, *st_.core, timeout, in_socket(st_, std::move(on_rooms)));
}

void socket::server_side_emit(std::string_view name, const args& a,
                              std::chrono::milliseconds timeout, replies_handler done) {
  if (done)
    done = [&st = st_, done = std::move(done)](gathered_replies& r) {
      running_scope running{st};
      done(r);
    };
  cluster_ops::server_side_emit(st_.self, *st_.core, name, a, timeout, std::move(done));
}

void socket::fetch_peers(std::function<void(const std::vector<std::string>&)> on_peers) {
  if (!st_.core->cluster) {
    on_peers({});
    return;
  }
  st_.self->request(st_.core->cluster, caf::infinite, peers_atom::value)
    .then([f = in_socket(st_, std::move(on_peers))](const std::vector<std::string>& p) { f(p); });
}

void socket::send_ack(std::uint64_t id, const args& a) {
  if (st_.connected)
    st_.send(packets::ack(st_.core->name, id, a));
}

void socket::disconnect(bool close) {
  if (!st_.connected)
    return;
  // Leave first, tell the client after: once the client sees DISCONNECT, nothing it asks the
  // supervisor afterwards can still find this socket in a room. The DISCONNECT leaves after
  // every broadcast that reached the socket before it left its rooms.
  st_.close(disconnect_reason::server_namespace_disconnect);
  st_.send(packets::disconnect(st_.core->name),
           close ? then_do::release_and_close : then_do::release);
}

void socket::close_connection() {
  if (!st_.connected)
    return;
  st_.close(disconnect_reason::forced_close);
  st_.send(nullptr, then_do::release_and_close); // after what was sent so far
}

void socket::after(std::chrono::milliseconds delay, std::function<void(socket&)> then) {
  // The message dies with the actor, so an ended socket's timer costs nothing and runs nothing.
  st_.self->delayed_send(st_.self, delay, run_atom::value,
                         task{[st = &st_, then = std::move(then)] {
                           if (st->connected)
                             then(st->facade);
                         }});
}

event::event(atrium::socket& s, std::string name, payload args,
             std::optional<std::uint64_t> ack_id)
  : payload(std::move(args)), socket_(s), name_(std::move(name)), ack_id_(ack_id) {
}

void event::ack(const args& a) {
  if (!wants_ack())
    return;
  acked_ = true;
  socket_.send_ack(*ack_id_, a);
}

struct responder::state {
  std::shared_ptr<const socket_home> home;
  std::uint64_t id = 0;
  std::atomic<bool> answered{false};
};

responder event::take_ack() {
  if (!wants_ack())
    return {};
  acked_ = true;
  auto st = std::make_shared<responder::state>();
  st->home = socket_.st_.home();
  st->id = *ack_id_;
  return responder{std::move(st)};
}

void responder::operator()(const args& a) const {
  if (!st_ || st_->answered.exchange(true))
    return;
  // In the socket's own handler the ack leaves at once, in order with what the handler sends
  // next; from anywhere else it goes through the socket's mailbox.
  st_->home->call([id = st_->id, a](socket_state& st) { st.facade.send_ack(id, a); });
}

} // namespace atrium
