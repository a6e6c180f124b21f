#pragma once

// The cluster-wide operations of a namespace, written once for both callers: a socket's
// handler (run inside that socket's actor) and application code outside any actor (run inside
// a short-lived helper actor). Each answers through its callback, in the actor it runs in, with
// what arrived within its timeout.

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include <caf/event_based_actor.hpp>

#include "actors/messages.hpp"
#include "actors/namespace_core.hpp"
#include "atrium/args.hpp"
#include "atrium/broadcast_options.hpp"
#include "atrium/gathered_replies.hpp"

namespace atrium::cluster_ops {

using sockets_handler = std::function<void(const socket_infos&)>;
using room_names_handler = std::function<void(const std::set<std::string>&)>;

/// Socket.IO's fetchSockets(): the sockets `opts` selects, on every node unless local.
void fetch_sockets(caf::event_based_actor* self, const namespace_core& core,
                   const broadcast_options& opts, std::chrono::milliseconds timeout,
                   sockets_handler done);

/// The namespace's room names over every node.
void fetch_all_rooms(caf::event_based_actor* self, const namespace_core& core,
                     std::chrono::milliseconds timeout, room_names_handler done);

/// Socket.IO's serverSideEmit: `name` to this namespace's handlers on every other node;
/// `done` (optional) gathers one reply per node.
void server_side_emit(caf::event_based_actor* self, const namespace_core& core,
                      std::string_view name, const args& a, std::chrono::milliseconds timeout,
                      replies_handler done);

/// Runs `start` on a new actor of `core`'s system that lives until `start`'s work calls
/// quit(): the context of an operation asked from outside any actor.
void on_helper_actor(const namespace_core& core,
                     std::function<void(caf::event_based_actor*)> start);

} // namespace atrium::cluster_ops
