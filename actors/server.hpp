#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/adapter_event.hpp"
#include "actors/broadcast_operator.hpp"
#include "actors/cluster_node.hpp"
#include "actors/messages.hpp"
#include "actors/namespace_core.hpp"
#include "actors/server_event.hpp"
#include "actors/socket.hpp"
#include "actors/socket_endpoint.hpp"

namespace atrium {

struct server_options {
  unsigned threads = 0;       // actor scheduler workers; 0: one per CPU this process may use
  /// The actor system's threads run under Linux's SCHED_BATCH: a message does not preempt the
  /// thread that sent it (an I/O thread, say) when both share a CPU; the worker runs once that
  /// thread waits, with whatever was queued meanwhile. False: the default policy.
  bool batch_scheduling = true;
  cluster_options cluster;    // cluster.port 0: this node is alone
  /// Runs every actor on CAF's deterministic test coordinator: nothing runs until the caller
  /// drives `system().scheduler()` (the scenario runner's in-process engine, tests). The
  /// blocking snapshots (rooms(), sids()) cannot be used then.
  bool deterministic = false;
};

class server;

/// One namespace of a server (Socket.IO's `io.of(name)`). Configure it (handlers, middleware,
/// adapter listeners) before the transport starts; broadcasting works from any thread.
class namespace_handle {
public:
  namespace_handle(server& owner, std::shared_ptr<namespace_core> core);

  const std::string& name() const noexcept { return core_->name; }
  /// This node's cluster address ("host:port"); empty when the node is alone.
  const std::string& node() const noexcept { return core_->node; }

  /// Runs for every socket that connects, inside that socket's actor.
  namespace_handle& on_connection(connection_handler handler);
  /// Runs before connection handlers; a refusal sends CONNECT_ERROR and keeps the socket out.
  namespace_handle& use(middleware check);
  /// create-room / delete-room / join-room / leave-room, on the namespace supervisor.
  namespace_handle& on_adapter_event(adapter_listener listener);
  /// Listens to `name` on every socket of the namespace, as `socket::on` in a connection
  /// handler would, but with one listener for all sockets instead of a copy in each (a
  /// connection's memory). Runs in the socket's actor (`ev.socket()`), before the socket's
  /// own listeners of that name.
  namespace_handle& on_event(const std::string& name, shared_event_handler handler);
  /// As `socket::on_disconnecting` / `on_disconnect` for every socket, ahead of its own.
  namespace_handle& on_disconnecting(socket_disconnect_handler handler);
  namespace_handle& on_disconnect(socket_disconnect_handler handler);

  broadcast_operator to(const std::string& room) const { return all().to(room); }
  broadcast_operator to(const std::vector<std::string>& rooms) const { return all().to(rooms); }
  broadcast_operator in(const std::string& room) const { return all().to(room); }
  broadcast_operator except(const std::string& room) const { return all().except(room); }
  broadcast_operator except(const std::vector<std::string>& rooms) const {
    return all().except(rooms);
  }
  broadcast_operator local() const { return all().local(); }
  /// Every socket of the namespace.
  broadcast_operator all() const { return broadcast_operator{core_}; }
  void emit(std::string_view event, const args& a = {}) const { all().emit(event, a); }
  void disconnect_sockets(bool close = false) const { all().disconnect_sockets(close); }

  /// Socket.IO's `io.on(name, ...)` for serverSideEmit: runs for `name` when another node
  /// emits it with server_side_emit, on this namespace's supervisor (never block there).
  namespace_handle& on_server_event(const std::string& name, server_event_handler handler);
  /// Socket.IO's serverSideEmit from outside any actor: `name` to every other node's server
  /// event handlers; with `done`, their answers within `timeout`, on an actor of its own.
  void server_side_emit(std::string_view name, const args& a,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds{0},
                        replies_handler done = nullptr) const;
  /// fetchSockets() / the room names over every node, from outside any actor: `done` runs once,
  /// on an actor of its own, with what arrived within `timeout`.
  void fetch_sockets(std::chrono::milliseconds timeout,
                     std::function<void(const socket_infos&)> done) const {
    all().fetch_sockets(timeout, std::move(done));
  }
  void fetch_all_rooms(std::chrono::milliseconds timeout,
                       std::function<void(const std::set<std::string>&)> done) const;

  /// Snapshots of the adapter's maps. They block the caller: never call them from a handler
  /// (use socket::fetch_rooms there).
  membership_map rooms() const;
  membership_map sids() const;

private:
  template <class Atom>
  membership_map snapshot(Atom what) const;

  server* owner_;
  std::shared_ptr<namespace_core> core_;
};

/// The Socket.IO server: namespaces, sockets and rooms on CAF actors. Attach a transport
/// (atrium::net::http_server) to it to reach clients.
class server final : public namespace_registry {
public:
  explicit server(server_options opts = {});
  ~server() override;
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// The namespace `name` ("/" is always there); created on first use.
  namespace_handle of(std::string name);

  // Shortcuts for the main namespace "/", as `io.to(...)` in Socket.IO.
  broadcast_operator to(const std::string& room) { return of("/").to(room); }
  broadcast_operator to(const std::vector<std::string>& rooms) { return of("/").to(rooms); }
  broadcast_operator in(const std::string& room) { return of("/").to(room); }
  broadcast_operator except(const std::string& room) { return of("/").except(room); }
  void emit(std::string_view event, const args& a = {}) { of("/").emit(event, a); }

  caf::actor_system& system() noexcept { return *system_; }

  /// The cluster addresses of the peer nodes connected right now (blocks; not from handlers:
  /// use socket::fetch_peers there). Empty when the node is alone.
  std::vector<std::string> peers();

  /// Ends every namespace's actors. Call it after the transport has stopped.
  void shutdown();

  socket_endpoint_ptr connect(const std::string& nsp, connection_ptr conn, handshake_ptr hs,
                              std::string auth_json) override;

private:
  unsigned workers_ = 1; // actor scheduler threads
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
  caf::actor cluster_; // none when alone
  std::string node_;   // this node's cluster address; empty when alone
  std::mutex mutex_; // guards namespaces_: of() may run while clients connect
  std::map<std::string, std::shared_ptr<namespace_core>> namespaces_;
};

} // namespace atrium
