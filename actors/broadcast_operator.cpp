#include "atrium/broadcast_operator.hpp"

#include <stdexcept>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "actors/ack_collector.hpp"
#include "actors/cluster_ops.hpp"
#include "actors/messages.hpp"
#include "actors/namespace_core.hpp"
#include "actors/namespace_supervisor.hpp"
#include "actors/packets.hpp"
#include "actors/socket_actor.hpp"
#include "actors/socket_home.hpp"
#include "actors/wire_payload.hpp"

namespace atrium {

broadcast_operator::broadcast_operator(std::shared_ptr<const namespace_core> nsp,
                                       broadcast_options opts,
                                       std::shared_ptr<const socket_home> home)
  : nsp_(std::move(nsp)), opts_(std::move(opts)), home_(std::move(home)) {
}

broadcast_operator broadcast_operator::with(broadcast_options opts) const {
  broadcast_operator result{nsp_, std::move(opts), home_};
  result.timeout_ = timeout_;
  return result;
}

broadcast_operator broadcast_operator::timeout(std::chrono::milliseconds ms) const {
  auto result = with(opts_);
  result.timeout_ = ms;
  return result;
}

namespace {

/// `done`, made to run in the socket `home` when there is one.
template <class T>
std::function<void(T&)> at_home(const std::shared_ptr<const socket_home>& home,
                                std::function<void(T&)> done) {
  if (!home)
    return done;
  return [home, done = std::move(done)](T& result) {
    auto kept = std::make_shared<std::decay_t<T>>(std::move(result));
    home->run(task{[kept, done] { done(*kept); }});
  };
}

} // namespace

broadcast_operator broadcast_operator::to(const std::string& room) const {
  auto opts = opts_;
  opts.rooms.push_back(room);
  return with(std::move(opts));
}

broadcast_operator broadcast_operator::to(const std::vector<std::string>& rooms) const {
  auto opts = opts_;
  opts.rooms.insert(opts.rooms.end(), rooms.begin(), rooms.end());
  return with(std::move(opts));
}

broadcast_operator broadcast_operator::except(const std::string& room) const {
  auto opts = opts_;
  opts.except.push_back(room);
  return with(std::move(opts));
}

broadcast_operator broadcast_operator::except(const std::vector<std::string>& rooms) const {
  auto opts = opts_;
  opts.except.insert(opts.except.end(), rooms.begin(), rooms.end());
  return with(std::move(opts));
}

broadcast_operator broadcast_operator::local() const {
  auto opts = opts_;
  opts.local = true;
  return with(std::move(opts));
}

broadcast_operator broadcast_operator::as_volatile() const {
  auto opts = opts_;
  opts.is_volatile = true;
  return with(std::move(opts));
}

// Sent from a socket's handler, a broadcast is that socket's: it goes from the socket's actor
// (so the supervisor takes the socket's messages in the order it sent them), and the socket's
// later frames to its own client wait for it.
template <class... Ts>
void send_to_supervisor(const namespace_core& nsp, Ts&&... xs) {
  if (auto* sender = running_socket(nsp)) {
    auto number = sender->next_broadcast();
    sender->self->send(nsp.supervisor, std::forward<Ts>(xs)..., sender->out, number);
    return;
  }
  caf::anon_send(nsp.supervisor, std::forward<Ts>(xs)..., outlet_ptr{}, std::uint64_t{0});
}

void broadcast_operator::emit(std::string_view event, const args& a) const {
  if (nsp_->gone())
    return;
  // With recovery on, every event without an ack that may not be dropped carries an offset,
  // as Socket.IO's adapter adds one: the client hands the last one back when it reconnects.
  auto packet = nsp_->recovery.enabled() && !opts_.is_volatile
                  ? packets::recoverable_event(nsp_->name, event, a, recovery_offset(*nsp_))
                  : packets::emitted_event(nsp_->name, event, a);
  if (!broadcast_inline(*nsp_, opts_, packet))
    send_to_supervisor(*nsp_, broadcast_atom::value, opts_, std::move(packet));
}

void broadcast_operator::emit_with_ack(std::string_view event, const args& a,
                                       replies_handler done) const {
  packets::refuse_reserved(event); // before anything is spawned
  if (timeout_.count() <= 0)
    throw std::invalid_argument("atrium: a broadcast with acks needs timeout(ms) first, as "
                                "Socket.IO's io.timeout(ms).emit(...)");
  auto timeout = timeout_;
  if (nsp_->gone())
    return;
  bool relayed = !opts_.local && nsp_->cluster;
  auto collector = nsp_->supervisor->home_system().spawn(
    ack_collector, timeout, relayed, at_home<gathered_replies>(home_, std::move(done)));
  send_to_supervisor(*nsp_, emit_ack_atom::value, opts_, std::string{event}, to_wire(a),
                     collector, static_cast<std::uint64_t>(timeout.count()));
}

void broadcast_operator::fetch_sockets(std::chrono::milliseconds timeout,
                                       std::function<void(const remote_sockets&)> found) const {
  if (nsp_->gone())
    return;
  // What the sockets found are reached through: this namespace, on every node.
  broadcast_operator nsp{nsp_, {}, home_};
  std::function<void(const socket_infos&)> done = [nsp, found](const socket_infos& infos) {
    remote_sockets sockets;
    sockets.reserve(infos.size());
    for (auto& info : infos)
      sockets.emplace_back(info, nsp);
    found(sockets);
  };
  if (home_)
    done = at_home<const socket_infos>(home_, std::move(done));
  cluster_ops::on_helper_actor(*nsp_, [core = nsp_, opts = opts_, timeout,
                                       done](caf::event_based_actor* self) {
    cluster_ops::fetch_sockets(self, *core, opts, timeout, [self, done](const socket_infos& all) {
      done(all);
      self->quit();
    });
  });
}

remote_socket::remote_socket(socket_info info, const broadcast_operator& nsp)
  : socket_info(std::move(info)), self_(nsp.to(id)) {
}

void remote_socket::emit(std::string_view event, const args& a) const {
  self_.emit(event, a);
}

void remote_socket::join(const std::string& room) const {
  self_.sockets_join({room});
}

void remote_socket::join(const std::vector<std::string>& rooms) const {
  self_.sockets_join(rooms);
}

void remote_socket::leave(const std::string& room) const {
  self_.sockets_leave({room});
}

void remote_socket::disconnect(bool close) const {
  self_.disconnect_sockets(close);
}

void broadcast_operator::disconnect_sockets(bool close) const {
  if (nsp_->gone())
    return;
  caf::anon_send(nsp_->supervisor, disconnect_atom::value, opts_, close);
}

void broadcast_operator::sockets_join(const std::vector<std::string>& rooms) const {
  if (nsp_->gone())
    return;
  caf::anon_send(nsp_->supervisor, join_atom::value, opts_, rooms);
}

void broadcast_operator::sockets_leave(const std::vector<std::string>& rooms) const {
  if (nsp_->gone())
    return;
  caf::anon_send(nsp_->supervisor, leave_atom::value, opts_, rooms);
}

} // namespace atrium
