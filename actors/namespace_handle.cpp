#include "atrium/namespace.hpp"

#include <stdexcept>
#include <utility>

#include <caf/scoped_actor.hpp>

#include "actors/cluster_ops.hpp"
#include "actors/messages.hpp"
#include "actors/server_core.hpp"

namespace atrium {

namespace_handle::namespace_handle(std::weak_ptr<server_core> owner,
                                   std::shared_ptr<namespace_core> core)
  : owner_(std::move(owner)), core_(std::move(core)) {
}

const std::string& namespace_handle::name() const noexcept {
  return core_->name;
}

const std::string& namespace_handle::node() const noexcept {
  return core_->node;
}

template <class F>
namespace_handle& namespace_handle::configure(F&& change) {
  std::lock_guard<std::mutex> guard{core_->config_mutex};
  if (core_->sealed.load(std::memory_order_relaxed))
    throw std::logic_error("atrium: namespace " + core_->name
                           + " already serves clients; configure it before the transport"
                             " starts (handlers read it without locks)");
  change(*core_);
  return *this;
}

namespace_handle& namespace_handle::on_connection(connection_handler handler) {
  return configure([&](namespace_core& c) { c.connection_handlers.push_back(std::move(handler)); });
}

namespace_handle& namespace_handle::use(middleware check) {
  return configure([&](namespace_core& c) { c.middlewares.emplace_back(std::move(check)); });
}

namespace_handle& namespace_handle::use(async_middleware check) {
  return configure([&](namespace_core& c) { c.middlewares.emplace_back(std::move(check)); });
}

namespace_handle& namespace_handle::on_adapter_event(adapter_listener listener) {
  return configure([&](namespace_core& c) { c.adapter_listeners.push_back(std::move(listener)); });
}

namespace_handle& namespace_handle::on_event(const std::string& name,
                                             shared_event_handler handler) {
  return configure([&](namespace_core& c) { c.event_handlers[name].push_back(std::move(handler)); });
}

namespace_handle& namespace_handle::on_disconnecting(socket_disconnect_handler handler) {
  return configure(
    [&](namespace_core& c) { c.disconnecting_handlers.push_back(std::move(handler)); });
}

namespace_handle& namespace_handle::on_disconnect(socket_disconnect_handler handler) {
  return configure([&](namespace_core& c) { c.disconnect_handlers.push_back(std::move(handler)); });
}

namespace_handle& namespace_handle::on_room_change(socket_room_handler handler) {
  return configure([&](namespace_core& c) { c.room_handlers.push_back(std::move(handler)); });
}

namespace_handle& namespace_handle::on_server_event(const std::string& name,
                                                   server_event_handler handler) {
  return configure(
    [&](namespace_core& c) { c.server_event_handlers[name].push_back(std::move(handler)); });
}

broadcast_operator namespace_handle::all() const {
  return broadcast_operator{core_};
}

void namespace_handle::server_side_emit(std::string_view name, const args& a,
                                        std::chrono::milliseconds timeout,
                                        replies_handler done) const {
  if (core_->gone())
    return;
  cluster_ops::on_helper_actor(*core_, [core = core_, event = std::string{name}, a, timeout,
                                        done](caf::event_based_actor* self) {
    if (!done) {
      cluster_ops::server_side_emit(self, *core, event, a, timeout, nullptr);
      self->quit();
      return;
    }
    cluster_ops::server_side_emit(self, *core, event, a, timeout,
                                  [self, done](gathered_replies& r) {
                                    done(r);
                                    self->quit();
                                  });
  });
}

void namespace_handle::fetch_all_rooms(
  std::chrono::milliseconds timeout,
  std::function<void(const std::set<std::string>&)> done) const {
  if (core_->gone())
    return;
  cluster_ops::on_helper_actor(*core_, [core = core_, timeout, done](caf::event_based_actor* self) {
    cluster_ops::fetch_all_rooms(self, *core, timeout, [self, done](const std::set<std::string>& r) {
      done(r);
      self->quit();
    });
  });
}

template <class Atom>
membership_map namespace_handle::snapshot(Atom what) const {
  membership_map result;
  auto owner = owner_.lock();
  if (!owner)
    return result; // the server is gone, and its sockets with it
  refuse_blocking_call(*owner, "namespace_handle::rooms() and sids()");
  caf::scoped_actor self{owner->system()};
  // An ended supervisor (after shutdown) leaves the snapshot empty.
  self->request(core_->supervisor, caf::infinite, what)
    .receive([&](membership_map& m) { result = std::move(m); }, [](caf::error&) {});
  return result;
}

membership_map namespace_handle::rooms() const {
  return snapshot(rooms_atom::value);
}

membership_map namespace_handle::sids() const {
  return snapshot(sids_atom::value);
}

} // namespace atrium
