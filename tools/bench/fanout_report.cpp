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
  if (print_setup_error(r))
    return;
  std::printf("  window            %.3f s, %llu messages sent\n", r.seconds,
              static_cast<unsigned long long>(r.sent));
  print_deliveries(r);
  print_after_window({{r.drained, "drained"},
                      {r.lost, "lost"},
                      {r.duplicates, "duplicates"},
                      {r.out_of_order, "out of order"}});
  if (opts.rate_mode())
    print_latency("latency ms", r.latency);
  print_window_end(r, r.deliveries, "delivery");
}

std::string fanout_json(const fanout_options& opts, const fanout_result& r) {
  // The keys of the first version keep their order (tools/compare reads them); out_of_order,
  // added since, comes after duplicates as in the other workloads.
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
    return json_setup_error(j, r);
  j.number("seconds", r.seconds, 3).integer("sent", r.sent);
  json_deliveries(j, r).raw("latency_ms", opts.rate_mode() ? json_latency(r.latency) : "null");
  return json_window_end(j, r, r.deliveries, "delivery");
}

} // namespace atrium::bench
