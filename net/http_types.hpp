#pragma once

// The Beast HTTP request type shared by the connection and the WebSocket handshake (net only).

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace atrium::net {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;

} // namespace atrium::net
