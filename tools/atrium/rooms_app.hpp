#pragma once

#include <set>
#include <string>

#include "atrium/server.hpp"
#include "tools/atrium/client_policy.hpp"

namespace atrium::app {

/// The rooms app (shared/CONFORMANCE.md, README.md): join/leave, emit to rooms, private
/// messages, and inspection of the adapter, on namespace `nsp`, as far as `policy` lets each
/// client (refusals are acks `{ok:false, error}`). Returns the events it answers.
std::set<std::string> install_rooms_app(namespace_handle nsp, client_policy policy);

/// What the official Socket.IO v5 suite expects on top: `auth` on connect, `message` echoed as
/// `message-back`, `message-with-ack` acknowledged with its arguments. Returns the events it
/// answers.
std::set<std::string> install_conformance_app(namespace_handle nsp);

} // namespace atrium::app
