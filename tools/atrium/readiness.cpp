#include "tools/atrium/readiness.hpp"

#include <algorithm>

namespace atrium::app {

readiness::readiness(const std::vector<std::string>& peers, const std::string& self) {
  for (auto& p : peers)
    if (p != self)
      wanted_.insert(p);
  cluster({});
}

void readiness::cluster(const std::vector<std::string>& connected) {
  std::string problem;
  std::size_t missing = 0;
  for (auto& p : wanted_)
    if (std::find(connected.begin(), connected.end(), p) == connected.end())
      ++missing;
  // A --peer written another way ("localhost:7000") never shows under that name: as many
  // peers as were named counts as formed too.
  if (missing > 0 && connected.size() < wanted_.size())
    problem = "cluster not formed: " + std::to_string(wanted_.size() - missing) + " of "
              + std::to_string(wanted_.size()) + " peers connected";
  std::lock_guard<std::mutex> guard{mtx_};
  cluster_problem_ = std::move(problem);
}

std::string readiness::not_ready() const {
  if (draining_)
    return "draining";
  if (!listening_)
    return "not listening yet";
  std::lock_guard<std::mutex> guard{mtx_};
  return cluster_problem_;
}

} // namespace atrium::app
