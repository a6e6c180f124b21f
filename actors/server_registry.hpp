#pragma once

// How a transport reaches a server's namespaces, without seeing the actors behind them.

#include <memory>

#include "actors/boundary/socket_endpoint.hpp"
#include "atrium/server.hpp"

namespace atrium {

/// The namespaces of `io`, shared: they stay usable (refusing clients once `io` is gone) for
/// as long as the caller holds them.
std::shared_ptr<namespace_registry> registry_of(server& io);

} // namespace atrium
