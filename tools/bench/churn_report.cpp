// How a churn run is told.
#include <cstdio>

#include "tools/bench/churn.hpp"
#include "tools/bench/report.hpp"

namespace atrium::bench {

void print_churn_block(const churn_options& opts, const churn_result& r) {
  print_head("churn", opts);
  std::printf("  clients           %u, joining and leaving %u rooms, seed %llu\n", opts.clients,
              opts.rooms, static_cast<unsigned long long>(opts.seed));
  if (!r.setup_error.empty()) {
    std::printf("  SETUP FAILED      %s\n", r.setup_error.c_str());
    return;
  }
  std::printf("  window            %.3f s\n", r.seconds);
  std::printf("  operations        %llu join+leave pairs = %.0f /s (%llu acks)\n",
              static_cast<unsigned long long>(r.operations), per_second(r.operations, r.seconds),
              static_cast<unsigned long long>(r.acks));
  print_latency("ack latency ms", r.latency);
  std::printf("  after the window  %llu drained, %llu missing, %llu refused, %llu unexpected\n",
              static_cast<unsigned long long>(r.drained),
              static_cast<unsigned long long>(r.missing),
              static_cast<unsigned long long>(r.refused),
              static_cast<unsigned long long>(r.unexpected));
  print_costs(r.servers, r.bench, r.seconds, r.operations, "op");
  print_errors(r.errors);
}

std::string churn_json(const churn_options& opts, const churn_result& r) {
  auto j = json_head("churn", opts);
  j.integer("clients", opts.clients).integer("rooms", opts.rooms).integer("seed", opts.seed);
  if (!r.setup_error.empty())
    return j.text("setup_error", r.setup_error).str();
  auto server_cpu = total_cpu(r.servers);
  return j.number("seconds", r.seconds, 3)
    .integer("ops", r.operations)
    .number("ops_per_s", per_second(r.operations, r.seconds), 1)
    .integer("acks", r.acks)
    .integer("drained", r.drained)
    .raw("latency_ms", json_latency(r.latency))
    .integer("missing", r.missing)
    .integer("refused", r.refused)
    .integer("unexpected", r.unexpected)
    .raw("servers", json_servers(r.servers, r.operations, "op"))
    .number("server_cpu_s", server_cpu, 3)
    .number("server_cpu_ns_per_op", ns_per(server_cpu, r.operations), 1)
    .number("bench_cpu_s", r.bench.cpu_s, 3)
    .number("bench_cpu_ns_per_op", ns_per(r.bench.cpu_s, r.operations), 1)
    .raw("errors", json_strings(r.errors))
    .str();
}

} // namespace atrium::bench
