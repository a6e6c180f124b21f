#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "atrium/args.hpp"
#include "atrium/broadcast_operator.hpp"
#include "atrium/disconnect_reason.hpp"
#include "atrium/handshake.hpp"
#include "atrium/socket_info.hpp"

namespace atrium {

struct socket_state;
class socket_emitter;
class event;

using event_handler = std::function<void(event&)>;
/// Runs for each event the client sends before any listener (socket::use); an error message
/// stops the event there and goes to the socket's error listeners.
using packet_middleware = std::function<std::optional<std::string>(event&)>;
using error_handler = std::function<void(const std::string&)>;
using disconnect_handler = std::function<void(disconnect_reason)>;
/// The client's reply to an emit, or nullopt when it timed out or the socket left first.
using ack_handler = std::function<void(std::optional<payload>)>;

/// One client connected to one namespace (Socket.IO's server-side `socket`).
///
/// It lives inside its own actor: every handler registered on it runs there, one at a time,
/// so handlers need no locks. Use it only from its own handlers.
class socket {
public:
  socket(const socket&) = delete;
  socket& operator=(const socket&) = delete;

  const std::string& id() const;
  const std::string& nsp() const;
  /// Connection state recovery (server_options::recovery): whether this socket is one its
  /// client had before losing the connection, back with its id, rooms and data, the events it
  /// missed delivered after CONNECT (Socket.IO's `socket.recovered`).
  bool recovered() const;
  const atrium::handshake& handshake() const;
  /// The rooms this socket is in, its own id included.
  const std::set<std::string>& rooms() const;
  bool connected() const;
  /// Socket.IO's `socket.data`: the application's JSON value for this socket ("null" until
  /// set here or by a middleware), which fetch_sockets reports on every node.
  const std::string& data() const;
  /// Throws std::invalid_argument when `data` is not one JSON value.
  void set_data(const raw_json& data);

  /// Adds a listener for `name` (several may listen to one event).
  void on(const std::string& name, event_handler handler);
  /// As `on`, for the next `name` event only (Socket.IO's `once`).
  void once(const std::string& name, event_handler handler);
  /// Removes this socket's listeners of `name` (Socket.IO's `removeAllListeners(name)`).
  void remove_all_listeners(const std::string& name);
  /// Runs for every event, before its listeners (Socket.IO's `onAny`); `off_any` removes them.
  void on_any(event_handler handler);
  void off_any();
  /// Socket.IO's `socket.use`: per-event middleware, in the order added, before every listener
  /// (the catch-all ones included). An error from one stops the event: its listeners do not
  /// run, the error listeners do (`on_error`, Socket.IO's `socket.on("error")`).
  void use(packet_middleware check);
  void on_error(error_handler handler);
  /// Before leaving the rooms: `rooms()` still lists them.
  void on_disconnecting(disconnect_handler handler);
  /// After leaving every room.
  void on_disconnect(disconnect_handler handler);

  /// Sends `name` to this client. A name Socket.IO reserves (`connect`, `disconnect`, ...)
  /// throws std::invalid_argument and sends nothing; so do the other emits below.
  void emit(std::string_view name, const args& a = {});
  /// Emits asking the client for an acknowledgement; `on_reply` runs here with the reply, or
  /// with nullopt when the socket leaves first (or the timeout set by timeout(ms) passes).
  void emit_with_ack(std::string_view name, const args& a, ack_handler on_reply);
  /// Socket.IO's `socket.timeout(ms)`: the next emit_with_ack gives up after `ms`.
  socket_emitter timeout(std::chrono::milliseconds ms);
  /// Socket.IO's `socket.volatile`: the next emit may be dropped if the client cannot take it
  /// at once.
  socket_emitter as_volatile();

  void join(const std::string& room);
  void join(const std::vector<std::string>& rooms);
  void leave(const std::string& room);

  /// Broadcast to rooms, leaving this socket out.
  broadcast_operator to(const std::string& room) const;
  broadcast_operator to(const std::vector<std::string>& rooms) const;
  broadcast_operator in(const std::string& room) const { return to(room); }
  broadcast_operator except(const std::string& room) const;
  broadcast_operator except(const std::vector<std::string>& rooms) const;
  /// Every other socket of the namespace.
  broadcast_operator broadcast() const;
  /// The whole namespace, this socket included.
  broadcast_operator namespace_() const;

