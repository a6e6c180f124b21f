#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "atrium/broadcast_operator.hpp"
#include "atrium/cluster_options.hpp"
#include "atrium/namespace.hpp"
#include "atrium/recovery_options.hpp"

namespace atrium {

struct server_options {
  unsigned threads = 0;       // actor scheduler workers; 0: one per CPU this process may use
  /// The actor system's threads run under Linux's SCHED_BATCH: a message does not preempt the
  /// thread that sent it (an I/O thread, say) when both share a CPU; the worker runs once that
  /// thread waits, with whatever was queued meanwhile. False: the default policy.
  bool batch_scheduling = true;
  cluster_options cluster;    // cluster.port 0: this node is alone
  /// Runs every actor on CAF's deterministic test coordinator: nothing runs until the caller
  /// drives it (the scenario runner's in-process engine, tests). The blocking snapshots
  /// (rooms(), sids(), peers()) cannot be used then.
  bool deterministic = false;
  /// Connection state recovery for every namespace (off unless its window is set).
  recovery_options recovery;
};

/// The Socket.IO server: namespaces, sockets and rooms on actors. Attach a transport
/// (atrium::net::http_server) to it to reach clients.
///
/// Destroying it ends every namespace; a transport still attached keeps what it needs alive
/// and refuses new clients, so the order in which the two are destroyed does not matter.
class server final {
public:
  explicit server(server_options opts = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// The namespace `name` ("/" is always there); created on first use.
  namespace_handle of(std::string name);

  // Shortcuts for the main namespace "/", as `io.use(...)`, `io.on("connection")` and
  // `io.to(...)` in Socket.IO.
  server& use(middleware check);
  server& use(async_middleware check);
  server& on_connection(connection_handler handler);
  broadcast_operator to(const std::string& room) { return of("/").to(room); }
  broadcast_operator to(const std::vector<std::string>& rooms) { return of("/").to(rooms); }
  broadcast_operator in(const std::string& room) { return of("/").to(room); }
  broadcast_operator except(const std::string& room) { return of("/").except(room); }
  broadcast_operator except(const std::vector<std::string>& rooms) {
    return of("/").except(rooms);
  }
  void emit(std::string_view event, const args& a = {}) { of("/").emit(event, a); }

  /// The cluster addresses of the peer nodes connected right now; empty when the node is
  /// alone. It waits for the cluster actor: inside a handler it throws std::logic_error (use
  /// socket::fetch_peers there).
  std::vector<std::string> peers();

  /// Connection state recovery in a cluster: hands the sessions this node keeps (and the
  /// packets they may have missed) to a peer node, which answers for them once this node is
  /// gone. Call it when stopping, once the clients are closed. Returns how many sessions went
  /// within `timeout` (for every namespace together). Like peers(), not from inside a handler.
  std::size_t hand_off_sessions(std::chrono::milliseconds timeout);

  /// Ends every namespace's actors. Call it after the transport has stopped.
  void shutdown();

private:
  friend struct server_access;
  std::shared_ptr<server_core> core_;
};

} // namespace atrium
