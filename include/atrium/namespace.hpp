#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "atrium/adapter_event.hpp"
#include "atrium/broadcast_operator.hpp"
#include "atrium/disconnect_reason.hpp"
#include "atrium/handshake.hpp"
#include "atrium/server_event.hpp"
#include "atrium/socket_info.hpp"

namespace atrium {

class socket;
class event;
struct namespace_core;
struct socket_state;
class server_core;

/// A refused connection: the client gets CONNECT_ERROR with this message (and data, if any).
struct connect_refusal {
  std::string message;
  std::string data_json; // optional JSON value for `err.data`; empty for none
};

/// Runs before the socket connects; returning a refusal keeps it out.
using middleware = std::function<std::optional<connect_refusal>(const handshake&)>;

/// A client asking to connect, as an asynchronous middleware sees it (Socket.IO's
/// `io.use((socket, next) => ...)`). The middleware decides once, now or later and from any
/// thread (after a database look-up, say): accept() is `next()`, refuse() is `next(err)`.
/// Until then the client waits; the next middleware runs after accept(). A request nobody
/// decides keeps the client until its connect timeout.
class connect_request {
public:
  const atrium::handshake& handshake() const;
  /// The socket's data (socket::data()), there before any connection handler runs. One JSON
  /// value; throws std::invalid_argument when it is not.
  void set_data(const raw_json& data) const;
  void accept() const;
  void refuse(connect_refusal why) const;

  struct state;

private:
  friend connect_request connect_request_for(socket_state& st, std::size_t next);
  explicit connect_request(std::shared_ptr<state> st) : st_(std::move(st)) {}
  std::shared_ptr<state> st_;
};
using async_middleware = std::function<void(connect_request)>;
using connection_handler = std::function<void(socket&)>;
/// A listener every socket of a namespace shares (namespace_handle::on_event).
using shared_event_handler = std::function<void(event&)>;
/// Runs for every socket of a namespace as it disconnects (namespace_handle::on_disconnect...).
using socket_disconnect_handler = std::function<void(socket&, disconnect_reason)>;
/// Runs for every socket of a namespace when its rooms change (namespace_handle::on_room_change):
/// `joined` is true for a join, false for a leave.
using socket_room_handler = std::function<void(socket&, const std::string& room, bool joined)>;

/// One namespace of a server (Socket.IO's `io.of(name)`).
///
/// Configure it (handlers, middleware, adapter listeners) before clients reach it: once the
/// transport has started, or a client has connected to it, configuring throws
/// std::logic_error. Broadcasting works from any thread. A handle may outlive its server:
/// it then selects no socket and its snapshots are empty.
class namespace_handle {
public:
  namespace_handle(std::weak_ptr<server_core> owner, std::shared_ptr<namespace_core> core);

  const std::string& name() const noexcept;
  /// This node's cluster address ("host:port"); empty when the node is alone.
  const std::string& node() const noexcept;

  /// Runs for every socket that connects, inside that socket's actor.
  namespace_handle& on_connection(connection_handler handler);
  /// Runs before connection handlers; a refusal sends CONNECT_ERROR and keeps the socket out.
  /// Middlewares run in the order they were added, synchronous and asynchronous alike.
  namespace_handle& use(middleware check);
  namespace_handle& use(async_middleware check);
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
  /// A socket joined or left a room, however it came (its own join/leave, the API, a
  /// socketsJoin here or on another node), told in the socket's actor and so in order with
  /// what else the socket does: a join its handler made before emitting is told before that
  /// emit is. Adapter events, told on the supervisor, carry no such order. Rooms a socket
  /// leaves by disconnecting are not told.
  namespace_handle& on_room_change(socket_room_handler handler);

  broadcast_operator to(const std::string& room) const { return all().to(room); }
  broadcast_operator to(const std::vector<std::string>& rooms) const { return all().to(rooms); }
  broadcast_operator in(const std::string& room) const { return all().to(room); }
  broadcast_operator except(const std::string& room) const { return all().except(room); }
  broadcast_operator except(const std::vector<std::string>& rooms) const {
    return all().except(rooms);
  }
  broadcast_operator local() const { return all().local(); }
  /// Every socket of the namespace.
  broadcast_operator all() const;
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
                     std::function<void(const remote_sockets&)> done) const {
    all().fetch_sockets(timeout, std::move(done));
  }
  void fetch_all_rooms(std::chrono::milliseconds timeout,
                       std::function<void(const std::set<std::string>&)> done) const;

  /// Snapshots of the adapter's maps, for code outside the server (a test, a console). They
  /// wait for the namespace's supervisor, so inside any handler or listener (any thread of
  /// the actor system) they throw std::logic_error at once instead of deadlocking: use
  /// socket::fetch_rooms there.
  membership_map rooms() const;
  membership_map sids() const;

private:
  template <class Atom>
  membership_map snapshot(Atom what) const;
  /// The core, locked for configuring; throws std::logic_error once it is serving clients.
  template <class F>
  namespace_handle& configure(F&& change);

  std::weak_ptr<server_core> owner_;
  std::shared_ptr<namespace_core> core_;
};

} // namespace atrium
