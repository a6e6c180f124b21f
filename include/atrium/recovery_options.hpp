#pragma once

#include <chrono>
#include <cstddef>

namespace atrium {

/// Socket.IO's connection state recovery (its `connectionStateRecovery` server option): a
/// client that lost its connection comes back within `window` with its id, rooms and data,
/// and gets what it missed. Off while `window` is zero.
struct recovery_options {
  /// Socket.IO's maxDisconnectionDuration (120000 ms there).
  std::chrono::milliseconds window{0};
  /// What the replay buffer of one namespace may hold (the packets' bytes and their targets);
  /// older packets go first, and a client whose offset went with them gets a fresh session.
  std::size_t max_buffer_bytes = 64u << 20;
  /// Socket.IO's skipMiddlewares: a recovered socket does not run the middlewares again.
  bool skip_middlewares = true;
  /// In a cluster, how long the node a client comes back to waits for the others (for the
  /// session, then for the packets they have in flight to it) before it gives the client a
  /// fresh session instead: a dead or frozen node never holds a reconnecting client longer.
  std::chrono::milliseconds cluster_timeout{2000};

  bool enabled() const noexcept { return window.count() > 0; }
};

} // namespace atrium