  /// The namespace's adapter maps, delivered back into this socket's actor (never blocks).
  void fetch_rooms(std::function<void(const membership_map&)> on_rooms);
  void fetch_sids(std::function<void(const membership_map&)> on_sids);
  /// The namespace's room names over every node that answers within `timeout`.
  void fetch_all_rooms(std::chrono::milliseconds timeout,
                       std::function<void(const std::set<std::string>&)> on_rooms);
  /// Socket.IO's serverSideEmit: `name` to this namespace's server event handlers on every
  /// other node (namespace_handle::on_server_event). With `done`, each node's handler may
  /// answer once; `done` runs here with the answers that came within `timeout`.
  void server_side_emit(std::string_view name, const args& a,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds{0},
                        replies_handler done = nullptr);
  /// The cluster addresses of the peer nodes connected right now (empty when alone).
  void fetch_peers(std::function<void(const std::vector<std::string>&)> on_peers);

  /// Leaves the namespace (the client gets DISCONNECT); `close` also closes the connection.
  void disconnect(bool close = false);
  /// Closes the connection without a DISCONNECT (the socket's reason: `forced close`), as if
  /// it were lost: the official client reconnects by itself and asks its `auth` callback
  /// again, which disconnect() would stop it from doing. Every socket of that connection ends.
  void close_connection();

  /// Runs `then` in this socket's actor after `delay` (a timer of the socket's own, such as the
  /// expiry of its credentials), unless the socket has disconnected by then.
  void after(std::chrono::milliseconds delay, std::function<void(socket&)> then);

private:
  friend struct socket_state; // the socket's actor, the only one that makes it
  friend class event;
  friend class responder;
  friend class socket_emitter;
  explicit socket(socket_state& st) : st_(st) {}
  void send_ack(std::uint64_t id, const args& a);
  void send_event(std::string_view name, const args& a, std::chrono::milliseconds timeout,
                  bool droppable, ack_handler on_reply);

  socket_state& st_;
};

/// A socket with flags for its next emit (socket::timeout, socket::as_volatile), chained as
/// in Socket.IO: `s.timeout(5s).emit_with_ack("ping", {}, on_reply)`. Use it at once, in the
/// socket's handler, as the socket itself.
class socket_emitter {
public:
  socket_emitter timeout(std::chrono::milliseconds ms) const;
  socket_emitter as_volatile() const;
  void emit(std::string_view name, const args& a = {}) const;
  void emit_with_ack(std::string_view name, const args& a, ack_handler on_reply) const;

private:
  friend class socket;
  explicit socket_emitter(atrium::socket& s) : socket_(&s) {}
  atrium::socket* socket_;
  std::chrono::milliseconds timeout_{0};
  bool volatile_ = false;
};

/// Answers one client acknowledgement later, e.g. after an asynchronous step. Callable from
/// any thread, any number of times (the first call answers), and after the socket has ended
/// (it then does nothing). Empty when the client asked for no ack.
class responder {
public:
  responder() = default;
  explicit operator bool() const noexcept { return static_cast<bool>(st_); }
  void operator()(const args& a = {}) const;

private:
  friend class event;
  struct state;
  explicit responder(std::shared_ptr<state> st) : st_(std::move(st)) {}
  std::shared_ptr<state> st_;
};

/// An event a client emitted, with its arguments (the event name removed).
class event : public payload {
public:
  const std::string& name() const noexcept { return name_; }
  atrium::socket& socket() noexcept { return socket_; }
  bool wants_ack() const noexcept { return ack_id_.has_value() && !acked_; }
  /// Answers the client's acknowledgement callback (once; later calls do nothing).
  void ack(const args& a = {});
  /// Hands the acknowledgement to a later step (this event counts as answered).
  responder take_ack();

private:
  friend struct socket_state;
  event(atrium::socket& s, std::string name, payload args, std::optional<std::uint64_t> ack_id);

  atrium::socket& socket_;
  std::string name_;
  std::optional<std::uint64_t> ack_id_;
  bool acked_ = false;
};

} // namespace atrium
