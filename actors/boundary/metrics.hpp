#pragma once

// The process's Prometheus metrics: counters and gauges kept in per-thread slots, summed when
// scraped. Both the transports (net/) and the actors count here, so it lives in the boundary.
//
// The hot path is one relaxed fetch_add on a cache line no other thread writes to (as long as
// there are no more threads than shards): no lock, no allocation, no formatting. Only a
// scrape reads every shard. Labels are bounded by construction: each labelled family has a
// fixed set of values (enumerations, or the first `max_namespaces` namespace names).

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace atrium::metrics {

/// Namespaces with a label of their own; later ones share the label `overflow_namespace`.
inline constexpr std::size_t max_namespaces = 32;
inline constexpr std::string_view overflow_namespace = "_other";

/// Labels of `atrium_disconnects_total`, in the order of atrium::disconnect_reason.
inline constexpr std::array<std::string_view, 8> disconnect_labels = {
  "transport_close", "transport_error", "ping_timeout", "parse_error",
  "client_namespace_disconnect", "server_namespace_disconnect", "forced_close",
  "server_shutting_down"};
/// Labels of `atrium_limit_closes_total`, in the order of net::close_cause.
inline constexpr std::array<std::string_view, 5> limit_close_labels = {
  "stalled", "queue_full", "flood", "too_large", "protocol_error"};
/// The API statuses with a label of their own; any other is counted as "other".
inline constexpr std::array<unsigned, 11> api_codes = {200, 400, 401, 403, 404, 405,
                                                       413, 429, 500, 503, 504};
/// Labels of `atrium_recoveries_total`, in the order of recovery_store::outcome.
inline constexpr std::array<std::string_view, 5> recovery_labels = {
  "recovered", "unknown_session", "expired", "unknown_offset", "unreachable"};
/// Upper bounds of the webhook latency buckets, in seconds (+Inf follows).
inline constexpr std::array<double, 11> webhook_buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                           0.5,   1,    2.5,   5,    10};

/// One counter (or up-down gauge) each; the families with labels take a range.
enum slot : std::uint16_t {
  connections_polling,   // gauge: +1 open, -1 close or upgrade
  connections_websocket, // gauge
  packets_in,
  packets_out,
  bytes_in,
  bytes_out,
  joins,
  leaves,
  broadcasts,
  deliveries,
  events_rate_limited,
  connections_refused,
  volatile_dropped,
  cluster_peers, // gauge
  cluster_sent,
  cluster_received,
  webhook_sum_us, // the histogram's count is its buckets' sum
  recovery_sessions, // gauge: sessions kept for clients that may come back
  recovery_bytes,    // gauge: what those sessions and the replay buffers hold
  disconnects_first,
  limit_closes_first = disconnects_first + disconnect_labels.size(),
  recovery_first = limit_closes_first + limit_close_labels.size(),
  api_first = recovery_first + recovery_labels.size(),
  webhook_bucket_first = api_first + api_codes.size() + 1, // + "other"
  sockets_first = webhook_bucket_first + webhook_buckets.size() + 1, // + "+Inf"
  rooms_first = sockets_first + max_namespaces + 1,                  // + overflow
  slot_count = rooms_first + max_namespaces + 1,
};

/// The counters of one process (or of one test). Every member is thread-safe.
class registry {
public:
  static constexpr std::size_t shard_count = 64;

  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// Adds `n` (negative for a gauge going down) to `s`. Any thread; lock-free.
  void add(std::size_t s, std::int64_t n = 1) noexcept {
    shards_[thread_shard()].values[s].fetch_add(static_cast<std::uint64_t>(n),
                                                std::memory_order_relaxed);
  }
  /// The sum over every thread's shard (a gauge's value may be read as negative for an
  /// instant while its up and down are counted on different threads).
  std::int64_t value(std::size_t s) const noexcept;

  /// The label index of namespace `name` (the same for the same name; the overflow index
  /// past max_namespaces names). Takes a lock: call it once per namespace, not per event.
  std::size_t namespace_index(std::string_view name);
  /// The label of index `i` (empty when unused).
  std::string namespace_name(std::size_t i) const;

  void observe_webhook(std::chrono::microseconds latency) noexcept;
  void api_request(unsigned status) noexcept;

private:
  struct alignas(64) shard {
    std::atomic<std::uint64_t> values[slot_count] = {};
  };
  static std::size_t thread_shard() noexcept {
    // Constant-initialized, so that reading it needs no TLS init wrapper.
    static thread_local std::size_t mine = shard_count;
    if (mine == shard_count)
      mine = next_shard_.fetch_add(1, std::memory_order_relaxed) % shard_count;
    return mine;
  }

  inline static std::atomic<std::size_t> next_shard_{0};
  shard shards_[shard_count];
  mutable std::mutex names_mutex_;
  std::string names_[max_namespaces];
  std::size_t names_used_ = 0;
};

/// The process's registry, which `GET /metrics` shows.
registry& process();

/// Shorthands for the hot path.
inline void count(std::size_t s, std::int64_t n = 1) noexcept {
  process().add(s, n);
}

/// `r` in the Prometheus text exposition format, version 0.0.4 (metrics_text.cpp).
std::string render(const registry& r);

/// The Content-Type of render()'s text.
inline constexpr std::string_view content_type = "text/plain; version=0.0.4";

} // namespace atrium::metrics
