#pragma once

// An inbound HTTP/1.1 listener for the JSON API: a listener, an io_context and threads of its
// own (never the Socket.IO server's), handing each request to one handler that answers when it
// likes, from any thread.
//
// No Beast or Asio here (pimpl): tools/atrium includes this header.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace atrium::net {

struct api_request {
  std::string method; // the verb as sent: "GET", "POST", ...
  std::string target; // "/api/v1/rooms?x=1", undecoded
  std::string authorization;
  std::string content_type;
  std::string body;
  std::string remote_address;
};

struct api_response {
  unsigned status = 200; // outside 100..599 becomes 500
  std::string body;
  std::string content_type = "application/json";
  /// Extra headers; invalid ones (bad name, CR/LF in the value) and the framing headers
  /// (Content-Length, Transfer-Encoding, Connection) are left out.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Callable once (later calls are ignored), from any thread, possibly later (async). Replies
/// after the request timed out, or after stop(), are dropped.
using api_reply = std::function<void(api_response)>;
using api_handler = std::function<void(api_request, api_reply)>;

struct api_server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::size_t max_body = 1 << 20;
  /// How long the handler has for its reply (then 504); also the bound for reading one request
  /// (headers and body, and the idle wait for it on a kept-alive connection) and for writing
  /// one response.
  unsigned request_timeout_ms = 10000;
  std::size_t max_connections = 1024; // beyond: 503 and closed at once
  unsigned threads = 1;
};

/// Answers: 400 (and close) to what does not parse as HTTP/1.1, 413 `{"error":"body too
/// large"}` (and close) over max_body, 500 `{"error":"internal error"}` when the handler throws,
/// 504 `{"error":"timed out"}` when its reply does not come in time. Keep-alive; one request
/// at a time per connection: the next is read once the reply has been written.
class api_server {
public:
  api_server(api_server_options opts, api_handler handler);
  ~api_server(); // stop()

  api_server(const api_server&) = delete;
  api_server& operator=(const api_server&) = delete;

  /// Binds and listens (port 0: any free port), then serves on its threads; throws
  /// std::runtime_error with a clear message if it cannot (or was started or stopped before).
  void start();
  /// Idempotent; closes everything and joins the threads; replies arriving afterwards are
  /// dropped safely. Must not be called from the handler's thread inside the handler.
  void stop();
  /// The bound port (0 before start()).
  std::uint16_t port() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace atrium::net
