#include "tools/bench/cost_window.hpp"

#include "tools/bench/proc_stats.hpp"

namespace atrium::bench {

namespace {

process_cost cost_since(int pid, const std::optional<double>& cpu_at_start) {
  process_cost cost{pid, std::nullopt, rss_kb(pid)};
  auto now = cpu_seconds(pid);
  if (cpu_at_start && now)
    cost.cpu_s = *now - *cpu_at_start;
  return cost;
}

} // namespace

std::optional<double> total_cpu(const std::vector<process_cost>& servers) {
  if (servers.empty())
    return std::nullopt;
  double sum = 0;
  for (const auto& s : servers) {
    if (!s.cpu_s)
      return std::nullopt;
    sum += *s.cpu_s;
  }
  return sum;
}

std::string cost_window::check() const {
  for (int pid : pids_)
    if (!cpu_seconds(pid))
      return "no process " + std::to_string(pid) + " to measure (--server-pid)";
  return {};
}

void cost_window::start() {
  server_cpu_at_start_.clear();
  for (int pid : pids_)
    server_cpu_at_start_.push_back(cpu_seconds(pid));
  bench_cpu_at_start_ = cpu_seconds(0);
}

std::vector<process_cost> cost_window::servers() const {
  std::vector<process_cost> out;
  for (std::size_t i = 0; i < pids_.size(); ++i)
    out.push_back(cost_since(pids_[i], i < server_cpu_at_start_.size() ? server_cpu_at_start_[i]
                                                                       : std::nullopt));
  return out;
}

process_cost cost_window::bench() const {
  return cost_since(0, bench_cpu_at_start_);
}

} // namespace atrium::bench
