#include "tools/bench/rss_curve.hpp"

#include <algorithm>

namespace atrium::bench {

std::optional<rss_curve> summarize_rss(const std::vector<rss_point>& samples) {
  std::vector<rss_point> read;
  for (const auto& s : samples)
    if (s.kb)
      read.push_back(s);
  if (read.empty())
    return std::nullopt;
  rss_curve c;
  c.points = read.size();
  c.start_t = read.front().t;
  c.start_kb = *read.front().kb;
  c.end_t = read.back().t;
  c.end_kb = *read.back().kb;
  c.min_kb = c.max_kb = c.start_kb;
  for (const auto& s : read) {
    c.min_kb = std::min(c.min_kb, *s.kb);
    c.max_kb = std::max(c.max_kb, *s.kb);
  }
  auto quarter = std::max<std::size_t>(1, read.size() / 4);
  // Average RSS and middle time of read[from, from + quarter).
  auto average = [&](std::size_t from, double& kb, double& t) {
    double kb_sum = 0;
    double t_sum = 0;
    for (std::size_t i = from; i < from + quarter; ++i) {
      kb_sum += static_cast<double>(*read[i].kb);
      t_sum += read[i].t;
    }
    kb = kb_sum / static_cast<double>(quarter);
    t = t_sum / static_cast<double>(quarter);
  };
  double first_t = 0;
  double last_t = 0;
  average(0, c.first_quarter_kb, first_t);
  average(read.size() - quarter, c.last_quarter_kb, last_t);
  c.quarter_span_s = last_t - first_t;
  return c;
}

} // namespace atrium::bench
