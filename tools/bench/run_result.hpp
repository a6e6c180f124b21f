// What the results of the workloads have in common, defined once so that every workload means
// the same by them and report.cpp prints them the same way: whether the run could start, what
// the processes cost, what went wrong; for the workloads that measure a window, its length and
// what arrived after it; for those that count deliveries, the delivery counts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/bench/cost_window.hpp"

namespace atrium::bench {

struct run_result {
  /// Empty when the run could start (what that takes is each workload's own: connected,
  /// joined, warmed up); otherwise why not, and nothing else in the result is meaningful.
  std::string setup_error;

  std::vector<process_cost> servers;
  process_cost bench;
  std::vector<std::string> errors;   // connections lost, malformed frames: each one a line
};

/// A run measured over one window of load, then drained.
struct window_result : run_result {
  double seconds = 0;                // the measured window, as it really lasted
  std::uint64_t drained = 0;         // of what was sent in the window, answered after it
};

/// A run whose publishers emit messages that receivers must get exactly once, each publisher's
/// in the order it emitted them.
struct delivery_result : window_result {
  std::uint64_t sent = 0;            // messages emitted in the window
  std::uint64_t deliveries = 0;      // received inside the window
  std::uint64_t lost = 0;            // owed, never arrived within the drain wait
  std::uint64_t duplicates = 0;      // a recipient got a message again
  std::uint64_t out_of_order = 0;    // a first delivery after a later one of the same publisher
};

} // namespace atrium::bench
