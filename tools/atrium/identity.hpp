#pragma once

// Who a socket is, as the atrium binary keeps it in the socket's data (socket::data()), so
// that every node's listings and webhooks see it: the user a token or the connect hook named,
// the application's data about the socket, and what it was granted at connect.
//
//   {"user":"42","data":{...},"rooms":["project:7"],"allow_join":["game-*"],"exp":1767225600}
//
// Every member is optional; a socket nobody vouched for has no data at all.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace atrium::app {

struct identity {
  std::string user;                                   // empty: anonymous
  std::string data_json;                              // a JSON value, or empty for none
  std::vector<std::string> rooms;                     // joined at connect
  std::optional<std::vector<std::string>> allow_join; // replaces --allow-join for this socket
  std::optional<std::int64_t> expires;                // seconds since the epoch (a token's exp)
};

/// The socket data that carries `id`.
std::string to_socket_data(const identity& id);

/// The identity in socket data written by to_socket_data; an empty one for anything else.
identity identity_of(const std::string& socket_data);

} // namespace atrium::app
