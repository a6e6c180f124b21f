// The churn workload: every client joins and leaves random rooms in a loop, one acked request
// at a time, so the server's membership changes as fast as it can answer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tools/bench/cost_window.hpp"
#include "tools/bench/latency_histogram.hpp"
#include "tools/bench/options.hpp"

namespace atrium::bench {

struct churn_result {
  /// Empty when every client connected; otherwise why not, and nothing below is meaningful.
  std::string setup_error;

  double seconds = 0;                // the measured window, as it really lasted
  std::uint64_t operations = 0;      // join+leave pairs whose leave was acked in the window
  std::uint64_t acks = 0;            // acks received in the window (joins and leaves)
  std::uint64_t drained = 0;         // acks of requests sent in the window, received after it
  latency_histogram latency;         // request to ack, every ack
  std::uint64_t missing = 0;         // requests never acked within the drain wait
  std::uint64_t refused = 0;         // acks that were not {"ok":true}
  std::uint64_t unexpected = 0;      // acks with an id no request was waiting for
  std::vector<process_cost> servers;
  process_cost bench;
  std::vector<std::string> errors;

  bool passed() const {
    return missing == 0 && refused == 0 && unexpected == 0 && errors.empty();
  }
};

/// Runs the whole workload on the calling thread. Network trouble becomes setup_error or an
/// entry in errors.
std::unique_ptr<churn_result> run_churn(const churn_options& opts);

void print_churn_block(const churn_options& opts, const churn_result& result);
/// One line, no trailing newline.
std::string churn_json(const churn_options& opts, const churn_result& result);

} // namespace atrium::bench
