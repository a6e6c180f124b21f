// How a run is told, the parts every workload shares: one JSON line per run for scripts (built
// key by key), and the block for people; among them, how the fields of run_result.hpp are told,
// so that they read alike in every workload.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/bench/cost_window.hpp"
#include "tools/bench/latency_histogram.hpp"
#include "tools/bench/options.hpp"
#include "tools/bench/run_result.hpp"

namespace atrium::bench {

std::string number(double v, int decimals);
std::string optional_number(const std::optional<double>& v, int decimals);
double ms(std::uint64_t ns);
/// CPU seconds per unit of work, in nanoseconds; nothing without CPU or work.
std::optional<double> ns_per(const std::optional<double>& cpu_s, std::uint64_t units);
/// units per second of the window (0 for an empty window).
double per_second(std::uint64_t units, double seconds);

/// One JSON object, its keys in the order they are added. Keys are an interface: scripts read
/// them.
class json_object {
public:
  json_object& raw(const char* key, std::string_view json);
  json_object& text(const char* key, std::string_view value);
  json_object& integer(const char* key, std::uint64_t value);
  json_object& number(const char* key, double value, int decimals);
  json_object& number(const char* key, const std::optional<double>& value, int decimals);
  /// The object, closed. No trailing newline.
  std::string str() const { return body_ + "}"; }

private:
  void key(const char* name);
  std::string body_ = "{";
};

std::string json_strings(const std::vector<std::string>& items);
/// {"p50":..,"p90":..,"p99":..,"max":..,"samples":..}, in milliseconds.
std::string json_latency(const latency_histogram& h);
/// The servers' costs: [{"pid","cpu_s","cpu_ns_per_<unit>","rss_kb"}].
std::string json_servers(const std::vector<process_cost>& servers, std::uint64_t units,
                         const char* unit);
/// The --url texts, as a JSON array.
std::string json_urls(const common_options& opts);
/// The keys every workload starts with: workload, label, urls.
json_object json_head(const char* workload, const common_options& opts);
/// Closes a line whose run could not start: its last key is setup_error.
std::string json_setup_error(json_object& j, const run_result& r);
/// deliveries, deliveries_per_s, drained, lost, duplicates, out_of_order.
json_object& json_deliveries(json_object& j, const delivery_result& r);
/// Closes a windowed line: servers, server_cpu_s, server_cpu_ns_per_UNIT, bench_cpu_s,
/// bench_cpu_ns_per_UNIT, then errors.
std::string json_window_end(json_object& j, const window_result& r, std::uint64_t units,
                            const char* unit);
/// Closes a line with its errors.
std::string json_end(json_object& j, const run_result& r);

/// "atrium-bench WORKLOAD  LABEL" and the servers line.
void print_head(const char* workload, const common_options& opts);
/// p50 p90 p99 max in milliseconds, and the sample count.
void print_latency(const char* name, const latency_histogram& h);
/// One line per server, their total when several, and the bench: CPU over the window, share
/// of a core, CPU per unit of work, RSS.
void print_costs(const std::vector<process_cost>& servers, const process_cost& bench,
                 double seconds, std::uint64_t units, const char* unit);
void print_errors(const std::vector<std::string>& errors);
/// The SETUP FAILED line, if the run could not start: then it ends the block. True if so.
bool print_setup_error(const run_result& r);
/// The deliveries in the window, per second, and the messages per second.
void print_deliveries(const delivery_result& r);
/// A count and what it counts, as "after the window  12 drained, 0 lost" tells it.
struct named_count {
  std::uint64_t count;
  const char* name;
};
/// What the window's work came to after it: "after the window  N name, N name, ...".
void print_after_window(std::initializer_list<named_count> counts);
/// How a windowed block ends: the costs over the window per unit of work, then the errors.
void print_window_end(const window_result& r, std::uint64_t units, const char* unit);

/// Appends the line to the --json file, or prints it on stdout as `json: LINE`.
void write_json_line(const std::string& json_file, const std::string& line);

} // namespace atrium::bench
