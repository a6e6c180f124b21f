#pragma once

// What a server is made of: the actor system, the cluster actor and the namespaces. The public
// `server` owns one, a transport shares it (so it outlives whichever of the two goes first),
// and namespace handles only look at it.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/boundary/socket_endpoint.hpp"
#include "actors/namespace_core.hpp"
#include "atrium/server.hpp"

namespace atrium {

class server_core final : public namespace_registry {
public:
  explicit server_core(const server_options& opts);
  ~server_core() override;

  /// The namespace `name` (normalized to start with '/'), created on first use.
  std::shared_ptr<namespace_core> of(std::string name);
  std::vector<std::string> peers();
  std::size_t hand_off_sessions(std::chrono::milliseconds timeout);
  /// Ends every namespace's actors and the cluster actor; later clients are refused.
  void shutdown();
  caf::actor_system& system() noexcept { return *system_; }
  bool deterministic() const noexcept { return deterministic_; }

  void serving() override;
  socket_endpoint_ptr connect(const std::string& nsp, connection_ptr conn, handshake_ptr hs,
                              std::string auth_json) override;

private:
  unsigned workers_ = 1; // actor scheduler threads
  bool deterministic_ = false;
  recovery_options recovery_;
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
  caf::actor cluster_; // none when alone
  std::string node_;   // this node's cluster address; empty when alone
  std::mutex mutex_;   // guards what follows: of() may run while clients connect
  bool stopped_ = false;
  std::map<std::string, std::shared_ptr<namespace_core>> namespaces_;
};

/// The internals behind a public `server`, for the transport and the test harnesses.
struct server_access {
  static const std::shared_ptr<server_core>& core(const server& s) { return s.core_; }
};

/// True on a thread of an actor system (a scheduler worker, CAF's timer or I/O thread): code
/// there must never wait for an actor.
bool on_actor_thread() noexcept;

/// Throws std::logic_error naming `what` when the caller may not wait for an actor (see
/// on_actor_thread; always on the deterministic coordinator, where nothing runs meanwhile).
void refuse_blocking_call(const server_core& core, const char* what);

} // namespace atrium
