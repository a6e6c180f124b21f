#pragma once

// The server side of the official Socket.IO Admin UI (@socket.io/admin-ui 0.5), on its own
// namespace ("/admin"): login, `config`, `server_stats` every 2 s, in development mode the
// sockets and their room changes as they happen, and the UI's commands (emit, join, leave,
// _disconnect), cluster-wide. README.md, "Admin UI".

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "atrium/server.hpp"
#include "tools/atrium/admin_ui_options.hpp"

namespace atrium::app {


/// What only the transport knows, for `server_stats`. The counts are cumulative since start;
/// `clients` and `polling_clients` are what is open now. A field left empty is taken from what
/// the C++ API sees instead (a client is counted from its first socket to its last one, an
/// event a socket received is a packet in) or, where it cannot see it (bytes, packets out,
/// polling clients), left out of server_stats. This is the seam for the metrics registry
/// (actors/boundary/metrics.hpp): main.cpp hands in a function that reads it.
struct engine_counters {
  std::optional<std::uint64_t> clients;         // Engine.IO sessions open now
  std::optional<std::uint64_t> polling_clients; // of those, on long-polling
  std::optional<std::uint64_t> connections;     // sessions opened (admin-ui's rawConnection)
  std::optional<std::uint64_t> disconnections;  // sessions closed (rawDisconnection)
  std::optional<std::uint64_t> packets_in;      // Engine.IO message packets received
  std::optional<std::uint64_t> packets_out;
  std::optional<std::uint64_t> bytes_in;        // their payload bytes
  std::optional<std::uint64_t> bytes_out;
};
/// Called from the admin UI's stats thread every 2 s; must not block.
using engine_stats_source = std::function<engine_counters()>;

class admin_ui {
public:
  /// Reads the password hash file (throws std::runtime_error naming what is wrong, never the
  /// hash itself). `served`: the application's namespaces, whose sockets the UI sees and
  /// commands; the admin namespace is made here and must not be among them.
  admin_ui(admin_ui_options opts, server& io, std::map<std::string, namespace_handle> served,
           engine_stats_source engine = nullptr);
  ~admin_ui(); // stop()
  admin_ui(const admin_ui&) = delete;
  admin_ui& operator=(const admin_ui&) = delete;

  /// Installs the handlers on every namespace: call it before the transport starts.
  void install();
  /// Starts the 2-second `server_stats` emitter.
  void start();
  /// Stops the emitter and the password checks; call it before the server shuts down.
  void stop();

  struct state;

private:
  std::shared_ptr<state> st_;
  std::thread stats_thread_;
  std::mutex stop_mutex_;
  std::condition_variable stop_wake_;
  bool stopping_ = false;
};

} // namespace atrium::app
