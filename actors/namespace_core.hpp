#pragma once

// What every actor of one namespace shares: its name, its supervisor, and the application's
// handlers. Filled in before the server starts listening, read-only afterwards (so it is read
// from many actors without locks), except for the atomic ack id counter.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>

#include "actors/adapter_event.hpp"
#include "actors/delivery_shards.hpp"
#include "actors/disconnect_reason.hpp"
#include "actors/handshake.hpp"
#include "actors/server_event.hpp"

namespace atrium {

class socket;
class event;

/// A refused connection: the client gets CONNECT_ERROR with this message (and data, if any).
struct connect_refusal {
  std::string message;
  std::string data_json; // optional JSON value for `err.data`; empty for none
};

/// Runs before the socket connects; returning a refusal keeps it out.
using middleware = std::function<std::optional<connect_refusal>(const handshake&)>;
using connection_handler = std::function<void(socket&)>;
/// A listener every socket of a namespace shares (namespace_handle::on_event).
using shared_event_handler = std::function<void(event&)>;
/// Runs for every socket of a namespace as it disconnects (namespace_handle::on_disconnect...).
using socket_disconnect_handler = std::function<void(socket&, disconnect_reason)>;

struct namespace_core {
  std::string name;
  caf::actor supervisor;
  /// Where every frame for a socket of this namespace leaves, in order (delivery_shard.hpp):
  /// a socket's is `shards->actors[shard_of(key, shards->size())]`.
  delivery_shards_ptr shards;
  caf::actor cluster; // this node's cluster actor; none when the node is alone
  std::string node;   // this node's cluster address; empty when alone
  std::vector<middleware> middlewares;
  std::vector<connection_handler> connection_handlers;
  std::vector<adapter_listener> adapter_listeners;
  /// Listeners of every socket, by event name: one copy for the namespace, where listeners
  /// added in a connection handler cost each connection its own.
  std::unordered_map<std::string, std::vector<shared_event_handler>> event_handlers;
  std::vector<socket_disconnect_handler> disconnecting_handlers;
  std::vector<socket_disconnect_handler> disconnect_handlers;
  /// What other nodes' server_side_emit reaches here, by event name.
  std::unordered_map<std::string, std::vector<server_event_handler>> server_event_handlers;
  /// Ack ids of this namespace on this node. Shared by every socket (as Socket.IO's `_ids`),
  /// so a broadcast asking for acks is encoded once with one id for all its receivers.
  mutable std::atomic<std::uint64_t> next_ack_id{0};
};

} // namespace atrium
