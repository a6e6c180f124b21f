// What a series of RSS samples says about a long run: where memory started and ended, its
// range, and whether it kept growing. A server that reaches its working set early and then
// holds it shows a last quarter near its first; a leak shows as a steady climb between them,
// whatever the noise of single samples.
#pragma once

#include <optional>
#include <vector>

namespace atrium::bench {

/// One reading: seconds since the load started, and the RSS then (nothing if unreadable).
struct rss_point {
  double t = 0;
  std::optional<long> kb;
};

struct rss_curve {
  std::size_t points = 0;            // readable samples the figures are made of
  double start_t = 0;
  long start_kb = 0;                 // the first sample
  long min_kb = 0;
  long max_kb = 0;
  double end_t = 0;
  long end_kb = 0;                   // the last sample
  double first_quarter_kb = 0;       // average of the first quarter of the samples
  double last_quarter_kb = 0;        // ... and of the last
  double quarter_span_s = 0;         // between the middles of the two quarters

  double growth_kb() const { return last_quarter_kb - first_quarter_kb; }
  double growth_percent() const {
    return first_quarter_kb > 0 ? growth_kb() / first_quarter_kb * 100 : 0;
  }
  /// The growth as a rate; nothing when both quarters are the same moment.
  std::optional<double> growth_kb_per_hour() const {
    if (quarter_span_s <= 0)
      return std::nullopt;
    return growth_kb() / quarter_span_s * 3600;
  }
};

/// Nothing if no sample could be read. A quarter is at least one sample.
std::optional<rss_curve> summarize_rss(const std::vector<rss_point>& samples);

} // namespace atrium::bench
