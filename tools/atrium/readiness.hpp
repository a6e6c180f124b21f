#pragma once

// What GET /readyz reports, on the main port and on the API listener alike: whether this node
// listens, has formed its cluster (every --peer connected) and is not draining. Read on I/O
// threads, so it never asks an actor: the main thread refreshes the cluster part.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace atrium::app {

class readiness {
public:
  /// `peers`: the --peer addresses; `self`: this node's own cluster address (left out of them).
  readiness(const std::vector<std::string>& peers, const std::string& self);

  void listening() noexcept { listening_ = true; }
  void draining() noexcept { draining_ = true; }
  /// The peers connected right now (server::peers()).
  void cluster(const std::vector<std::string>& connected);
  /// Whether the cluster part is to be refreshed at all.
  bool clustered() const noexcept { return !wanted_.empty(); }

  /// Empty when ready, else why not ("draining", "not listening yet", "cluster not formed: ...").
  std::string not_ready() const;

private:
  std::set<std::string> wanted_;
  std::atomic<bool> listening_{false};
  std::atomic<bool> draining_{false};
  mutable std::mutex mtx_;
  std::string cluster_problem_;
};

} // namespace atrium::app
