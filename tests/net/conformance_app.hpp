#pragma once

// A stand-in for the actors: the Socket.IO conformance application ("/" and "/custom") written
// straight against namespace_registry, so net/ can face the official suites on its own.

#include "actors/boundary/socket_endpoint.hpp"

namespace atrium::net_test {

/// On CONNECT: `40{"sid":...}` then `42["auth",<auth>]` (namespace-prefixed on /custom).
/// On "/": `message` comes back as `message-back` with the same arguments and attachments;
/// `message-with-ack` is acknowledged with its arguments.
class conformance_registry final : public namespace_registry {
public:
  socket_endpoint_ptr connect(const std::string& nsp, connection_ptr conn, handshake_ptr hs,
                              std::string auth_json) override;
};

} // namespace atrium::net_test
