#include "tools/bench/report.hpp"

#include <cstdio>

#include "tools/bench/json.hpp"

namespace atrium::bench {

std::string number(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

std::string optional_number(const std::optional<double>& v, int decimals) {
  return v ? number(*v, decimals) : "null";
}

double ms(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

std::optional<double> ns_per(const std::optional<double>& cpu_s, std::uint64_t units) {
  if (!cpu_s || units == 0)
    return std::nullopt;
  return *cpu_s * 1e9 / static_cast<double>(units);
}

double per_second(std::uint64_t units, double seconds) {
  return seconds > 0 ? static_cast<double>(units) / seconds : 0;
}

// ---- JSON ----

void json_object::key(const char* name) {
  if (body_.size() > 1)
    body_ += ',';
  body_ += '"';
  body_ += name;
  body_ += "\":";
}

json_object& json_object::raw(const char* name, std::string_view json) {
  key(name);
  body_ += json;
  return *this;
}

json_object& json_object::text(const char* name, std::string_view value) {
  return raw(name, json_quote(value));
}

json_object& json_object::integer(const char* name, std::uint64_t value) {
  return raw(name, std::to_string(value));
}

json_object& json_object::number(const char* name, double value, int decimals) {
  return raw(name, atrium::bench::number(value, decimals));
}

json_object& json_object::number(const char* name, const std::optional<double>& value,
                                 int decimals) {
  return raw(name, optional_number(value, decimals));
}

std::string json_strings(const std::vector<std::string>& items) {
  std::string j = "[";
  for (std::size_t i = 0; i < items.size(); ++i)
    j += (i ? "," : "") + json_quote(items[i]);
  return j + "]";
}

std::string json_latency(const latency_histogram& h) {
  return json_object{}
    .number("p50", ms(h.percentile(0.50)), 3)
    .number("p90", ms(h.percentile(0.90)), 3)
    .number("p99", ms(h.percentile(0.99)), 3)
    .number("max", ms(h.max()), 3)
    .integer("samples", h.count())
    .str();
}

std::string json_servers(const std::vector<process_cost>& servers, std::uint64_t units,
                         const char* unit) {
  auto per_unit_key = std::string{"cpu_ns_per_"} + unit;
  std::string j = "[";
  for (std::size_t i = 0; i < servers.size(); ++i) {
    const auto& s = servers[i];
    j += (i ? "," : "");
    j += json_object{}
           .integer("pid", static_cast<std::uint64_t>(s.pid))
           .number("cpu_s", s.cpu_s, 3)
           .number(per_unit_key.c_str(), ns_per(s.cpu_s, units), 1)
           .raw("rss_kb", s.rss_kb ? std::to_string(*s.rss_kb) : "null")
           .str();
  }
  return j + "]";
}

std::string json_urls(const common_options& opts) {
  std::vector<std::string> urls;
  for (const auto& url : opts.urls)
    urls.push_back(url.text);
  return json_strings(urls);
}

json_object json_head(const char* workload, const common_options& opts) {
  json_object j;
  j.text("workload", workload).text("label", opts.label).raw("urls", json_urls(opts));
  return j;
}

std::string json_setup_error(json_object& j, const run_result& r) {
  return j.text("setup_error", r.setup_error).str();
}

json_object& json_deliveries(json_object& j, const delivery_result& r) {
  return j.integer("deliveries", r.deliveries)
    .number("deliveries_per_s", per_second(r.deliveries, r.seconds), 1)
    .integer("drained", r.drained)
    .integer("lost", r.lost)
    .integer("duplicates", r.duplicates)
    .integer("out_of_order", r.out_of_order);
}

std::string json_window_end(json_object& j, const window_result& r, std::uint64_t units,
                            const char* unit) {
  auto server_cpu = total_cpu(r.servers);
  auto server_per_unit = std::string{"server_cpu_ns_per_"} + unit;
  auto bench_per_unit = std::string{"bench_cpu_ns_per_"} + unit;
  j.raw("servers", json_servers(r.servers, units, unit))
    .number("server_cpu_s", server_cpu, 3)
    .number(server_per_unit.c_str(), ns_per(server_cpu, units), 1)
    .number("bench_cpu_s", r.bench.cpu_s, 3)
    .number(bench_per_unit.c_str(), ns_per(r.bench.cpu_s, units), 1);
  return json_end(j, r);
}

std::string json_end(json_object& j, const run_result& r) {
  return j.raw("errors", json_strings(r.errors)).str();
}

// ---- the block ----

void print_head(const char* workload, const common_options& opts) {
  std::printf("atrium-bench %s%s%s\n", workload, opts.label.empty() ? "" : "  ",
              opts.label.c_str());
  std::printf("  servers          ");
  for (const auto& url : opts.urls)
    std::printf(" %s", url.text.c_str());
  std::printf("\n");
}

void print_latency(const char* name, const latency_histogram& h) {
  std::printf("  %-18sp50 %.3f  p90 %.3f  p99 %.3f  max %.3f  (%llu samples)\n", name,
              ms(h.percentile(0.50)), ms(h.percentile(0.90)), ms(h.percentile(0.99)),
              ms(h.max()), static_cast<unsigned long long>(h.count()));
}

namespace {

void print_cost(const char* name, const process_cost& cost, double seconds, std::uint64_t units,
                const char* unit) {
  std::printf("  %-16s", name);
  if (!cost.cpu_s) {
    std::printf(" cpu unknown (process gone?)\n");
    return;
  }
  std::printf(" cpu %7.3f s  %6.1f %% of a core", *cost.cpu_s,
              seconds > 0 ? *cost.cpu_s / seconds * 100 : 0.0);
  if (auto ns = ns_per(cost.cpu_s, units))
    std::printf("  %9.1f ns/%s", *ns, unit);
  if (cost.rss_kb)
    std::printf("  rss %ld kB", *cost.rss_kb);
  std::printf("\n");
}

} // namespace

void print_costs(const std::vector<process_cost>& servers, const process_cost& bench,
                 double seconds, std::uint64_t units, const char* unit) {
  for (const auto& s : servers) {
    auto name = "server " + std::to_string(s.pid);
    print_cost(name.c_str(), s, seconds, units, unit);
  }
  if (servers.size() > 1)
    print_cost("servers total", process_cost{0, total_cpu(servers), std::nullopt}, seconds, units,
               unit);
  print_cost("bench", bench, seconds, units, unit);
}

void print_errors(const std::vector<std::string>& errors) {
  for (const auto& e : errors)
    std::printf("  error             %s\n", e.c_str());
}

bool print_setup_error(const run_result& r) {
  if (r.setup_error.empty())
    return false;
  std::printf("  SETUP FAILED      %s\n", r.setup_error.c_str());
  return true;
}

void print_deliveries(const delivery_result& r) {
  std::printf("  deliveries        %llu in the window = %.0f /s (%.1f msg/s)\n",
              static_cast<unsigned long long>(r.deliveries), per_second(r.deliveries, r.seconds),
              per_second(r.sent, r.seconds));
}

void print_after_window(std::initializer_list<named_count> counts) {
  std::printf("  after the window ");
  const char* separator = " ";
  for (const auto& c : counts) {
    std::printf("%s%llu %s", separator, static_cast<unsigned long long>(c.count), c.name);
    separator = ", ";
  }
  std::printf("\n");
}

void print_window_end(const window_result& r, std::uint64_t units, const char* unit) {
  print_costs(r.servers, r.bench, r.seconds, units, unit);
  print_errors(r.errors);
}

void write_json_line(const std::string& json_file, const std::string& line) {
  if (json_file.empty()) {
    std::printf("json: %s\n", line.c_str());
  } else if (auto* file = std::fopen(json_file.c_str(), "a")) {
    std::fprintf(file, "%s\n", line.c_str());
    std::fclose(file);
  } else {
    std::perror(("atrium-bench: cannot append to " + json_file).c_str());
    std::printf("json: %s\n", line.c_str());
  }
  std::fflush(stdout);
}

} // namespace atrium::bench
