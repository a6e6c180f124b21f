#include <cstdio>
#include <optional>

#include "tools/bench/recovery.hpp"
#include "tools/bench/report.hpp"

namespace atrium::bench {

namespace {

/// What grew between two readings of RSS, spread over `units`, in bytes; nothing without both.
std::optional<double> bytes_per(const std::optional<long>& from, const std::optional<long>& to,
                                std::uint64_t units) {
  if (!from || !to || units == 0)
    return std::nullopt;
  return static_cast<double>(*to - *from) * 1024.0 / static_cast<double>(units);
}

std::string mb(const std::optional<long>& kb) {
  return kb ? number(static_cast<double>(*kb) / 1024.0, 1) + " MB" : "?";
}

/// The servers' CPU per unit, in microseconds.
std::optional<double> us_per(const std::vector<process_cost>& servers, std::uint64_t units) {
  auto ns = ns_per(total_cpu(servers), units);
  if (!ns)
    return std::nullopt;
  return *ns / 1000.0;
}

std::uint64_t replayed_owed(const recovery_options& o) {
  return static_cast<std::uint64_t>(o.clients) * o.messages;
}

} // namespace

void print_recovery_block(const recovery_options& opts, const recovery_result& r) {
  print_head("recovery", opts);
  std::printf("  clients           %u in room %s, each missing %u messages of %u bytes\n",
              opts.clients, opts.room.c_str(), opts.messages, opts.payload);
  if (print_setup_error(r))
    return;
  std::printf("  server RSS        before %s, connected %s, after the cut %s, buffered %s\n",
              mb(r.rss_before_kb).c_str(), mb(r.rss_connected_kb).c_str(),
              mb(r.rss_cut_kb).c_str(), mb(r.rss_buffered_kb).c_str());
  std::printf("  kept per client   %s bytes (RSS after the cut over before, per gone client)\n",
              optional_number(bytes_per(r.rss_before_kb, r.rss_cut_kb, opts.clients), 0).c_str());
  std::printf("  per message       %s bytes buffered (RSS growth while publishing)\n",
              optional_number(bytes_per(r.rss_cut_kb, r.rss_buffered_kb, opts.messages), 0)
                .c_str());
  std::printf("  buffering         %.3f s, server CPU %s us per message (the emit and its ack "
              "included)\n",
              r.publish_seconds, optional_number(us_per(r.publish_servers, opts.messages), 2).c_str());
  std::printf("  replay            %.3f s for %u clients (%llu events), server CPU %s us per "
              "replayed event\n",
              r.replay_seconds, opts.clients,
              static_cast<unsigned long long>(replayed_owed(opts)),
              optional_number(us_per(r.replay_servers, replayed_owed(opts)), 3).c_str());
  std::printf("  outcome           %u recovered, %u fresh, %llu replayed in order, %llu out of "
              "order, %llu missing\n",
              r.recovered, r.fresh, static_cast<unsigned long long>(r.replayed),
              static_cast<unsigned long long>(r.out_of_order),
              static_cast<unsigned long long>(r.missing));
  print_errors(r.errors);
}

std::string recovery_json(const recovery_options& opts, const recovery_result& r) {
  auto j = json_head("recovery", opts);
  j.integer("clients", opts.clients)
    .integer("messages", opts.messages)
    .integer("payload", opts.payload);
  if (!r.setup_error.empty())
    return json_setup_error(j, r);
  auto kb = [](const std::optional<long>& v) {
    return v ? std::optional<double>{static_cast<double>(*v)} : std::nullopt;
  };
  j.number("rss_before_kb", kb(r.rss_before_kb), 0)
    .number("rss_connected_kb", kb(r.rss_connected_kb), 0)
    .number("rss_cut_kb", kb(r.rss_cut_kb), 0)
    .number("rss_buffered_kb", kb(r.rss_buffered_kb), 0)
    .number("kept_bytes_per_client", bytes_per(r.rss_before_kb, r.rss_cut_kb, opts.clients), 0)
    .number("buffered_bytes_per_message",
            bytes_per(r.rss_cut_kb, r.rss_buffered_kb, opts.messages), 0)
    .number("publish_seconds", r.publish_seconds, 3)
    .number("publish_cpu_us_per_message", us_per(r.publish_servers, opts.messages), 2)
    .number("replay_seconds", r.replay_seconds, 3)
    .number("replay_cpu_us_per_event", us_per(r.replay_servers, replayed_owed(opts)), 3)
    .integer("recovered", r.recovered)
    .integer("fresh", r.fresh)
    .integer("replayed", r.replayed)
    .integer("out_of_order", r.out_of_order)
    .integer("missing", r.missing);
  return json_end(j, r);
}

} // namespace atrium::bench
