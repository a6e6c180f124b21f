#pragma once

// The HTTP/WebSocket front of Atrium (implemented in net/): Engine.IO long-polling and
// WebSocket on one port.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace atrium {
class server;
class namespace_registry;
} // namespace atrium

namespace atrium::net {

struct server_options {
  std::string host = "0.0.0.0";
  std::uint16_t port = 3000;            // 0: any free port (see http_server::port())
  std::string path = "/socket.io/";     // Engine.IO path carrying Socket.IO
  unsigned ping_interval_ms = 25000;
  unsigned ping_timeout_ms = 20000;
  std::size_t max_payload = 1000000;    // maxHttpBufferSize: per HTTP body and per WebSocket message
  unsigned connect_timeout_ms = 45000;  // a client that sends no CONNECT in time is closed
  unsigned request_timeout_ms = 30000;  // an HTTP request must arrive whole in time
  unsigned threads = 1;                 // I/O threads
  bool engineio_echo = false;           // also serve a bare Engine.IO echo at /engine.io/
  std::string cors_origin = "*";        // Access-Control-Allow-Origin for polling ("*": echo Origin)
  std::size_t max_connections = 0;      // Engine.IO sessions at once; 0: no bound
  std::size_t max_connections_per_address = 0; // from one remote address; 0: no bound
  /// Events one socket may send a second (a second's worth may come at once); 0: no limit.
  /// An event past it is never delivered to the application: when it asked for an ack, the
  /// client gets an ACK whose one argument is `rate_limited_ack`; otherwise it is dropped.
  /// Both are counted (`events_dropped`).
  double max_events_per_second = 1000;
  bool disconnect_flooders = false;     // past that rate: disconnect the socket, not drop events
  /// The argument of that ACK: one JSON value (start() throws std::invalid_argument when it is
  /// not). The default is the rooms app's refusal.
  std::string rate_limited_ack = R"({"ok":false,"error":"rate limited"})";
  std::size_t max_namespaces_per_client = 32; // namespaces one connection may join; 0: no bound
  std::size_t max_attachments = 10;     // binary attachments of one packet
  std::size_t max_json_depth = 32;      // nesting of a packet's JSON
  bool stats_endpoint = false;          // serve GET /atrium/stats (server_stats as JSON)
  /// When not empty, GET and HEAD of the paths that are not the server's own (the Engine.IO
  /// paths, /atrium/...) answer with the files of this directory (index.html for a directory),
  /// never with anything outside it. start() throws std::invalid_argument when it is not a
  /// directory.
  std::string static_dir;
  bool metrics_endpoint = false;        // serve GET /metrics (Prometheus text, no key asked)
  /// Slow consumers are judged by progress: a client whose queued frames wait this long while
  /// it takes nothing (no GET; its WebSocket accepts no byte) is closed ("transport error").
  /// 0: never.
  unsigned stall_timeout_ms = 30000;
  /// While the process uses most of its CPUs, a broadcast to a client written to less than
  /// this long ago waits for the rest of that time, so that what follows it to the same client
  /// leaves in the same write (answers never wait). 0: every frame is written at once.
  unsigned gather_ms = 10;
  /// The hard bound of one client's outbound queue, in bytes (frame bookkeeping and the
  /// WebSocket batch being written included): past it the client is closed at once, however
  /// it progresses. The default holds a burst of 20,000 messages of 1 KB with room to spare.
  std::size_t max_queued_bytes = std::size_t{32} << 20;
  /// What besides a drain keeps the server from being ready (GET /readyz answers 503 with it:
  /// "cluster not formed", say); empty: nothing does. None: ready while it listens. Called on
  /// an I/O thread for each probe: it must not block.
  std::function<std::string()> readiness;
};

/// Listens for clients and bridges their Socket.IO sockets to a server's namespaces.
class http_server {
public:
  /// Serves `io`; it keeps what it needs of `io` alive, so either may be destroyed first.
  http_server(server_options opts, atrium::server& io);
  /// Serves any set of namespaces (net/'s own tests use this one).
  http_server(server_options opts, std::shared_ptr<namespace_registry> registry);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and starts the I/O threads. Throws std::system_error when it cannot bind, and
  /// std::invalid_argument for options it cannot use. From then on the namespaces that exist
  /// can no longer be configured.
  void start();
  /// Starts stopping gracefully (any thread, returns at once): GET /readyz answers 503, new
  /// clients are refused with 503, and every session closes the way a restart needs it: its
  /// queued frames go out, then its transport closes without a Socket.IO DISCONNECT (its
  /// sockets hear `server shutting down`; the client sees "transport close" and reconnects by
  /// itself, elsewhere or here once restarted). Idempotent.
  void drain();
  /// Whether every session has closed since drain().
  bool drained() const;
  /// Closes every session (each client gets a close and each socket a disconnect with
  /// `server shutting down`), then joins the I/O threads. After drain() what is still open is
  /// abandoned at once; otherwise the closing handshakes get a moment. Idempotent.
  void stop();
  /// The bound port (useful with port 0).
  std::uint16_t port() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace atrium::net
