// How an idle run is told.
#include <cstdio>

#include "tools/bench/idle.hpp"
#include "tools/bench/json.hpp"
#include "tools/bench/report.hpp"

namespace atrium::bench {

namespace {

std::optional<double> bytes_per_connection(const std::optional<long>& before_kb,
                                           const std::optional<long>& after_kb,
                                           std::uint32_t connections) {
  if (!before_kb || !after_kb || connections == 0)
    return std::nullopt;
  return static_cast<double>(*after_kb - *before_kb) * 1024.0 / connections;
}

// Every server's growth from before the first connect to all connected, over all connections.
std::optional<double> servers_bytes_per_connection(const idle_result& r) {
  if (r.memory.empty() || r.connected == 0)
    return std::nullopt;
  long growth_kb = 0;
  for (const auto& m : r.memory) {
    if (!m.before_kb || !m.connected_kb)
      return std::nullopt;
    growth_kb += *m.connected_kb - *m.before_kb;
  }
  return static_cast<double>(growth_kb) * 1024.0 / r.connected;
}

std::string kb(const std::optional<long>& v) {
  return v ? std::to_string(*v) : "null";
}

} // namespace

void print_idle_block(const idle_options& opts, const idle_result& r) {
  print_head("idle", opts);
  std::printf("  connections       %u", opts.connections);
  if (!opts.source_addresses.empty()) {
    std::printf(" from");
    for (const auto& a : opts.source_addresses)
      std::printf(" %s", a.c_str());
  }
  std::printf(", held %g s\n", opts.hold);
  if (print_setup_error(r))
    return;
  std::printf("  connect           %u connected, %u failed in %.3f s = %.0f connections/s\n",
              r.connected, r.failed, r.connect_seconds, per_second(r.connected, r.connect_seconds));
  std::printf("  hold              %.3f s: %u dropped, %u answered after it, %u did not; "
              "%llu pings answered\n",
              r.hold_seconds, r.dropped, r.verified, r.unresponsive,
              static_cast<unsigned long long>(r.pings_answered));
  for (const auto& m : r.memory) {
    std::printf("  server %-9d rss %s kB before, %s kB connected, %s kB after the hold", m.pid,
                kb(m.before_kb).c_str(), kb(m.connected_kb).c_str(), kb(m.held_kb).c_str());
    if (auto b = bytes_per_connection(m.before_kb, m.connected_kb, m.connections))
      std::printf(": %.0f B per connection (%u)", *b, m.connections);
    std::printf("\n");
  }
  if (r.memory.size() > 1)
    if (auto b = servers_bytes_per_connection(r))
      std::printf("  servers total     %.0f B per connection\n", *b);
  if (auto b = bytes_per_connection(r.bench_before_kb, r.bench.rss_kb, r.connected))
    std::printf("  bench             rss %s kB before, %s kB connected: %.0f B per connection\n",
                kb(r.bench_before_kb).c_str(), kb(r.bench.rss_kb).c_str(), *b);
  std::printf("  cpu over the ramp\n");
  print_costs(r.servers, r.bench, r.connect_seconds, r.connected, "connection");
  print_errors(r.errors);
}

std::string idle_json(const idle_options& opts, const idle_result& r) {
  auto j = json_head("idle", opts);
  j.integer("connections", opts.connections)
    .raw("source_addresses", json_strings(opts.source_addresses))
    .number("hold", opts.hold, 3);
  if (!r.setup_error.empty())
    return json_setup_error(j, r);
  std::string servers = "[";
  for (std::size_t i = 0; i < r.servers.size(); ++i) {
    const auto& s = r.servers[i];
    const auto& m = r.memory[i];
    servers += (i ? "," : "");
    servers += json_object{}
                 .integer("pid", static_cast<std::uint64_t>(s.pid))
                 .number("cpu_s", s.cpu_s, 3)
                 .number("cpu_ns_per_connection", ns_per(s.cpu_s, m.connections), 1)
                 .number("hold_cpu_s", i < r.servers_hold.size() ? r.servers_hold[i].cpu_s
                                                                 : std::nullopt,
                         3)
                 .integer("connections", m.connections)
                 .raw("rss_before_kb", kb(m.before_kb))
                 .raw("rss_kb", kb(m.connected_kb))
                 .raw("rss_after_hold_kb", kb(m.held_kb))
                 .number("rss_bytes_per_connection",
                         bytes_per_connection(m.before_kb, m.connected_kb, m.connections), 1)
                 .str();
  }
  servers += "]";
  auto server_cpu = total_cpu(r.servers);
  j.integer("connected", r.connected)
    .integer("failed", r.failed)
    .number("connect_seconds", r.connect_seconds, 3)
    .number("connect_per_s", per_second(r.connected, r.connect_seconds), 1)
    .number("hold_seconds", r.hold_seconds, 3)
    .integer("dropped", r.dropped)
    .integer("verified", r.verified)
    .integer("unresponsive", r.unresponsive)
    .integer("pings_answered", r.pings_answered)
    .raw("servers", servers)
    .number("server_cpu_s", server_cpu, 3)
    .number("server_cpu_ns_per_connection", ns_per(server_cpu, r.connected), 1)
    .number("server_rss_bytes_per_connection", servers_bytes_per_connection(r), 1)
    .number("bench_cpu_s", r.bench.cpu_s, 3)
    .raw("bench_rss_kb", kb(r.bench.rss_kb))
    .number("bench_rss_bytes_per_connection",
            bytes_per_connection(r.bench_before_kb, r.bench.rss_kb, r.connected), 1);
  return json_end(j, r);
}

} // namespace atrium::bench
