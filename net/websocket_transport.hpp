#pragma once

// The WebSocket transport. Only this translation unit includes Beast's WebSocket.

#include <cstddef>
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "net/http_types.hpp"

namespace atrium::net {

class engine_session;

enum class ws_role : bool {
  open,    // a new session over WebSocket: the link becomes its transport at once
  upgrade, // a polling session's sid: the link is offered as an upgrade probe
};

/// Takes over `socket` (whose upgrade request `req` was read already), moves it onto the
/// session's strand, completes the WebSocket handshake and hands the link to `session`.
/// Each message is limited to `max_message` bytes; a bigger one closes the link.
void accept_websocket(boost::asio::ip::tcp::socket socket, http_request req,
                      std::shared_ptr<engine_session> session, ws_role role,
                      std::size_t max_message);

/// WebSocket links still alive (the server's stop() waits for their closing handshakes).
std::size_t live_websockets();

} // namespace atrium::net
