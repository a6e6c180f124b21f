#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

#include "atrium/disconnect_reason.hpp"

namespace atrium {

/// The rarer messages to a socket actor, as one type with one handler: each case of an actor's
/// behavior costs every socket actor about 40 bytes, and a node holds very many of them.
/// (Client packets, broadcasts asking for acks and tasks keep cases of their own.)
struct socket_command {
  enum class kind : std::uint8_t {
    closed,      // the connection ended, or the client left the namespace: `why`
    disconnect,  // the server disconnects the socket; `close_connection` ends the connection too
    join,        // the supervisor made it join `rooms` (socketsJoin)
    leave,       // ... or leave them (socketsLeave)
    ack_due,     // the acknowledgement `ack_id` timed out
  };
  kind what = kind::closed;
  disconnect_reason why = disconnect_reason::transport_close;
  bool close_connection = false;
  std::vector<std::string> rooms;
  std::uint64_t ack_id = 0;
  /// From the supervisor: its operations so far. Whatever the socket sends its client after
  /// this command leaves after them (see direct_frame::after_seq).
  std::uint64_t seq = 0;

  static socket_command closed_by(disconnect_reason why) {
    socket_command c;
    c.why = why;
    return c;
  }
  static socket_command disconnect(bool close_connection, std::uint64_t seq) {
    socket_command c;
    c.what = kind::disconnect;
    c.close_connection = close_connection;
    c.seq = seq;
    return c;
  }
  static socket_command join(std::vector<std::string> rooms, std::uint64_t seq) {
    socket_command c;
    c.what = kind::join;
    c.rooms = std::move(rooms);
    c.seq = seq;
    return c;
  }
  static socket_command leave(std::vector<std::string> rooms, std::uint64_t seq) {
    socket_command c;
    c.what = kind::leave;
    c.rooms = std::move(rooms);
    c.seq = seq;
    return c;
  }
  static socket_command ack_timeout(std::uint64_t id) {
    socket_command c;
    c.what = kind::ack_due;
    c.ack_id = id;
    return c;
  }
};

} // namespace atrium

// Local only: the supervisor and the sockets it commands live on one node.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::socket_command)
