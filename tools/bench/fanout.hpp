// The fanout workload: N receivers in one room, one publisher emitting to it, every delivery
// counted and checked for loss and duplicates.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tools/bench/cost_window.hpp"
#include "tools/bench/latency_histogram.hpp"
#include "tools/bench/options.hpp"

namespace atrium::bench {

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

  bool passed() const { return lost == 0 && duplicates == 0 && errors.empty(); }
};

/// Runs the whole workload on the calling thread. Never throws for network trouble: that
/// becomes setup_error or an entry in errors.
std::unique_ptr<fanout_result> run_fanout(const fanout_options& opts);

void print_fanout_block(const fanout_options& opts, const fanout_result& result);
/// One line, no trailing newline.
std::string fanout_json(const fanout_options& opts, const fanout_result& result);

} // namespace atrium::bench
