// How a run is told: a block for people on stdout, one JSON line per run for scripts.
#pragma once

#include <string>

#include "tools/bench/fanout.hpp"
#include "tools/bench/options.hpp"

namespace atrium::bench {

void print_fanout_block(const fanout_options& opts, const fanout_result& result);

/// One line, no trailing newline. Keys are an interface: scripts read them.
std::string fanout_json(const fanout_options& opts, const fanout_result& result);

} // namespace atrium::bench
