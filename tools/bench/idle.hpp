// The idle workload: as many Socket.IO connections as asked, opened at a bounded pace, then held
// doing nothing but answering pings: what a connection costs the server in memory, and how
// fast it accepts them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/bench/options.hpp"
#include "tools/bench/run_result.hpp"

namespace atrium::bench {

/// A server's memory over the run, in kB, and the connections it was given.
struct server_memory {
  int pid = 0;
  std::uint32_t connections = 0;
  std::optional<long> before_kb;     // before the first connect
  std::optional<long> connected_kb;  // when every connection had completed the CONNECT
  std::optional<long> held_kb;       // at the end of the hold
};

/// setup_error: empty when the run could start (addresses resolved, pids readable, enough
/// descriptors). servers and bench: CPU over the ramp, RSS when all were connected.
struct idle_result : run_result {
  std::uint32_t connections = 0;     // asked for
  std::uint32_t connected = 0;       // completed the Socket.IO CONNECT
  std::uint32_t failed = 0;          // never did
  double connect_seconds = 0;        // from the first connect to the last connection settled
  double hold_seconds = 0;
  std::uint32_t dropped = 0;         // connected, then lost
  std::uint32_t verified = 0;        // still answered a request after the hold
  std::uint32_t unresponsive = 0;    // open, but did not answer it in time
  std::uint64_t pings_answered = 0;  // Engine.IO pings over the whole run
  std::vector<process_cost> servers_hold;  // CPU over the hold
  std::vector<server_memory> memory;
  std::optional<long> bench_before_kb;

  bool passed() const {
    return connected == connections && failed == 0 && dropped == 0 && unresponsive == 0
           && verified == connections;
  }
};

/// Runs the whole workload on the calling thread. Network trouble becomes an entry in errors.
std::unique_ptr<idle_result> run_idle(const idle_options& opts);

void print_idle_block(const idle_options& opts, const idle_result& result);
/// One line, no trailing newline.
std::string idle_json(const idle_options& opts, const idle_result& result);

} // namespace atrium::bench
