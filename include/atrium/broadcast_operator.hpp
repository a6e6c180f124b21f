#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "atrium/args.hpp"
#include "atrium/broadcast_options.hpp"
#include "atrium/gathered_replies.hpp"
#include "atrium/socket_info.hpp"

namespace atrium {

struct namespace_core;
struct socket_home;
class remote_socket;
using remote_sockets = std::vector<remote_socket>;

/// A selection of sockets of one namespace, built by chaining; every call returns a new
/// operator and leaves this one unchanged (as Socket.IO's BroadcastOperator).
///
///   io.of("/").to("a").to("b").except("c").emit("news", "hello");
///
/// Callable from any thread. The packet is encoded once for all receivers. An operator made
/// from a socket (`s.to(room)`) runs its callbacks in that socket's actor, as the socket's
/// handlers, so they may use the socket; once the socket has ended they no longer run.
class broadcast_operator {
public:
  broadcast_operator(std::shared_ptr<const namespace_core> nsp, broadcast_options opts = {},
                     std::shared_ptr<const socket_home> home = {});

  /// Adds rooms to the target union (`in` is the same).
  broadcast_operator to(const std::string& room) const;
  broadcast_operator to(const std::vector<std::string>& rooms) const;
  broadcast_operator in(const std::string& room) const { return to(room); }
  broadcast_operator in(const std::vector<std::string>& rooms) const { return to(rooms); }
  /// Leaves out every socket in these rooms.
  broadcast_operator except(const std::string& room) const;
  broadcast_operator except(const std::vector<std::string>& rooms) const;
  /// Stays on this node (no effect until the node is part of a cluster).
  broadcast_operator local() const;
  /// May be dropped for a client that cannot take it right now (Socket.IO's `volatile`).
  broadcast_operator as_volatile() const;
  /// How long emit_with_ack waits for the clients' answers (Socket.IO's `timeout(ms)`).
  broadcast_operator timeout(std::chrono::milliseconds ms) const;

  /// Throws std::invalid_argument for a name Socket.IO reserves (`connect`, `connect_error`,
  /// `disconnect`, `disconnecting`, `newListener`, `removeListener`) and sends nothing.
  void emit(std::string_view event, const args& a = {}) const;
  /// Emits asking every selected client, on every node unless local(), for an acknowledgement
  /// (Socket.IO's `io.timeout(ms).emit(..., (err, responses) => ...)`). `done` runs once when
  /// every client has answered or left, or when the timeout set by timeout(ms) passes: in the
  /// socket the operator was made from, else on an actor of its own (any thread). Without a
  /// timeout it throws std::invalid_argument, as a broadcast could wait forever.
  void emit_with_ack(std::string_view event, const args& a, replies_handler done) const;
  /// Socket.IO's fetchSockets(): the selected sockets of every node that answers within
  /// `timeout` (of this node only when local()). `done` runs once, where emit_with_ack's does.
  void fetch_sockets(std::chrono::milliseconds timeout,
                     std::function<void(const remote_sockets&)> done) const;
  /// Disconnects every selected socket, on every node unless local() (`close`: also closes
  /// their connections).
  void disconnect_sockets(bool close = false) const;
  /// Makes every selected socket join / leave these rooms, on every node unless local().
  void sockets_join(const std::vector<std::string>& rooms) const;
  void sockets_leave(const std::vector<std::string>& rooms) const;

  const broadcast_options& options() const noexcept { return opts_; }

private:
  broadcast_operator with(broadcast_options opts) const;

  std::shared_ptr<const namespace_core> nsp_;
  broadcast_options opts_;
  std::shared_ptr<const socket_home> home_; // the socket it was made from, if any
  std::chrono::milliseconds timeout_{0};    // 0: none set
};

/// A socket as fetch_sockets found it, on whichever node holds it (Socket.IO's RemoteSocket):
/// what it is, and operations that reach it wherever it is, through its own-id room. Like
/// operators, callable from any thread.
class remote_socket : public socket_info {
public:
  remote_socket(socket_info info, const broadcast_operator& nsp);

  void emit(std::string_view event, const args& a = {}) const;
  void join(const std::string& room) const;
  void join(const std::vector<std::string>& rooms) const;
  void leave(const std::string& room) const;
  void disconnect(bool close = false) const;

private:
  broadcast_operator self_; // its own-id room, on every node
};

} // namespace atrium
