// What the servers and the bench cost over a measured window: CPU time read from /proc at both
// ends, resident memory at the end.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace atrium::bench {

/// The cost of one process over the measured window.
struct process_cost {
  int pid = 0;                       // 0: the bench itself
  std::optional<double> cpu_s;       // nothing if the process could not be read at both ends
  std::optional<long> rss_kb;        // at the end of the window
};

/// The servers' CPU summed; nothing if there are none or one could not be read.
std::optional<double> total_cpu(const std::vector<process_cost>& servers);

class cost_window {
public:
  explicit cost_window(const std::vector<int>& server_pids) : pids_(server_pids) {}

  /// Empty when every server pid can be read now; otherwise what to tell the user.
  std::string check() const;

  void start();

  /// Costs since start(): the servers in --server-pid order, and the bench.
  std::vector<process_cost> servers() const;
  process_cost bench() const;

private:
  std::vector<int> pids_;
  std::vector<std::optional<double>> server_cpu_at_start_;
  std::optional<double> bench_cpu_at_start_;
};

} // namespace atrium::bench
