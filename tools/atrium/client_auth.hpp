#pragma once

// Who a client is, decided by the server at CONNECT: a signed token in the CONNECT payload
// (`{token: "..."}`, the official client's `auth` option) or the answer of the application's
// connect hook. Either way the socket comes in with its identity (identity.hpp) and is put in
// its user's room and the rooms it was granted.

#include <memory>

#include "atrium/namespace.hpp"
#include "tools/atrium/backend_options.hpp"

namespace atrium::net {
class http_client;
}

namespace atrium::app {

class token_verifier;

/// Tokens checked by `verifier` on every CONNECT to `nsp`; a refusal is a CONNECT_ERROR with
/// the reason. A socket is closed (without DISCONNECT, so the official client reconnects and
/// asks for a fresh token) when its token expires.
void install_token_auth(namespace_handle nsp, std::shared_ptr<const token_verifier> verifier,
                        const auth_options& opts);

/// Every CONNECT to `nsp` POSTed to `opts.connect_hook_url` through `client`.
void install_connect_hook(namespace_handle nsp, std::shared_ptr<net::http_client> client,
                          const auth_options& opts);

} // namespace atrium::app
