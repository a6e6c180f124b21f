#include "actors/broadcast_operator.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "actors/ack_collector.hpp"
#include "actors/cluster_ops.hpp"
#include "actors/messages.hpp"
#include "actors/namespace_core.hpp"
#include "actors/namespace_supervisor.hpp"
#include "actors/packets.hpp"

namespace atrium {

broadcast_operator::broadcast_operator(std::shared_ptr<const namespace_core> nsp,
                                       broadcast_options opts)
  : nsp_(std::move(nsp)), opts_(std::move(opts)) {
}

broadcast_operator broadcast_operator::to(const std::string& room) const {
  auto opts = opts_;
  opts.rooms.push_back(room);
  return {nsp_, std::move(opts)};
}

broadcast_operator broadcast_operator::to(const std::vector<std::string>& rooms) const {
  auto opts = opts_;
  opts.rooms.insert(opts.rooms.end(), rooms.begin(), rooms.end());
  return {nsp_, std::move(opts)};
}

broadcast_operator broadcast_operator::except(const std::string& room) const {
  auto opts = opts_;
  opts.except.push_back(room);
  return {nsp_, std::move(opts)};
}

broadcast_operator broadcast_operator::except(const std::vector<std::string>& rooms) const {
  auto opts = opts_;
  opts.except.insert(opts.except.end(), rooms.begin(), rooms.end());
  return {nsp_, std::move(opts)};
}

broadcast_operator broadcast_operator::local() const {
  auto opts = opts_;
  opts.local = true;
  return {nsp_, std::move(opts)};
}

broadcast_operator broadcast_operator::as_volatile() const {
  auto opts = opts_;
  opts.is_volatile = true;
  return {nsp_, std::move(opts)};
}

void broadcast_operator::emit(std::string_view event, const args& a) const {
  auto packet = packets::event(nsp_->name, event, a);
  if (!broadcast_inline(*nsp_, opts_, packet))
    caf::anon_send(nsp_->supervisor, broadcast_atom::value, opts_, std::move(packet));
}

void broadcast_operator::emit_with_ack(std::string_view event, const args& a,
                                       std::chrono::milliseconds timeout,
                                       replies_handler done) const {
  nsp_->supervisor->home_system().spawn(ack_collector, nsp_,
                                        ack_broadcast{opts_, std::string{event}, to_wire(a), timeout},
                                        std::move(done));
}

void broadcast_operator::fetch_sockets(std::chrono::milliseconds timeout,
                                       std::function<void(const socket_infos&)> done) const {
  cluster_ops::on_helper_actor(*nsp_, [core = nsp_, opts = opts_, timeout,
                                       done](caf::event_based_actor* self) {
    cluster_ops::fetch_sockets(self, *core, opts, timeout, [self, done](const socket_infos& all) {
      done(all);
      self->quit();
    });
  });
}

void broadcast_operator::disconnect_sockets(bool close) const {
  caf::anon_send(nsp_->supervisor, disconnect_atom::value, opts_, close);
}

void broadcast_operator::sockets_join(const std::vector<std::string>& rooms) const {
  caf::anon_send(nsp_->supervisor, join_atom::value, opts_, rooms);
}

void broadcast_operator::sockets_leave(const std::vector<std::string>& rooms) const {
  caf::anon_send(nsp_->supervisor, leave_atom::value, opts_, rooms);
}

} // namespace atrium
