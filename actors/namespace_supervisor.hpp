#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "actors/namespace_core.hpp"
#include "actors/recovery_store.hpp"
#include "atrium/adapter_event.hpp"

namespace atrium {

/// The one owner of a namespace's membership on this node: Socket.IO's in-memory adapter
/// (`rooms` and `sids`) plus the room actors it spawns and ends. It numbers every operation
/// that reaches sockets (broadcasts, sockets arriving, leaving, being disconnected): the
/// delivery shards carry them out in that order.
struct supervisor_state {
  // A socket's own-id room is not an entry of `rooms`: every socket has one, nearly always
  // with that socket alone in it, and an entry (a map node, a member set, its buckets) cost
  // every connection about 200 bytes. `in_own_room` says whether the socket is in it; a room
  // of the same name in `rooms` holds any other socket that joined it.
  struct socket_entry {
    std::string sid;
    caf::actor actor;
    outlet_ptr out;
    std::set<std::string> rooms; // the rooms it joined, its own-id room not among them
    handshake_ptr hs;            // the client's (its address, for fetches)
    data_ptr data;               // socket.data, for fetches; null: none
    bool in_own_room = false;
  };
  struct room_entry {
    std::unordered_set<socket_key> members;
    caf::actor actor;
    /// Members in each delivery shard, when there are several shards.
    std::unique_ptr<std::uint32_t[]> per_shard;
  };
  /// A selection as the adapter reads it (Socket.IO's `apply`): the target rooms, or every
  /// socket, minus the excluded. Every operation on a selection starts here.
  struct selection {
    bool everyone = false;
    exclusion_ptr excluded;
    std::vector<const room_entry*> rooms; // existing target rooms, each once
    std::vector<socket_key> owners;       // sockets targeted through their own-id room
  };

  caf::stateful_actor<supervisor_state>* self = nullptr;
  std::shared_ptr<const namespace_core> core;
  std::unordered_map<socket_key, socket_entry> sockets; // sids
  std::unordered_map<std::string, socket_key> keys_by_sid;
  std::unordered_map<std::string, room_entry> rooms;    // rooms, but own-id rooms
  std::uint64_t seq = 0;                                // operations numbered so far
  std::size_t metrics_label = 0; // this namespace's label in the metrics (metrics.hpp)
  /// A socket that came back with a session id and the offset of the last packet it got.
  struct restore_request {
    socket_key key = 0;
    std::string pid;
    std::string offset;
    caf::actor actor;
    outlet_ptr out;
    handshake_ptr hs;
    data_ptr data; // what a middleware gave it, if they ran
  };

  /// Connection state recovery's sessions and replay buffer, when it is on.
  std::optional<recovery_store> recovery;
  /// The stores of other nodes that stopped and handed them to this one: it answers for
  /// their sessions (cluster_recovery.cpp).
  std::vector<recovery_store> adopted;
  std::int64_t shown_sessions = 0; // what the metrics' gauges were told of it
  std::int64_t shown_bytes = 0;

  static inline const char* name = "atrium.namespace";

  /// `pid`: its session id for connection state recovery (empty when that is off), which the
  /// CONNECT reply carries.
  std::uint64_t register_socket(socket_key key, const std::string& sid, const caf::actor& actor,
                                const outlet_ptr& out, const handshake_ptr& hs, data_ptr data,
                                const std::string& pid = {});
  /// Gives a socket that comes back with `pid` and `offset` its former id, rooms and data, and
  /// sends its client CONNECT and then what it missed, before anything sent after this.
  restore_reply restore(restore_request req);
  /// Registers a recovered socket under its former id and rooms, then sends its client CONNECT
  /// and `missed`.
  restore_reply resume(const restore_request& req, recovery_store::session kept,
                       const std::vector<packet_ptr>& missed);
  /// What recovery holds, for the metrics.
  void count_recovery();

  // Connection state recovery across nodes (cluster_recovery.cpp).
  /// Whether `pid` may be a session kept elsewhere: not here, but adopted or on a peer.
  bool kept_elsewhere(const std::string& pid) const;
  /// Asks the adopted stores, or else every other node, for the session; waits for what the
  /// peers have in flight to this node; then resume()s it or, within the cluster timeout, gives
  /// up and answers a fresh session.
  void restore_elsewhere(restore_request req, caf::typed_response_promise<restore_reply> rp);
  /// A claim of `pid` (another node's, or this one's for an adopted store): given up here,
  /// with what it missed here; `done` gets the answer, later when it is an adopted store's.
  void claim(const std::string& pid, const std::string& offset,
             std::function<void(recovery_claim)> done);
  /// Calls `then` once this node has what every peer sent it before now (true), or when that
  /// took longer than the cluster timeout (false).
  void after_barrier(std::function<void(bool)> then);
  /// Takes the stores a stopping node hands over; answers how many sessions they keep.
  std::uint64_t adopt(exported_states states);
  /// Hands every session kept here (adopted ones too) and the packets to a peer node.
  void hand_off(std::chrono::milliseconds timeout,
                caf::typed_response_promise<std::uint64_t> rp);
  void add(socket_key key, const std::string& room);
  void remove(socket_key key, const std::string& room);
  /// Leaves every room and forgets the socket; `origin_op` counts its own last operation.
  void remove_socket(const outlet_ptr& out, std::uint64_t origin_op);
  void broadcast(const broadcast_options& opts, const packet_ptr& packet,
                 const outlet_ptr& origin = nullptr, std::uint64_t origin_op = 0);
  void emit_with_ack(const broadcast_options& opts, const std::string& name, const wire_packet& a,
                     const caf::actor& collector, std::uint64_t timeout_ms,
                     const outlet_ptr& origin, std::uint64_t origin_op);
  void disconnect(const broadcast_options& opts, bool close);
  selection resolve(const broadcast_options& opts) const;
  /// The sockets a selection names, each once.
  std::vector<socket_key> select(const broadcast_options& opts) const;
  socket_infos fetch(const broadcast_options& opts) const;
  /// Sends `msg` (which carries `opts` marked local) to every other node, unless `opts` is
  /// local already.
  void relay(const broadcast_options& opts, caf::message msg);
  membership_map rooms_map() const;
  membership_map sids_map() const;

private:
  class operation;
  /// The socket whose own-id room `room` is, if it is in it.
  const socket_entry* owner_of(const std::string& room) const;
  /// Adds the members of room `name` (its own-id owner included) to `keys`.
  void members_of(const std::string& name, std::vector<socket_key>& keys) const;
  void publish(adapter_event_type type, const std::string& room, const std::string& sid);
};

caf::behavior namespace_supervisor(caf::stateful_actor<supervisor_state>* self,
                                   std::shared_ptr<const namespace_core> core);

/// Spawns a namespace's delivery shards (`shards` of them, at most 64) and its supervisor into
/// `core`, which must not be shared with any actor yet.
void start_namespace(caf::actor_system& sys, const std::shared_ptr<namespace_core>& core,
                     std::size_t shards);

/// Applies a broadcast at once when called from an adapter listener of that namespace's
/// supervisor (so it lands before the adapter's next change). Returns false elsewhere.
bool broadcast_inline(const namespace_core& core, const broadcast_options& opts,
                      const packet_ptr& packet);

} // namespace atrium
