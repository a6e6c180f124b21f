// How a fanout run is told.
#include <cstdio>

#include "tools/bench/fanout.hpp"
#include "tools/bench/report.hpp"

namespace atrium::bench {

void print_fanout_block(const fanout_options& opts, const fanout_result& r) {
  print_head("fanout", opts);
  if (opts.rate_mode())
    std::printf("  mode              rate %g msg/s\n", opts.rate);
  else
    std::printf("  mode              saturation, window %u\n", opts.window);
  std::printf("  receivers         %u in room '%s', payload %u B\n", opts.receivers,
              opts.room.c_str(), opts.payload);
  if (!r.setup_error.empty()) {
    std::printf("  SETUP FAILED      %s\n", r.setup_error.c_str());
    return;
  }
  std::printf("  window            %.3f s, %llu messages sent\n", r.seconds,
              static_cast<unsigned long long>(r.sent));
  std::printf("  deliveries        %llu in the window = %.0f /s (%.1f msg/s)\n",
              static_cast<unsigned long long>(r.deliveries), per_second(r.deliveries, r.seconds),
              per_second(r.sent, r.seconds));
  std::printf("  after the window  %llu drained, %llu lost, %llu duplicates\n",
              static_cast<unsigned long long>(r.drained),
              static_cast<unsigned long long>(r.lost),
              static_cast<unsigned long long>(r.duplicates));
  if (opts.rate_mode())
    print_latency("latency ms", r.latency);
  print_costs(r.servers, r.bench, r.seconds, r.deliveries, "delivery");
  print_errors(r.errors);
}

std::string fanout_json(const fanout_options& opts, const fanout_result& r) {
  // The keys and their order are those of the first version, which tools/compare reads.
  json_object j;
  j.text("workload", "fanout")
    .text("label", opts.label)
    .text("mode", opts.rate_mode() ? "rate" : "saturation")
    .raw("urls", json_urls(opts));
  if (opts.rate_mode())
    j.number("rate", opts.rate, 3);
  else
    j.integer("window", opts.window);
  j.integer("receivers", opts.receivers).integer("payload", opts.payload);
  if (!r.setup_error.empty())
    return j.text("setup_error", r.setup_error).str();
  auto server_cpu = total_cpu(r.servers);
  return j.number("seconds", r.seconds, 3)
    .integer("sent", r.sent)
    .integer("deliveries", r.deliveries)
    .number("deliveries_per_s", per_second(r.deliveries, r.seconds), 1)
    .integer("drained", r.drained)
    .integer("lost", r.lost)
    .integer("duplicates", r.duplicates)
    .raw("latency_ms", opts.rate_mode() ? json_latency(r.latency) : "null")
    .raw("servers", json_servers(r.servers, r.deliveries, "delivery"))
    .number("server_cpu_s", server_cpu, 3)
    .number("server_cpu_ns_per_delivery", ns_per(server_cpu, r.deliveries), 1)
    .number("bench_cpu_s", r.bench.cpu_s, 3)
    .number("bench_cpu_ns_per_delivery", ns_per(r.bench.cpu_s, r.deliveries), 1)
    .raw("errors", json_strings(r.errors))
    .str();
}

} // namespace atrium::bench
