#include "tools/bench/report.hpp"

#include <cstdio>
#include <optional>

#include "tools/bench/json.hpp"

namespace atrium::bench {

namespace {

std::string number(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

std::string optional_number(const std::optional<double>& v, int decimals) {
  return v ? number(*v, decimals) : "null";
}

std::optional<double> ns_per_delivery(const std::optional<double>& cpu_s,
                                      std::uint64_t deliveries) {
  if (!cpu_s || deliveries == 0)
    return std::nullopt;
  return *cpu_s * 1e9 / static_cast<double>(deliveries);
}

std::optional<double> total_server_cpu(const fanout_result& r) {
  if (r.servers.empty())
    return std::nullopt;
  double sum = 0;
  for (const auto& s : r.servers) {
    if (!s.cpu_s)
      return std::nullopt;
    sum += *s.cpu_s;
  }
  return sum;
}

double ms(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

std::string mode_name(const fanout_options& opts) {
  return opts.rate_mode() ? "rate" : "saturation";
}

void print_cost(const char* name, const process_cost& cost, double seconds,
                std::uint64_t deliveries) {
  std::printf("  %-16s", name);
  if (!cost.cpu_s) {
    std::printf(" cpu unknown (process gone?)\n");
    return;
  }
  std::printf(" cpu %7.3f s  %6.1f %% of a core", *cost.cpu_s,
              seconds > 0 ? *cost.cpu_s / seconds * 100 : 0.0);
  if (auto ns = ns_per_delivery(cost.cpu_s, deliveries))
    std::printf("  %9.1f ns/delivery", *ns);
  if (cost.rss_kb)
    std::printf("  rss %ld kB", *cost.rss_kb);
  std::printf("\n");
}

} // namespace

void print_fanout_block(const fanout_options& opts, const fanout_result& r) {
  std::printf("atrium-bench fanout%s%s\n", opts.label.empty() ? "" : "  ", opts.label.c_str());
  std::printf("  servers          ");
  for (const auto& url : opts.urls)
    std::printf(" %s", url.text.c_str());
  std::printf("\n");
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
  double rate = r.seconds > 0 ? static_cast<double>(r.deliveries) / r.seconds : 0;
  std::printf("  window            %.3f s, %llu messages sent\n", r.seconds,
              static_cast<unsigned long long>(r.sent));
  std::printf("  deliveries        %llu in the window = %.0f /s (%.1f msg/s)\n",
              static_cast<unsigned long long>(r.deliveries), rate,
              r.seconds > 0 ? static_cast<double>(r.sent) / r.seconds : 0.0);
  std::printf("  after the window  %llu drained, %llu lost, %llu duplicates\n",
              static_cast<unsigned long long>(r.drained),
              static_cast<unsigned long long>(r.lost),
              static_cast<unsigned long long>(r.duplicates));
  if (opts.rate_mode()) {
    const auto& h = r.latency;
    std::printf("  latency ms        p50 %.3f  p90 %.3f  p99 %.3f  max %.3f  (%llu samples)\n",
                ms(h.percentile(0.50)), ms(h.percentile(0.90)), ms(h.percentile(0.99)),
                ms(h.max()), static_cast<unsigned long long>(h.count()));
  }
  for (const auto& s : r.servers) {
    auto name = "server " + std::to_string(s.pid);
    print_cost(name.c_str(), s, r.seconds, r.deliveries);
  }
  if (r.servers.size() > 1)
    print_cost("servers total", process_cost{0, total_server_cpu(r), std::nullopt}, r.seconds,
               r.deliveries);
  print_cost("bench", r.bench, r.seconds, r.deliveries);
  for (const auto& e : r.errors)
    std::printf("  error             %s\n", e.c_str());
}

std::string fanout_json(const fanout_options& opts, const fanout_result& r) {
  std::string j = "{";
  auto key = [&j](const char* name) {
    if (j.size() > 1)
      j += ',';
    j += '"';
    j += name;
    j += "\":";
  };
  auto integer = [](std::uint64_t v) { return std::to_string(v); };

  key("workload"), j += "\"fanout\"";
  key("label"), j += json_quote(opts.label);
  key("mode"), j += json_quote(mode_name(opts));
  key("urls");
  j += '[';
  for (std::size_t i = 0; i < opts.urls.size(); ++i)
    j += (i ? "," : "") + json_quote(opts.urls[i].text);
  j += ']';
  if (opts.rate_mode())
    key("rate"), j += number(opts.rate, 3);
  else
    key("window"), j += integer(opts.window);
  key("receivers"), j += integer(opts.receivers);
  key("payload"), j += integer(opts.payload);
  if (!r.setup_error.empty()) {
    key("setup_error"), j += json_quote(r.setup_error);
    return j + "}";
  }
  key("seconds"), j += number(r.seconds, 3);
  key("sent"), j += integer(r.sent);
  key("deliveries"), j += integer(r.deliveries);
  key("deliveries_per_s"),
    j += number(r.seconds > 0 ? static_cast<double>(r.deliveries) / r.seconds : 0, 1);
  key("drained"), j += integer(r.drained);
  key("lost"), j += integer(r.lost);
  key("duplicates"), j += integer(r.duplicates);
  key("latency_ms");
  if (opts.rate_mode()) {
    const auto& h = r.latency;
    j += "{\"p50\":" + number(ms(h.percentile(0.50)), 3) + ",\"p90\":"
         + number(ms(h.percentile(0.90)), 3) + ",\"p99\":" + number(ms(h.percentile(0.99)), 3)
         + ",\"max\":" + number(ms(h.max()), 3) + ",\"samples\":" + integer(h.count()) + "}";
  } else {
    j += "null";
  }
  key("servers");
  j += '[';
  for (std::size_t i = 0; i < r.servers.size(); ++i) {
    const auto& s = r.servers[i];
    if (i)
      j += ',';
    j += "{\"pid\":" + std::to_string(s.pid) + ",\"cpu_s\":" + optional_number(s.cpu_s, 3)
         + ",\"cpu_ns_per_delivery\":"
         + optional_number(ns_per_delivery(s.cpu_s, r.deliveries), 1) + ",\"rss_kb\":"
         + (s.rss_kb ? std::to_string(*s.rss_kb) : "null") + "}";
  }
  j += ']';
  auto server_cpu = total_server_cpu(r);
  key("server_cpu_s"), j += optional_number(server_cpu, 3);
  key("server_cpu_ns_per_delivery"),
    j += optional_number(ns_per_delivery(server_cpu, r.deliveries), 1);
  key("bench_cpu_s"), j += optional_number(r.bench.cpu_s, 3);
  key("bench_cpu_ns_per_delivery"),
    j += optional_number(ns_per_delivery(r.bench.cpu_s, r.deliveries), 1);
  key("errors");
  j += '[';
  for (std::size_t i = 0; i < r.errors.size(); ++i)
    j += (i ? "," : "") + json_quote(r.errors[i]);
  j += ']';
  return j + "}";
}

} // namespace atrium::bench
