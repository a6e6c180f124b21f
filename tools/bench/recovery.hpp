// The recovery workload: what connection state recovery costs a server. Clients in one room get
// an event (and with it an offset), then their connections are cut; a publisher sends
// --messages events to the room while they are away (the server buffers them); then every
// client reconnects at once with its session id and offset and must get its former id back and
// every missed event, in order, once. Reports the server's memory kept per gone client and per
// buffered message, its CPU per buffered message, and how long the replay to all of them took.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/bench/options.hpp"
#include "tools/bench/run_result.hpp"

namespace atrium::bench {

/// Memory is the first --server-pid's, in kB.
struct recovery_result : run_result {
  std::uint32_t clients = 0;
  std::optional<long> rss_before_kb;   // before the clients connected
  std::optional<long> rss_connected_kb;
  std::optional<long> rss_cut_kb;      // once the server had let every client go
  std::optional<long> rss_buffered_kb; // once every message was sent (and acked)
  double publish_seconds = 0;
  std::vector<process_cost> publish_servers; // CPU while the messages were buffered
  double replay_seconds = 0;                 // first reconnect to the last missed event
  std::vector<process_cost> replay_servers;
  std::uint32_t recovered = 0;  // came back with their former id
  std::uint32_t fresh = 0;      // came back as a new socket
  std::uint64_t replayed = 0;   // missed events delivered after the reconnect, in order
  std::uint64_t out_of_order = 0; // an event other than the next one owed (a gap or a repeat)
  std::uint64_t missing = 0;    // owed, never arrived within the wait

  bool passed() const {
    return recovered == clients && fresh == 0 && out_of_order == 0 && missing == 0
           && errors.empty();
  }
};

std::unique_ptr<recovery_result> run_recovery(const recovery_options& opts);

void print_recovery_block(const recovery_options& opts, const recovery_result& result);
/// One line, no trailing newline.
std::string recovery_json(const recovery_options& opts, const recovery_result& result);

} // namespace atrium::bench
