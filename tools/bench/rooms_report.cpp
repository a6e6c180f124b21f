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
  if (print_setup_error(r))
    return;
  std::printf("  window            %.3f s, %llu messages sent, %.1f recipients each\n", r.seconds,
              static_cast<unsigned long long>(r.sent),
              r.sent ? static_cast<double>(r.expected) / static_cast<double>(r.sent) : 0.0);
  print_deliveries(r);
  print_after_window({{r.drained, "drained"},
                      {r.lost, "lost"},
                      {r.duplicates, "duplicates"},
                      {r.unexpected, "unexpected"},
                      {r.out_of_order, "out of order"}});
  print_window_end(r, r.deliveries, "delivery");
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
    return json_setup_error(j, r);
  j.number("seconds", r.seconds, 3).integer("sent", r.sent).integer("expected", r.expected);
  json_deliveries(j, r).integer("unexpected", r.unexpected);
  return json_window_end(j, r, r.deliveries, "delivery");
}

} // namespace atrium::bench
