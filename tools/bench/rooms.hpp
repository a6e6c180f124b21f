// The rooms workload: clients in several random rooms each, publishers emitting to unions of
// random rooms, every delivery judged against the membership (exactly once, and only to the
// members of the union) and against its publisher's order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tools/bench/options.hpp"
#include "tools/bench/run_result.hpp"

namespace atrium::bench {

/// setup_error: empty when every client joined and every publisher's warm-up message arrived.
/// deliveries and drained count first deliveries only; lost: expected, never arrived.
struct rooms_result : delivery_result {
  std::uint64_t expected = 0;        // deliveries those messages owe: their unions' sizes
  std::uint64_t unexpected = 0;      // a client got a message addressed to none of its rooms

  bool passed() const {
    return lost == 0 && duplicates == 0 && unexpected == 0 && out_of_order == 0
           && errors.empty();
  }
};

/// Runs the whole workload on the calling thread. Network trouble becomes setup_error or an
/// entry in errors.
std::unique_ptr<rooms_result> run_rooms(const rooms_options& opts);

void print_rooms_block(const rooms_options& opts, const rooms_result& result);
/// One line, no trailing newline.
std::string rooms_json(const rooms_options& opts, const rooms_result& result);

} // namespace atrium::bench
