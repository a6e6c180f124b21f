// How a soak run is told: the curve line by line while it runs, then the block and the JSON line.
#include <cstdio>

#include "tools/bench/report.hpp"
#include "tools/bench/rss_curve.hpp"
#include "tools/bench/soak.hpp"

namespace atrium::bench {

namespace {

unsigned long long ull(std::uint64_t v) {
  return static_cast<unsigned long long>(v);
}

// The curve of one server (its index among --server-pid).
std::vector<rss_point> rss_points(const soak_result& r, std::size_t server) {
  std::vector<rss_point> points;
  for (const auto& s : r.samples)
    points.push_back({s.t, server < s.rss_kb.size() ? s.rss_kb[server] : std::nullopt});
  return points;
}

// The samples taken under load: all but the first, which is read as the load starts (the
// clients connected and in their rooms, nothing broadcast yet), unless it is the only one.
std::vector<rss_point> under_load(std::vector<rss_point> points) {
  if (points.size() > 1)
    points.erase(points.begin());
  return points;
}

void print_curve(int pid, const std::optional<long>& before_kb, const rss_curve& c) {
  std::printf("  server %-9d rss %s kB as the load started; under load (%zu samples): start %ld "
              "kB (t=%.0f s), min %ld, max %ld, end %ld kB (t=%.0f s)\n",
              pid, before_kb ? std::to_string(*before_kb).c_str() : "?", c.points, c.start_kb,
              c.start_t, c.min_kb, c.max_kb, c.end_kb, c.end_t);
  std::printf("  %-17sfirst quarter %.0f kB, last quarter %.0f kB: growth %+.0f kB (%+.1f %%)",
              "", c.first_quarter_kb, c.last_quarter_kb, c.growth_kb(), c.growth_percent());
  if (auto rate = c.growth_kb_per_hour())
    std::printf(", %+.0f kB/h", *rate);
  std::printf("\n");
}

std::string json_curve(int pid, const std::optional<long>& before_kb,
                       const std::optional<rss_curve>& c) {
  json_object j;
  j.integer("pid", static_cast<std::uint64_t>(pid))
    .raw("rss_load_start_kb", before_kb ? std::to_string(*before_kb) : "null");
  if (!c)
    return j.raw("curve", "null").str();
  return j.integer("samples", c->points)
    .integer("start_kb", static_cast<std::uint64_t>(c->start_kb))
    .integer("min_kb", static_cast<std::uint64_t>(c->min_kb))
    .integer("max_kb", static_cast<std::uint64_t>(c->max_kb))
    .integer("end_kb", static_cast<std::uint64_t>(c->end_kb))
    .number("first_quarter_kb", c->first_quarter_kb, 0)
    .number("last_quarter_kb", c->last_quarter_kb, 0)
    .number("growth_kb", c->growth_kb(), 0)
    .number("growth_percent", c->growth_percent(), 2)
    .number("growth_kb_per_hour", c->growth_kb_per_hour(), 0)
    .str();
}

std::string json_optional_numbers(const std::vector<std::optional<double>>& values, int decimals) {
  std::string j = "[";
  for (std::size_t i = 0; i < values.size(); ++i)
    j += (i ? "," : "") + optional_number(values[i], decimals);
  return j + "]";
}

std::string json_sample(const soak_sample& s) {
  std::vector<std::optional<double>> rss;
  for (const auto& kb : s.rss_kb)
    rss.push_back(kb ? std::optional<double>(static_cast<double>(*kb)) : std::nullopt);
  return json_object{}
    .number("t", s.t, 1)
    .raw("rss_kb", json_optional_numbers(rss, 0))
    .raw("cpu_percent", json_optional_numbers(s.cpu_percent, 1))
    .integer("connections", s.connections)
    .integer("connects", s.connects)
    .integer("disconnects", s.disconnects)
    .integer("joins", s.joins)
    .integer("leaves", s.leaves)
    .integer("broadcasts", s.broadcasts)
    .integer("deliveries", s.deliveries)
    .str();
}

std::optional<long> first_rss(const soak_result& r, std::size_t server) {
  if (r.samples.empty() || server >= r.samples.front().rss_kb.size())
    return std::nullopt;
  return r.samples.front().rss_kb[server];
}

} // namespace

void print_soak_sample_header(const soak_options& opts) {
  std::printf("atrium-bench soak%s%s: the load has started, a sample every %g s\n",
              opts.label.empty() ? "" : "  ", opts.label.c_str(), opts.sample_every);
  std::printf("  %8s", "t_s");
  for (int pid : opts.server_pids)
    std::printf("  %10s  %5s", ("rss_kB:" + std::to_string(pid)).c_str(), "cpu_%");
  std::printf("  %5s  %8s  %11s  %8s  %8s  %10s  %10s\n", "conns", "connects", "disconnects",
              "joins", "leaves", "broadcasts", "deliveries");
  std::fflush(stdout);
}

void print_soak_sample(const soak_sample& s) {
  std::printf("  %8.1f", s.t);
  for (std::size_t i = 0; i < s.rss_kb.size(); ++i) {
    if (s.rss_kb[i])
      std::printf("  %10ld", *s.rss_kb[i]);
    else
      std::printf("  %10s", "?");
    if (s.cpu_percent[i])
      std::printf("  %5.1f", *s.cpu_percent[i]);
    else
      std::printf("  %5s", "-");
  }
  std::printf("  %5u  %8llu  %11llu  %8llu  %8llu  %10llu  %10llu\n", s.connections,
              ull(s.connects), ull(s.disconnects), ull(s.joins), ull(s.leaves), ull(s.broadcasts),
              ull(s.deliveries));
  // Someone may be watching a half-hour run, or tee-ing it to a file.
  std::fflush(stdout);
}

void print_soak_block(const soak_options& opts, const soak_result& r) {
  print_head("soak", opts);
  std::printf("  clients           %u, each in %u of %u rooms; %u publishers, each broadcast to "
              "%u rooms\n",
              opts.clients, opts.per_client, opts.rooms, opts.publishers, opts.union_size);
  std::printf("  rates /s          %g churns, %g moves, %g broadcasts; payload %u B, seed %llu\n",
              opts.churn_rate, opts.move_rate, opts.broadcast_rate, opts.payload, ull(opts.seed));
  if (print_setup_error(r))
    return;
  std::printf("  load              %.1f s: %llu connects, %llu disconnects (%llu clean), "
              "%llu joins, %llu leaves, %llu broadcasts\n",
              r.seconds, ull(r.connects), ull(r.disconnects), ull(r.clean_disconnects),
              ull(r.joins), ull(r.leaves), ull(r.sent));
  if (r.churns_skipped || r.moves_skipped || r.dropped)
    std::printf("  not as asked      %llu churns and %llu moves skipped (no steady client), "
                "%llu sessions lost and replaced\n",
                ull(r.churns_skipped), ull(r.moves_skipped), ull(r.dropped));
  print_deliveries(r);
  std::printf("  judged            %llu owed deliveries; %llu more allowed to clients whose "
              "rooms were changing, %llu of them made\n",
              ull(r.expected), ull(r.may), ull(r.may_delivered));
  print_after_window({{r.drained, "drained"},
                      {r.lost, "lost"},
                      {r.duplicates, "duplicates"},
                      {r.out_of_order, "out of order"},
                      {r.strays, "strays"},
                      {r.acks_refused, "acks refused"},
                      {r.acks_missing, "acks missing"}});
  for (std::size_t i = 0; i < opts.server_pids.size(); ++i) {
    if (auto c = summarize_rss(under_load(rss_points(r, i))))
      print_curve(opts.server_pids[i], first_rss(r, i), *c);
    else
      std::printf("  server %-9d rss unreadable\n", opts.server_pids[i]);
  }
  print_window_end(r, r.deliveries, "delivery");
  std::printf("  verdict           %s (on losses, duplicates, order, strays and acks; RSS is "
              "told, not judged)\n",
              r.passed() ? "passed" : "FAILED");
}

std::string soak_json(const soak_options& opts, const soak_result& r) {
  auto j = json_head("soak", opts);
  j.integer("clients", opts.clients)
    .integer("rooms", opts.rooms)
    .integer("per_client", opts.per_client)
    .integer("union", opts.union_size)
    .integer("publishers", opts.publishers)
    .number("churn_per_s", opts.churn_rate, 3)
    .number("moves_per_s", opts.move_rate, 3)
    .number("broadcasts_per_s", opts.broadcast_rate, 3)
    .integer("payload", opts.payload)
    .integer("seed", opts.seed)
    .number("sample_every", opts.sample_every, 3);
  if (!r.setup_error.empty())
    return json_setup_error(j, r);
  std::string curves = "[";
  for (std::size_t i = 0; i < opts.server_pids.size(); ++i)
    curves += (i ? "," : "")
              + json_curve(opts.server_pids[i], first_rss(r, i),
                           summarize_rss(under_load(rss_points(r, i))));
  curves += "]";
  std::string samples = "[";
  for (std::size_t i = 0; i < r.samples.size(); ++i)
    samples += (i ? "," : "") + json_sample(r.samples[i]);
  samples += "]";
  j.number("seconds", r.seconds, 3)
    .integer("connects", r.connects)
    .integer("disconnects", r.disconnects)
    .integer("clean_disconnects", r.clean_disconnects)
    .integer("dropped", r.dropped)
    .integer("joins", r.joins)
    .integer("leaves", r.leaves)
    .integer("churns_skipped", r.churns_skipped)
    .integer("moves_skipped", r.moves_skipped)
    .integer("sent", r.sent)
    .integer("expected", r.expected)
    .integer("may", r.may)
    .integer("may_delivered", r.may_delivered);
  json_deliveries(j, r)
    .integer("strays", r.strays)
    .integer("acks_refused", r.acks_refused)
    .integer("acks_missing", r.acks_missing)
    .raw("rss_curves", curves)
    .raw("samples", samples);
  return json_window_end(j, r, r.deliveries, "delivery");
}

} // namespace atrium::bench
