#pragma once

// The boundary between the actors and the network: net/ implements `connection`, the actors
// only ever see this interface (never Beast).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace atrium {

/// One Socket.IO packet as Engine.IO message payloads, encoded once and shared, immutable, by
/// every socket it is delivered to.
struct encoded_packet {
  std::string text;                     // Engine.IO message: '4' followed by the Socket.IO packet
  std::vector<std::string> attachments; // raw binary attachments, one binary message each
  /// Connection state recovery: the offset it carries as its last argument (empty: none), by
  /// which the namespace's replay buffer knows it.
  std::string offset;
};
using packet_ptr = std::shared_ptr<const encoded_packet>;

/// How long a packet may wait in a connection's queue before it is written.
enum class urgency : std::uint8_t {
  now,       // an answer, the socket's own frames: written as soon as the transport can
  gathered,  // a broadcast: on a busy server it may wait a few milliseconds, so that what
             // else is sent to the same client leaves in the same write
  droppable, // a volatile broadcast: as `gathered`, or dropped if it cannot go at once
};

/// A client's Engine.IO session as the actors see it. Every member is thread-safe and returns
/// at once: the work happens on the connection's own strand.
class connection {
public:
  virtual ~connection() = default;

  /// Queues `packet` behind everything queued before it (never overtaking it, whatever the
  /// urgency). Nothing is returned: what a sender could learn (the client is gone, its queue is
  /// past its bound, a droppable packet could not go at once) the connection handles itself,
  /// by counting it or closing the client, whose sockets then hear of it as a disconnect.
  virtual void send(packet_ptr packet, urgency u = urgency::now) = 0;

  /// The socket of namespace `nsp` has left on the server side (its DISCONNECT was already
  /// sent): packets for that namespace are no longer routed to it.
  virtual void release(const std::string& nsp) = 0;

  /// Ends the whole client, as Socket.IO's `socket.disconnect(true)`: every namespace still
  /// connected gets its DISCONNECT packet and its socket `server namespace disconnect`, the
  /// packets already queued are flushed, then the transport closes.
  virtual void close() = 0;
};
using connection_ptr = std::shared_ptr<connection>;

} // namespace atrium
