#pragma once

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/adapter_event.hpp"
#include "actors/messages.hpp"
#include "actors/namespace_core.hpp"

namespace atrium {

/// The one owner of a namespace's membership on this node: Socket.IO's in-memory adapter
/// (`rooms` and `sids`) plus the room actors it spawns and ends.
struct supervisor_state {
  struct socket_entry {
    std::string sid;
    caf::actor actor;
    connection_ptr conn;
    std::set<std::string> rooms;
    std::string address; // the client's, for fetches
  };
  struct room_entry {
    std::unordered_set<socket_key> members;
    caf::actor actor; // none for a socket's own-id room: the supervisor delivers it itself
  };

  caf::stateful_actor<supervisor_state>* self = nullptr;
  std::shared_ptr<const namespace_core> core;
  std::unordered_map<socket_key, socket_entry> sockets; // sids
  std::unordered_map<std::string, socket_key> keys_by_sid;
  std::unordered_map<std::string, room_entry> rooms;    // rooms

  static inline const char* name = "atrium.namespace";

  void add(socket_key key, const std::string& room);
  void remove(socket_key key, const std::string& room);
  void remove_socket(socket_key key);
  void broadcast(const broadcast_options& opts, const packet_ptr& packet);
  /// The sockets a selection names (union of rooms minus except; all when no rooms), each once.
  std::vector<socket_key> select(const broadcast_options& opts) const;
  socket_infos fetch(const broadcast_options& opts) const;
  /// Sends `msg` (which carries `opts` marked local) to every other node, unless `opts` is
  /// local already.
  void relay(const broadcast_options& opts, caf::message msg);
  membership_map rooms_map() const;
  membership_map sids_map() const;

private:
  using target_room = std::pair<const std::string*, const room_entry*>;
  exclusion_ptr excluded_by(const std::vector<std::string>& except) const;
  static delivery_owner_ptr owners_of(const std::vector<target_room>& targets);
  void deliver(const std::string& room, const room_entry& entry, const packet_ptr& packet,
               bool droppable, const exclusion_ptr& excluded, const delivery_owner_ptr& owners,
               std::uint32_t index);
  void publish(adapter_event_type type, const std::string& room, const std::string& sid);
};

caf::behavior namespace_supervisor(caf::stateful_actor<supervisor_state>* self,
                                   std::shared_ptr<const namespace_core> core);

/// Applies a broadcast at once when called from an adapter listener of that namespace's
/// supervisor (so it lands before the adapter's next change). Returns false elsewhere.
bool broadcast_inline(const namespace_core& core, const broadcast_options& opts,
                      const packet_ptr& packet);

} // namespace atrium
