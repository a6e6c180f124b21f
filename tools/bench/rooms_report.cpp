// How a rooms run is told.
#include <cstdio>

#include "tools/bench/report.hpp"
#include "tools/bench/rooms.hpp"

namespace atrium::bench {

void print_rooms_block(const rooms_options& opts, const rooms_result& r) {
  print_head("rooms", opts);
  std::printf("  clients           %u, each in %u of %u rooms; %u publishers, each message to %u "
              "rooms\n",
              opts.clients, opts.per_client, opts.rooms, opts.publishers, opts.union_size);
  std::printf("  mode              saturation, window %u, payload %u B, seed %llu\n",
              opts.window, opts.payload, static_cast<unsigned long long>(opts.seed));
  if (!r.setup_error.empty()) {
    std::printf("  SETUP FAILED      %s\n", r.setup_error.c_str());
    return;
  }
  std::printf("  window            %.3f s, %llu messages sent, %.1f recipients each\n", r.seconds,
              static_cast<unsigned long long>(r.sent),
              r.sent ? static_cast<double>(r.expected) / static_cast<double>(r.sent) : 0.0);
  std::printf("  deliveries        %llu in the window = %.0f /s (%.1f msg/s)\n",
              static_cast<unsigned long long>(r.deliveries), per_second(r.deliveries, r.seconds),
              per_second(r.sent, r.seconds));
  std::printf("  after the window  %llu drained, %llu lost, %llu duplicates, %llu unexpected\n",
              static_cast<unsigned long long>(r.drained),
              static_cast<unsigned long long>(r.lost),
              static_cast<unsigned long long>(r.duplicates),
              static_cast<unsigned long long>(r.unexpected));
  print_costs(r.servers, r.bench, r.seconds, r.deliveries, "delivery");
  print_errors(r.errors);
}

std::string rooms_json(const rooms_options& opts, const rooms_result& r) {
  auto j = json_head("rooms", opts);
  j.integer("clients", opts.clients)
    .integer("rooms", opts.rooms)
    .integer("per_client", opts.per_client)
    .integer("union", opts.union_size)
    .integer("publishers", opts.publishers)
    .integer("window", opts.window)
    .integer("payload", opts.payload)
    .integer("seed", opts.seed);
  if (!r.setup_error.empty())
    return j.text("setup_error", r.setup_error).str();
  auto server_cpu = total_cpu(r.servers);
  return j.number("seconds", r.seconds, 3)
    .integer("sent", r.sent)
    .integer("expected", r.expected)
    .integer("deliveries", r.deliveries)
    .number("deliveries_per_s", per_second(r.deliveries, r.seconds), 1)
    .integer("drained", r.drained)
    .integer("lost", r.lost)
    .integer("duplicates", r.duplicates)
    .integer("unexpected", r.unexpected)
    .raw("servers", json_servers(r.servers, r.deliveries, "delivery"))
    .number("server_cpu_s", server_cpu, 3)
    .number("server_cpu_ns_per_delivery", ns_per(server_cpu, r.deliveries), 1)
    .number("bench_cpu_s", r.bench.cpu_s, 3)
    .number("bench_cpu_ns_per_delivery", ns_per(r.bench.cpu_s, r.deliveries), 1)
    .raw("errors", json_strings(r.errors))
    .str();
}

} // namespace atrium::bench
