// The fanout workload: N receivers in one room, one publisher emitting to it, every delivery
// counted and checked for loss, duplicates and order.
#pragma once

#include <memory>
#include <string>

#include "tools/bench/latency_histogram.hpp"
#include "tools/bench/options.hpp"
#include "tools/bench/run_result.hpp"

namespace atrium::bench {

/// setup_error: empty when every receiver joined and the warm-up reached all of them.
/// lost: sent * receivers - deliveries - drained; duplicates: a seq a receiver had already got;
/// out_of_order: a seq it had passed over, arriving after a later one.
struct fanout_result : delivery_result {
  latency_histogram latency;         // rate mode: every delivery of a message sent in the window

  bool passed() const {
    return lost == 0 && duplicates == 0 && out_of_order == 0 && errors.empty();
  }
};

/// Runs the whole workload on the calling thread. Never throws for network trouble: that
/// becomes setup_error or an entry in errors.
std::unique_ptr<fanout_result> run_fanout(const fanout_options& opts);

void print_fanout_block(const fanout_options& opts, const fanout_result& result);
/// One line, no trailing newline.
std::string fanout_json(const fanout_options& opts, const fanout_result& result);

} // namespace atrium::bench
