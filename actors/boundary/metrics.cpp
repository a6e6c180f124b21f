#include "actors/boundary/metrics.hpp"

#include <algorithm>

#include "atrium/disconnect_reason.hpp"

namespace atrium::metrics {

static_assert(static_cast<std::size_t>(disconnect_reason::server_shutting_down) + 1
                == disconnect_labels.size(),
              "a disconnect_reason without its label in the metrics");

std::int64_t registry::value(std::size_t s) const noexcept {
  // Unsigned sums wrap like the two's-complement adds of a gauge's ups and downs.
  std::uint64_t sum = 0;
  for (auto& sh : shards_)
    sum += sh.values[s].load(std::memory_order_relaxed);
  return static_cast<std::int64_t>(sum);
}

std::size_t registry::namespace_index(std::string_view name) {
  std::lock_guard<std::mutex> guard{names_mutex_};
  for (std::size_t i = 0; i < names_used_; ++i)
    if (names_[i] == name)
      return i;
  if (names_used_ == max_namespaces)
    return max_namespaces;
  names_[names_used_] = std::string{name};
  return names_used_++;
}

std::string registry::namespace_name(std::size_t i) const {
  std::lock_guard<std::mutex> guard{names_mutex_};
  if (i == max_namespaces)
    return std::string{overflow_namespace};
  return i < names_used_ ? names_[i] : std::string{};
}

void registry::observe_webhook(std::chrono::microseconds latency) noexcept {
  auto us = std::max<std::int64_t>(0, latency.count());
  double seconds = static_cast<double>(us) / 1e6;
  auto bucket = static_cast<std::size_t>(
    std::lower_bound(webhook_buckets.begin(), webhook_buckets.end(), seconds)
    - webhook_buckets.begin()); // the first bound >= the value; size() is +Inf
  add(webhook_bucket_first + bucket);
  add(webhook_sum_us, us);
}

void registry::api_request(unsigned status) noexcept {
  auto it = std::find(api_codes.begin(), api_codes.end(), status);
  add(api_first + static_cast<std::size_t>(it - api_codes.begin())); // end(): "other"
}

registry& process() {
  static registry r;
  return r;
}

} // namespace atrium::metrics
