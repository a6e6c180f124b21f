#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace atrium {

/// What a client presented when it connected (Socket.IO's `socket.handshake`).
struct handshake {
  std::map<std::string, std::string> headers; // lower-case names
  std::map<std::string, std::string> query;   // decoded query parameters of the first request
  std::string address;                        // remote address
  std::string url;                            // request target of the first request
  std::int64_t issued = 0;                    // milliseconds since the epoch
  bool secure = false;
  std::string auth = "{}";                    // CONNECT payload (compact JSON object)
};

} // namespace atrium
