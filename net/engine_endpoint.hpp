#pragma once

// One Engine.IO path ("/socket.io/", "/engine.io/"): checks each request the way the
// reference server does, creates sessions and routes requests to them by sid.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/engine_session.hpp"
#include "net/http_types.hpp"
#include "net/polling.hpp"
#include "net/session_registry.hpp"
#include "net/url.hpp"

namespace atrium::net {

/// A refusal to write as the HTTP response: status and body.
struct http_refusal {
  unsigned status;
  std::string body;
};

class engine_endpoint {
public:
  /// Makes what runs above Engine.IO for a new session (Socket.IO bridge, echo).
  using handler_factory = std::function<std::unique_ptr<session_handler>(engine_session&)>;

  engine_endpoint(boost::asio::io_context& ioc, session_config cfg, handler_factory factory,
                  session_limits limits = {});

  /// A long-polling request (any method but OPTIONS). Answers through `r`, now or later, and
  /// returns the session that holds the request, if any (it hears of an aborted request).
  std::shared_ptr<engine_session> polling(http_request&& req, const request_target& target,
                                          const std::string& remote, poll_responder_ptr r);

  /// Whether a WebSocket upgrade request from `remote` may go ahead (nullopt) or is refused
  /// over HTTP.
  std::optional<http_refusal> check_websocket(const request_target& target,
                                              const std::string& remote) const;

  /// Takes a WebSocket upgrade request that passed `check_websocket`, with its socket.
  void websocket(boost::asio::ip::tcp::socket socket, http_request&& req,
                 const request_target& target, const std::string& remote);

  /// A POST body went over maxPayload: its session closes.
  void too_large(const request_target& target);

  /// Stops taking new sessions (503) and closes every session so that its client reconnects
  /// by itself, after its queued frames (from any thread). Requests of the sessions still
  /// closing are served meanwhile.
  void drain();
  bool draining() const noexcept { return draining_.load(std::memory_order_relaxed); }
  /// Closes every session (from any thread).
  void shutdown(disconnect_reason why);
  std::size_t sessions() const { return registry_.size(); }

private:
  /// A new session, or nullptr when a limit refuses it (counted; `refusal` is the body).
  std::shared_ptr<engine_session> create(transport_kind kind, const http_request& req,
                                         const request_target& target,
                                         const std::string& remote, std::string& refusal);

  /// Counts and logs a refused new session.
  void refused(session_registry::admission verdict, const std::string& remote,
               bool draining) const;

  boost::asio::io_context& ioc_;
  session_config cfg_;
  handler_factory factory_;
  session_limits limits_;
  session_registry registry_;
  std::atomic<bool> draining_{false};
};

} // namespace atrium::net
