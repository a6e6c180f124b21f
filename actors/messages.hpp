#pragma once

// Every atom and message type exchanged between Atrium's actors, in one place.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include "actors/broadcast_options.hpp"
#include "actors/connection.hpp"
#include "actors/disconnect_reason.hpp"
#include "protocol/socketio.hpp"

namespace atrium {

// socket actor <-> namespace supervisor
using register_atom = caf::atom_constant<caf::atom("register")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using leave_all_atom = caf::atom_constant<caf::atom("leaveall")>;
using broadcast_atom = caf::atom_constant<caf::atom("broadcast")>;
using rooms_atom = caf::atom_constant<caf::atom("rooms")>;
using sids_atom = caf::atom_constant<caf::atom("sids")>;
using disconnect_atom = caf::atom_constant<caf::atom("disconnect")>;

// namespace supervisor -> room actor
using add_atom = caf::atom_constant<caf::atom("add")>;
using remove_atom = caf::atom_constant<caf::atom("remove")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using close_atom = caf::atom_constant<caf::atom("close")>;

// cluster: namespace supervisor -> cluster node -> peer cluster nodes
using relay_atom = caf::atom_constant<caf::atom("relay")>;
using remote_broadcast_atom = caf::atom_constant<caf::atom("rbroadcast")>;
using hello_atom = caf::atom_constant<caf::atom("hello")>;
using peers_atom = caf::atom_constant<caf::atom("peers")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using forward_atom = caf::atom_constant<caf::atom("forward")>; // supervisor -> cluster -> peers
using ask_atom = caf::atom_constant<caf::atom("ask")>;         // peer -> cluster -> supervisor
using members_atom = caf::atom_constant<caf::atom("members")>; // the peers' cluster actors
using fetch_atom = caf::atom_constant<caf::atom("fetch")>;

// a broadcast with acks: collector -> every node's supervisor -> selected socket actors, whose
// clients' replies go straight back to the collector
using emit_ack_atom = caf::atom_constant<caf::atom("emitack")>;
using ack_reply_atom = caf::atom_constant<caf::atom("ackreply")>;
// serverSideEmit: one node's supervisor -> every other node's supervisor
using server_emit_atom = caf::atom_constant<caf::atom("srvemit")>;

// net -> socket actor, and timers of the socket actor
using packet_atom = caf::atom_constant<caf::atom("packet")>;
using ack_timeout_atom = caf::atom_constant<caf::atom("acktimeout")>;
using run_atom = caf::atom_constant<caf::atom("run")>;

/// Work handed to an actor to run in its own context (a callback that must not run elsewhere).
using task = std::function<void()>;

/// An encoded packet as it crosses to another node: the bytes, once per peer node.
struct wire_packet {
  std::string text;
  std::vector<std::string> attachments;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_packet& x) {
  return f(caf::meta::type_name("atrium.wire_packet"), x.text, x.attachments);
}

/// One socket as a cluster-wide fetch reports it (Socket.IO's fetchSockets()).
struct socket_info {
  std::string id;
  std::vector<std::string> rooms; // sorted, own id included
  std::string address;            // the client's remote address
  std::string node;               // the cluster address of its node; empty when alone
};
using socket_infos = std::vector<socket_info>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, socket_info& x) {
  return f(caf::meta::type_name("atrium.socket_info"), x.id, x.rooms, x.address, x.node);
}

/// A socket's identity inside one node: cheap to hash, never reused within a process.
using socket_key = std::uint64_t;

/// Sockets a broadcast must skip (members of the `except` rooms), shared by every room actor
/// the broadcast reaches. Sorted and unique: built once per broadcast with one allocation, and
/// searched by every room actor.
using exclusion_set = std::vector<socket_key>;
using exclusion_ptr = std::shared_ptr<const exclusion_set>;

/// For a broadcast to several rooms: for each socket in more than one of them, the index (into
/// the broadcast's room list) of the one room that delivers to it, so that it gets the packet
/// once. Sorted by socket; a socket not listed is in one target room only.
using delivery_owner_map = std::vector<std::pair<socket_key, std::uint32_t>>;
using delivery_owner_ptr = std::shared_ptr<const delivery_owner_map>;

inline bool excludes(const exclusion_ptr& excluded, socket_key key) {
  return excluded && std::binary_search(excluded->begin(), excluded->end(), key);
}

/// Whether the room at position `index` of a broadcast's room list delivers it to `key`: the
/// socket is not excluded and, for a union, this room is the one that serves it.
inline bool serves(socket_key key, const exclusion_ptr& excluded,
                   const delivery_owner_ptr& owners, std::uint32_t index) {
  if (excludes(excluded, key))
    return false;
  if (!owners)
    return true;
  auto owner = std::lower_bound(owners->begin(), owners->end(), key,
                                [](const auto& entry, socket_key k) { return entry.first < k; });
  return owner == owners->end() || owner->first != key || owner->second == index;
}

/// `rooms` or `sids` of the in-memory adapter: name -> sorted names.
using membership_map = std::map<std::string, std::vector<std::string>>;

} // namespace atrium

// Local-only pointers: these never cross a node boundary (a cluster sends encoded bytes).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::connection_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::packet_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::exclusion_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::delivery_owner_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::disconnect_reason)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::sio::packet)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::task)
