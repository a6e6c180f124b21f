#pragma once

// One socket's end of the delivery path: the connection its frames go to, and what its
// delivery shard keeps about it. Every frame for a socket leaves through its outlet, on its
// delivery shard, which is what puts them in order (see delivery_shard.hpp).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/boundary/connection.hpp"

namespace atrium {

/// A socket's identity inside one node: cheap to hash, never reused within a process.
using socket_key = std::uint64_t;

/// What a socket's own actor does to its connection after a frame (in the frame's order).
enum class then_do : std::uint8_t { nothing, release, release_and_close };

/// A frame the socket's own actor sends (emit, ack, DISCONNECT). It leaves after every
/// broadcast the socket caused so far (`after_origin`, counted by the socket) and after every
/// operation of the supervisor the socket had heard of (`after_seq`).
struct direct_frame {
  packet_ptr packet;
  std::uint64_t after_origin = 0;
  std::uint64_t after_seq = 0;
  then_do then = then_do::nothing;
  urgency how = urgency::now; // droppable: a volatile emit
};

struct outlet {
  outlet(connection_ptr c, socket_key k) : conn(std::move(c)), key(k) {}
  outlet(const outlet&) = delete;
  outlet& operator=(const outlet&) = delete;

  static constexpr std::uint32_t unattached = ~std::uint32_t{0};

  const connection_ptr conn;
  const socket_key key;

  // Written by the socket's delivery shard only, one message at a time. The two atomics are
  // read by the socket's actor: when the shard owes it nothing, its frames skip the shard.
  std::uint64_t last_seq = 0;                // the last operation delivered (a union: once)
  std::atomic<std::uint64_t> origin_done{0}; // its socket's broadcasts carried out
  std::atomic<std::uint32_t> frames_done{0}; // its actor's frames the shard has sent (wraps)
  std::uint32_t index = unattached;          // its place in the shard's list of sockets
  bool muted = false;                        // being disconnected: no broadcast reaches it
};
using outlet_ptr = std::shared_ptr<outlet>;

/// Writes a frame of a socket's own actor to its connection, then does what it says (`nsp`:
/// the socket's namespace, for a release).
void send_now(const outlet& o, direct_frame& f, const std::string& nsp);

/// The delivery shard of a socket, of `shards`.
inline std::size_t shard_of(socket_key key, std::size_t shards) {
  return shards > 1 ? key % shards : 0;
}

} // namespace atrium
