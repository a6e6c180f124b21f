// The churn workload: every client joins and leaves random rooms in a loop, one acked request
// at a time, so the server's membership changes as fast as it can answer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tools/bench/latency_histogram.hpp"
#include "tools/bench/options.hpp"
#include "tools/bench/run_result.hpp"

namespace atrium::bench {

/// setup_error: empty when every client connected. drained: acks of requests sent in the
/// window, received after it.
struct churn_result : window_result {
  std::uint64_t operations = 0;      // join+leave pairs whose leave was acked in the window
  std::uint64_t acks = 0;            // acks received in the window (joins and leaves)
  latency_histogram latency;         // request to ack, every ack
  std::uint64_t missing = 0;         // requests never acked within the drain wait
  std::uint64_t refused = 0;         // acks that were not {"ok":true}
  std::uint64_t unexpected = 0;      // acks with an id no request was waiting for

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
