#pragma once

// HTTP long-polling for one Engine.IO session: two keep-alive HTTP/1.1 connections, one for
// the GET that waits for the server's packets (one at a time) and one for POSTs. Every
// answer goes to the session, on the session's strand.

#include <cstddef>
#include <memory>
#include <string>

#include "tools/client/session.hpp"

namespace atrium::client {

class polling_transport {
public:
  virtual ~polling_transport() = default;

  /// `host_header` is "host:port"; GET bodies are limited to `max_body` bytes.
  static std::shared_ptr<polling_transport> make(strand_type strand, endpoint_list endpoints,
                                                 std::string host_header, std::size_t max_body,
                                                 std::shared_ptr<session> owner);

  /// Starts a GET of `target` (the handshake, then each poll). One at a time.
  virtual void get(std::string target) = 0;
  /// Starts a POST of `body` to `target`. One at a time.
  virtual void post(std::string target, std::string body) = 0;
  /// Closes both connections; nothing is reported any more.
  virtual void stop() = 0;
};

} // namespace atrium::client
