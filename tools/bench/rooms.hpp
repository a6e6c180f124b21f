// The rooms workload: clients in several random rooms each, publishers emitting to unions of
// random rooms, every delivery judged against the membership (exactly once, and only to the
// members of the union).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tools/bench/cost_window.hpp"
#include "tools/bench/options.hpp"

namespace atrium::bench {

struct rooms_result {
  /// Empty when every client joined and every publisher's warm-up message arrived; otherwise
  /// why not, and nothing below is meaningful.
  std::string setup_error;

  double seconds = 0;                // the measured window, as it really lasted
  std::uint64_t sent = 0;            // messages emitted in the window
  std::uint64_t expected = 0;        // deliveries those messages owe: their unions' sizes
  std::uint64_t deliveries = 0;      // first deliveries received inside the window
  std::uint64_t drained = 0;         // first deliveries of those messages received after it
  std::uint64_t lost = 0;            // expected, never arrived within the drain wait
  std::uint64_t duplicates = 0;      // a recipient got a message again
  std::uint64_t unexpected = 0;      // a client got a message addressed to none of its rooms
  std::vector<process_cost> servers;
  process_cost bench;
  std::vector<std::string> errors;

  bool passed() const {
    return lost == 0 && duplicates == 0 && unexpected == 0 && errors.empty();
  }
};

/// Runs the whole workload on the calling thread. Network trouble becomes setup_error or an
/// entry in errors.
std::unique_ptr<rooms_result> run_rooms(const rooms_options& opts);

void print_rooms_block(const rooms_options& opts, const rooms_result& result);
/// One line, no trailing newline.
std::string rooms_json(const rooms_options& opts, const rooms_result& result);

} // namespace atrium::bench
