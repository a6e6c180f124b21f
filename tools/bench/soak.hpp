// The soak workload: a mixed load held steady for a long time (clients disconnecting and coming
// back in new sessions, moving between rooms, publishers broadcasting to rooms, acked), with the
// servers' RSS sampled at intervals. A server that leaks shows a curve that keeps climbing; one
// that does not, a curve that flattens once its working set is reached. Every delivery is still
// judged (soak_ledger.hpp, and its publisher's order: publisher_order.hpp), so the load is known
// to be the one asked for.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/bench/options.hpp"
#include "tools/bench/run_result.hpp"

namespace atrium::bench {

/// One line of the curve. Counts are since the load started.
struct soak_sample {
  double t = 0;                                   // seconds since the load started
  std::vector<std::optional<long>> rss_kb;        // per --server-pid
  std::vector<std::optional<double>> cpu_percent; // per server, of one core, since the last one
  std::uint32_t connections = 0;                  // sessions the bench holds open
  std::uint64_t connects = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t joins = 0;                        // rooms joined (acked)
  std::uint64_t leaves = 0;                       // rooms left (acked)
  std::uint64_t broadcasts = 0;
  std::uint64_t deliveries = 0;
};

/// setup_error: empty when every client joined its rooms and every publisher connected.
/// The window is the load; sent: broadcasts; deliveries: first deliveries to anyone, owed or
/// not; lost: owed deliveries never made.
struct soak_result : delivery_result {
  std::vector<soak_sample> samples;  // the first as the load starts, the last as it ends
  std::uint64_t connects = 0;        // new sessions opened by churn (and after a drop)
  std::uint64_t disconnects = 0;     // sessions closed by churn
  std::uint64_t clean_disconnects = 0;  // ... of which with a Socket.IO DISCONNECT first
  std::uint64_t dropped = 0;         // sessions the bench did not close, then replaced
  std::uint64_t joins = 0;
  std::uint64_t leaves = 0;
  std::uint64_t churns_skipped = 0;  // due, but no steady client found or too many connecting
  std::uint64_t moves_skipped = 0;
  std::uint64_t expected = 0;        // owed deliveries (message, member for its whole flight)
  std::uint64_t may = 0;             // deliveries allowed but not owed (membership changing)
  std::uint64_t may_delivered = 0;
  std::uint64_t strays = 0;          // to a client in none of the rooms while it was in flight
  std::uint64_t acks_refused = 0;    // emits, joins and leaves not answered {"ok":true}
  std::uint64_t acks_missing = 0;    // ... never answered

  bool passed() const {
    return lost == 0 && duplicates == 0 && out_of_order == 0 && strays == 0 && acks_refused == 0
           && acks_missing == 0 && errors.empty();
  }
};

/// Runs the whole workload on the calling thread, printing a sample line as each is taken.
/// Network trouble becomes setup_error or an entry in errors.
std::unique_ptr<soak_result> run_soak(const soak_options& opts);

/// The live curve: a header once, then one line per sample.
void print_soak_sample_header(const soak_options& opts);
void print_soak_sample(const soak_sample& sample);

void print_soak_block(const soak_options& opts, const soak_result& result);
/// One line, no trailing newline.
std::string soak_json(const soak_options& opts, const soak_result& result);

} // namespace atrium::bench
