// How a churn run is told.
#include <cstdio>

#include "tools/bench/churn.hpp"
#include "tools/bench/report.hpp"

namespace atrium::bench {

void print_churn_block(const churn_options& opts, const churn_result& r) {
  print_head("churn", opts);
  std::printf("  clients           %u, joining and leaving %u rooms, seed %llu\n", opts.clients,
              opts.rooms, static_cast<unsigned long long>(opts.seed));
  if (print_setup_error(r))
    return;
  std::printf("  window            %.3f s\n", r.seconds);
  std::printf("  operations        %llu join+leave pairs = %.0f /s (%llu acks)\n",
              static_cast<unsigned long long>(r.operations), per_second(r.operations, r.seconds),
              static_cast<unsigned long long>(r.acks));
  print_latency("ack latency ms", r.latency);
  print_after_window({{r.drained, "drained"},
                      {r.missing, "missing"},
                      {r.refused, "refused"},
                      {r.unexpected, "unexpected"}});
  print_window_end(r, r.operations, "op");
}

std::string churn_json(const churn_options& opts, const churn_result& r) {
  auto j = json_head("churn", opts);
  j.integer("clients", opts.clients).integer("rooms", opts.rooms).integer("seed", opts.seed);
  if (!r.setup_error.empty())
    return json_setup_error(j, r);
  j.number("seconds", r.seconds, 3)
    .integer("ops", r.operations)
    .number("ops_per_s", per_second(r.operations, r.seconds), 1)
    .integer("acks", r.acks)
    .integer("drained", r.drained)
    .raw("latency_ms", json_latency(r.latency))
    .integer("missing", r.missing)
    .integer("refused", r.refused)
    .integer("unexpected", r.unexpected);
  return json_window_end(j, r, r.operations, "op");
}

} // namespace atrium::bench
