// The fanout workload: N receivers in one room, one publisher emitting to it, every delivery
// counted and checked for loss and duplicates.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/bench/latency_histogram.hpp"
#include "tools/bench/options.hpp"

namespace atrium::bench {

/// The cost of one process over the measured window.
struct process_cost {
  int pid = 0;                       // 0: the bench itself
  std::optional<double> cpu_s;       // nothing if the process could not be read at both ends
  std::optional<long> rss_kb;        // at the end of the window
};

struct fanout_result {
  /// Empty when every receiver joined and the warm-up reached all of them; otherwise why not,
  /// and nothing below is meaningful.
  std::string setup_error;

  double seconds = 0;                // the measured window, as it really lasted
  std::uint64_t sent = 0;            // messages emitted in the window
  std::uint64_t deliveries = 0;      // received inside the window
  std::uint64_t drained = 0;         // of messages sent in the window, received after it
  std::uint64_t lost = 0;            // sent * receivers - deliveries - drained
  std::uint64_t duplicates = 0;      // a seq a receiver had already seen (or passed)
  latency_histogram latency;         // rate mode: every delivery of a message sent in the window
  std::vector<process_cost> servers;
  process_cost bench;
  std::vector<std::string> errors;   // connections lost, malformed frames: each one a line
};

/// Runs the whole workload on the calling thread. Never throws for network trouble: that
/// becomes setup_error or an entry in errors.
std::unique_ptr<fanout_result> run_fanout(const fanout_options& opts);

} // namespace atrium::bench
