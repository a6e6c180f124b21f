#pragma once

// What every actor of one namespace shares: its name, its supervisor, and the application's
// handlers. The handlers are filled in before the namespace serves its first client and
// read-only afterwards (so many actors read them without locks): `sealed` marks the moment.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <caf/actor.hpp>

#include "actors/delivery_shards.hpp"
#include "atrium/adapter_event.hpp"
#include "atrium/disconnect_reason.hpp"
#include "atrium/handshake.hpp"
#include "atrium/namespace.hpp"
#include "atrium/recovery_options.hpp"
#include "atrium/server_event.hpp"

namespace atrium {

struct namespace_core {
  std::string name;
  caf::actor supervisor;
  /// Where every frame for a socket of this namespace leaves, in order (delivery_shard.hpp):
  /// a socket's is `shards->actors[shard_of(key, shards->size())]`.
  delivery_shards_ptr shards;
  caf::actor cluster; // this node's cluster actor; none when the node is alone
  std::string node;   // this node's cluster address; empty when alone
  recovery_options recovery;
  /// The offsets of connection state recovery given here: "<offset_origin>-<number>". The
  /// origin is drawn at random for each namespace of each process, so that a restarted node
  /// never hands out an offset of its former life, and every node can tell whose a packet is.
  std::string offset_origin;
  mutable std::atomic<std::uint64_t> next_offset{0};
  std::vector<std::variant<middleware, async_middleware>> middlewares;
  std::vector<connection_handler> connection_handlers;
  std::vector<adapter_listener> adapter_listeners;
  /// Listeners of every socket, by event name: one copy for the namespace, where listeners
  /// added in a connection handler cost each connection its own.
  std::unordered_map<std::string, std::vector<shared_event_handler>> event_handlers;
  std::vector<socket_disconnect_handler> disconnecting_handlers;
  std::vector<socket_disconnect_handler> disconnect_handlers;
  std::vector<socket_room_handler> room_handlers;
  /// What other nodes' server_side_emit reaches here, by event name.
  std::unordered_map<std::string, std::vector<server_event_handler>> server_event_handlers;
  /// Ack ids of this namespace on this node. Shared by every socket (as Socket.IO's `_ids`),
  /// so a broadcast asking for acks is encoded once with one id for all its receivers.
  mutable std::atomic<std::uint64_t> next_ack_id{0};
  /// Set, under `config_mutex`, when the transport starts or the first client connects;
  /// configuring takes the same lock and refuses once it is set.
  mutable std::mutex config_mutex;
  mutable std::atomic<bool> sealed{false};
  /// Set when the server's actors are gone for good: the handles and operators an
  /// application kept then do nothing (the actor handles above are cleared after it).
  std::atomic<bool> ended{false};
  bool gone() const noexcept { return ended.load(std::memory_order_acquire); }
  /// Seals the core (once); cheap when it already is.
  void seal() const {
    if (sealed.load(std::memory_order_acquire))
      return;
    std::lock_guard<std::mutex> guard{config_mutex};
    sealed.store(true, std::memory_order_release);
  }
};

/// The next offset of `core`: "<offset_origin>-<number>".
std::string recovery_offset(const namespace_core& core);
/// Whether `offset` was given by `core` (on this node), not by another node's.
bool offset_from_here(const namespace_core& core, const std::string& offset);

} // namespace atrium
