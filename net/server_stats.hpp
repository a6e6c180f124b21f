#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace atrium::net {

/// What the server refused or dropped to protect itself and its other clients, counted for
/// operators (`GET /atrium/stats` with --stats). Any thread.
struct server_stats {
  std::atomic<std::uint64_t> connections_refused{0}; // past --max-connections(-per-address)
  std::atomic<std::uint64_t> events_dropped{0};      // past --max-events-per-second
  std::atomic<std::uint64_t> flood_disconnects{0};   // sockets disconnected for flooding
  std::atomic<std::uint64_t> slow_consumer_closes{0}; // the two below together
  std::atomic<std::uint64_t> stalled_closes{0};       // queue waited --stall-timeout, nothing read
  std::atomic<std::uint64_t> queue_full_closes{0};    // queue past --max-queued-bytes
  std::atomic<std::uint64_t> volatile_dropped{0};    // volatile packets a client could not take

  /// `{"connections":N,"connections_refused":N,...}`
  std::string to_json(std::size_t connections) const;
};

} // namespace atrium::net
