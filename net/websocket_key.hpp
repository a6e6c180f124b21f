#pragma once

// The opening handshake's Sec-WebSocket-Key, checked before a connection becomes a WebSocket.

#include <string_view>

#include "net/http_types.hpp"

namespace atrium::net {

/// Whether `key` is a nonce as RFC 6455 section 4.1 requires: the base64 of 16 bytes, i.e. 22
/// characters of the base64 alphabet and "==" (what Node's `ws` accepts too).
bool valid_websocket_key(std::string_view key) noexcept;

/// Whether `req` carries exactly one Sec-WebSocket-Key and it is valid. A server must refuse
/// any other upgrade request with 400 (section 4.2.1): the key is what the client checks the
/// answer against, so a missing, malformed or repeated one means the client is not speaking
/// WebSocket.
bool valid_websocket_key(const http_request& req);

} // namespace atrium::net
