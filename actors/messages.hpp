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

#include "actors/boundary/connection.hpp"
#include "actors/outlet.hpp"
#include "actors/recovery_store.hpp"
#include "atrium/broadcast_options.hpp"
#include "atrium/disconnect_reason.hpp"
#include "atrium/handshake.hpp"
#include "atrium/socket_info.hpp"
#include "protocol/socketio.hpp"

namespace atrium {

/// A socket's data (Socket.IO's `socket.data`) as JSON text, shared by the socket and its
/// supervisor; null when the application set none.
using data_ptr = std::shared_ptr<const std::string>;

// socket actor <-> namespace supervisor
using register_atom = caf::atom_constant<caf::atom("register")>;
using data_atom = caf::atom_constant<caf::atom("data")>;
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

// a broadcast with acks: sender -> its supervisor -> (cluster -> every other node's supervisor);
// each supervisor tells the collector how many sockets it asked, the cluster actor how many
// nodes it relayed to, and the clients' replies go from their socket actors to the collector
using emit_ack_atom = caf::atom_constant<caf::atom("emitack")>;
using relay_ack_atom = caf::atom_constant<caf::atom("relayack")>;
using remote_ack_atom = caf::atom_constant<caf::atom("rackemit")>;
using ack_asked_atom = caf::atom_constant<caf::atom("ackasked")>;
using ack_nodes_atom = caf::atom_constant<caf::atom("acknodes")>;
using ack_reply_atom = caf::atom_constant<caf::atom("ackreply")>;
// serverSideEmit: one node's supervisor -> every other node's supervisor
using server_emit_atom = caf::atom_constant<caf::atom("srvemit")>;

// net -> socket actor, and timers of the socket actor
using packet_atom = caf::atom_constant<caf::atom("packet")>;
using ack_timeout_atom = caf::atom_constant<caf::atom("acktimeout")>;
using run_atom = caf::atom_constant<caf::atom("run")>;
// Connection state recovery: socket -> supervisor, and the supervisor's own clock.
using keep_session_atom = caf::atom_constant<caf::atom("keepsess")>;
using restore_atom = caf::atom_constant<caf::atom("restore")>;
using recovery_tick_atom = caf::atom_constant<caf::atom("rectick")>;
// ... and across nodes: a node a client came back to asks the others for its session (claim),
// and its cluster actor waits for what each peer node has sent it so far (barrier); a stopping
// node hands its sessions and buffer to a peer (hand_off -> adopt).
using claim_atom = caf::atom_constant<caf::atom("claim")>;
using barrier_atom = caf::atom_constant<caf::atom("barrier")>;
using peer_barrier_atom = caf::atom_constant<caf::atom("pbarrier")>;
using hand_off_atom = caf::atom_constant<caf::atom("handoff")>;
using adopt_atom = caf::atom_constant<caf::atom("adopt")>;

/// Work handed to an actor to run in its own context (a callback that must not run elsewhere).
using task = std::function<void()>;

/// An encoded packet as it crosses to another node: the bytes, once per peer node.
struct wire_packet {
  std::string text;
  std::vector<std::string> attachments;
  std::string offset; // connection state recovery's, when it has one (encoded_packet::offset)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_packet& x) {
  return f(caf::meta::type_name("atrium.wire_packet"), x.text, x.attachments, x.offset);
}

/// A node's answer to the node a client came back to with a session id: the session, what it
/// missed here, and per origin the last cluster-wide offset seen here (recovery_store).
struct recovery_claim {
  /// A recovery_store::outcome; found when it is `recovered`.
  std::uint8_t outcome = static_cast<std::uint8_t>(recovery_store::outcome::unknown_session);
  std::string sid;
  std::vector<std::string> rooms;
  std::string data; // empty: none
  std::vector<wire_packet> missed;
  recovery_store::origin_offsets upto;
  bool found() const noexcept {
    return outcome == static_cast<std::uint8_t>(recovery_store::outcome::recovered);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovery_claim& x) {
  return f(caf::meta::type_name("atrium.recovery_claim"), x.outcome, x.sid, x.rooms, x.data,
           x.missed, x.upto);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovery_store::exported_packet& x) {
  return f(caf::meta::type_name("atrium.exported_packet"), x.offset, x.text, x.attachments,
           x.rooms, x.except, x.cluster_wide, x.age_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovery_store::exported_session& x) {
  return f(caf::meta::type_name("atrium.exported_session"), x.sid, x.pid, x.rooms, x.data,
           x.age_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovery_store::exported_state& x) {
  return f(caf::meta::type_name("atrium.exported_state"), x.sessions, x.packets, x.latest);
}

/// What a stopping node hands a peer: its own store and those it had adopted.
using exported_states = std::vector<recovery_store::exported_state>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, broadcast_options& x) {
  return f(x.rooms, x.except, x.local, x.is_volatile);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, socket_info& x) {
  return f(caf::meta::type_name("atrium.socket_info"), x.id, x.rooms, x.address, x.node,
           x.data);
}

/// Sockets a broadcast must skip (members of the `except` rooms), shared by every room actor
/// and shard the broadcast reaches. Sorted and unique: built once per broadcast with one
/// allocation, and searched by each of them.
using exclusion_set = std::vector<socket_key>;
using exclusion_ptr = std::shared_ptr<const exclusion_set>;

inline bool excludes(const exclusion_ptr& excluded, socket_key key) {
  return excluded && std::binary_search(excluded->begin(), excluded->end(), key);
}

/// One operation of a namespace supervisor, as one of its delivery shards carries it out. The
/// supervisor numbers its operations (`seq`); a shard carries out its tickets in that order,
/// each once all its parts have come.
struct delivery_ticket {
  std::uint64_t seq = 0;
  packet_ptr packet;            // what it delivers; none for a ticket that only changes sockets
  bool droppable = false;       // volatile
  std::uint32_t parts = 0;      // room actors that send this shard their members for it
  std::vector<outlet*> targets; // sockets it reaches directly (own-id rooms, acked broadcasts)
  bool everyone = false;        // every socket of the shard (an empty target) ...
  exclusion_ptr excluded;       // ... but these
  outlet_ptr origin;            // the socket whose broadcast this is, if any, ...
  std::uint64_t origin_op = 0;  // ... and the broadcast's number among that socket's own
  outlet_ptr attach;            // a socket that arrives (before anything is delivered)
  outlet_ptr retire;            // a socket that leaves (after)
  std::vector<outlet*> mute;    // sockets being disconnected: no broadcast reaches them after
};

/// The supervisor's answer to a socket that came back with a session id: its former id, rooms
/// and data when it recovered (its CONNECT and what it missed are on their way then).
struct restore_reply {
  bool recovered = false;
  std::uint64_t seq = 0; // the last operation sent for it
  std::string sid;
  std::vector<std::string> rooms;
  data_ptr data;
};

/// A room actor's members for one operation, those of one shard. The shard merges the parts
/// of an operation and delivers each socket once.
struct delivery_part {
  std::uint64_t seq = 0;
  std::vector<outlet*> members;
};

} // namespace atrium

// Local-only pointers: these never cross a node boundary (a cluster sends encoded bytes).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::packet_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::exclusion_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::outlet_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::handshake_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::data_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::direct_frame)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::delivery_ticket)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::delivery_part)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::restore_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::disconnect_reason)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::sio::packet)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atrium::task)
