#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "actors/namespace_core.hpp"
#include "actors/socket_command.hpp"
#include "atrium/socket.hpp"

namespace atrium {

struct socket_home;

/// One client in one namespace. Owns a mirror of its own rooms (the supervisor holds the
/// truth; the mirror changes in the same order, on this actor, before the supervisor is told).
struct socket_state {
  caf::stateful_actor<socket_state>* self = nullptr;
  std::shared_ptr<const namespace_core> core;
  outlet_ptr out; // its connection, through its delivery shard
  handshake_ptr hs;
  std::string sid;
  socket_key key = 0;
  std::set<std::string> rooms;
  bool connected = false;
  bool refused = false; // a middleware kept it out
  data_ptr data;        // socket.data; null: none
  /// Connection state recovery: this socket's session id (empty while recovery is off), the
  /// session and offset its client came back with, if any, and whether it got them back.
  std::string pid;
  std::string claimed_pid;
  std::string claimed_offset;
  bool recovered = false;
  // What its own frames must leave after (see direct_frame): its own broadcasts so far, and
  // the supervisor's operations it has heard of.
  std::uint64_t broadcasts = 0;
  std::uint64_t heard = 0;
  std::uint32_t routed = 0; // frames it sent through its shard (wraps, as outlet::frames_done)

  /// The socket's own listeners. Allocated with the first: sockets of an application that
  /// listens on the namespace (namespace_handle::on_event) have none.
  struct own_listeners {
    // A flat list, searched by name: a socket has a few dozen listeners at most, and a map
    // node plus a vector per name cost a connection kilobytes.
    struct listener {
      std::string name;
      event_handler handler;
      bool once = false;
    };
    std::vector<listener> events; // in registration order
    std::vector<event_handler> any;
    std::vector<packet_middleware> middlewares;
    std::vector<error_handler> errors;
    std::vector<disconnect_handler> disconnecting;
    std::vector<disconnect_handler> disconnect;
  };
  std::unique_ptr<own_listeners> listeners;
  std::unordered_map<std::uint64_t, ack_handler> pending_acks;

  atrium::socket facade{*this};

  /// Made with the first operator or responder that needs it, shared by all later ones.
  const std::shared_ptr<const socket_home>& home();
  std::shared_ptr<const socket_home> home_;

  static inline const char* name = "atrium.socket";

  own_listeners& listeners_to_add_to();
  /// Runs the namespace's middlewares from the `next`th on (an asynchronous one continues
  /// through its request), then enters the namespace.
  void run_middlewares(std::size_t next);
  void refuse_connect(const connect_refusal& why);
  /// Starts the socket: the recovery of a session its client claims, or the middlewares.
  void start();
  /// Registers with the supervisor, which sends the client CONNECT.
  void enter();
  /// Asks the supervisor for the session the client claims; on failure, goes on as a new
  /// socket (the middlewares first when they were skipped for it).
  void restore();
  /// Connected (CONNECT is on its way, after operation `seq`): runs the connection handlers.
  void entered(std::uint64_t seq);
  void on_packet(sio::packet& p, std::vector<std::string>& attachments);
  void on_command(socket_command& c);
  /// Tells the namespace's room handlers that this socket joined or left `room`.
  void tell_room_change(const std::string& room, bool joined);
  /// Runs disconnecting, leaves every room, runs disconnect, ends the actor.
  void close(disconnect_reason why);
  /// A frame of this socket's own (emit, ack, DISCONNECT) to its client, after everything
  /// that must come before it; `then` acts on the connection once it is queued.
  void send(packet_ptr packet, then_do then = then_do::nothing, urgency how = urgency::now);
  /// Numbers a broadcast this socket sends its supervisor: its later frames wait for it.
  std::uint64_t next_broadcast() { return ++broadcasts; }
};

/// Marks `st` as the socket whose actor runs on this thread, for as long as it lives: around
/// each of its messages, and around the callbacks of its requests (which CAF calls outside
/// the behavior).
class running_scope {
public:
  explicit running_scope(socket_state& st);
  ~running_scope();
  running_scope(const running_scope&) = delete;
  running_scope& operator=(const running_scope&) = delete;

private:
  socket_state* outer_;
};

/// The socket of `core`'s namespace whose actor is running on this thread (inside one of its
/// handlers), if any: the sender of what a handler broadcasts.
socket_state* running_socket(const namespace_core& core);

/// The request an asynchronous middleware of `st` decides; `next` is the middleware after it.
connect_request connect_request_for(socket_state& st, std::size_t next);

caf::behavior socket_actor(caf::stateful_actor<socket_state>* self,
                           std::shared_ptr<const namespace_core> core, connection_ptr conn,
                           handshake_ptr hs);

} // namespace atrium
