#pragma once

// A Socket.IO v5 / Engine.IO v4 client in C++ (Beast), for Atrium's tools: the scenario
// runner's live engine and the benchmark client. One `connection` is one Engine.IO session
// carrying any number of namespaces, like the official client's Manager. It speaks the
// protocol only: which namespaces to join and what to emit is the caller's business.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "protocol/socketio.hpp"

namespace atrium::client {

enum class transport {
  polling,   // HTTP long-polling only
  websocket, // WebSocket from the start
  upgrade,   // polling first, then the probe and upgrade to WebSocket (the official default)
};

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3000;
  std::string path = "/socket.io/";
  transport mode = transport::upgrade;
  std::string query;                // extra query parameters, e.g. "token=abc"
  std::size_t max_payload = 1000000; // largest message accepted from the server
  // Added to the first contract (defaults fit Atrium's and Socket.IO's own limits):
  std::size_t max_attachments = 100;            // per binary packet from the server
  std::size_t max_poll_response = 16u << 20;    // one long-polling response (many messages)
  std::size_t max_send_queue = 64u << 20;       // bytes waiting to be written; beyond: closed
};

/// One Socket.IO packet from the server, its binary attachments reassembled.
struct inbound {
  sio::packet packet;
  std::vector<std::string> attachments;
};

/// Called on the io_context's threads, one at a time per connection, in protocol order.
struct callbacks {
  std::function<void()> on_open;                 // Engine.IO handshake done (sid known)
  std::function<void()> on_upgrade;              // now on WebSocket (transport::upgrade only)
  std::function<void(inbound)> on_packet;        // every Socket.IO packet, in order
  std::function<void(std::string why)> on_close; // the session ended; nothing follows
};

/// Thread-safe: every member may be called from any thread; the work runs on the
/// connection's strand. Answers the server's pings by itself.
///
/// on_close reasons: "client close" (close()), "abort" (abort()), "transport close" (the
/// server closed the session or the TCP connection), "transport error" (a network or HTTP
/// error, or the handshake failed), "ping timeout" (no ping for pingInterval + pingTimeout),
/// "parse error" (the server broke the protocol), "send queue full" (max_send_queue).
/// The session lives until it ends, even when every handle to it is dropped (its pending
/// I/O holds it): end it with close() or abort().
class connection {
public:
  virtual ~connection() = default;

  /// Opens a connection to `opts.host:opts.port` with `opts.mode`.
  static std::shared_ptr<connection> open(boost::asio::io_context& ioc, options opts,
                                          callbacks cbs);

  /// Sends one Socket.IO packet (CONNECT, EVENT, ACK, DISCONNECT, binary types with their
  /// attachments), queued behind everything sent before it. Before on_open it waits.
  virtual void send(sio::packet p, std::vector<std::string> attachments = {}) = 0;
  /// Ends the session cleanly: the Engine.IO close packet, then the transport closes.
  virtual void close() = 0;
  /// Drops the TCP connection(s) without any goodbye, as a crashed client would.
  virtual void abort() = 0;

  /// The Engine.IO session id ("" before on_open).
  virtual std::string sid() const = 0;
  /// Whether the session runs on WebSocket now.
  virtual bool upgraded() const = 0;
};

} // namespace atrium::client
