// Latencies of every delivery, in bounded memory: a log-linear histogram of nanoseconds.
//
// Each power of two is cut into 128 equal buckets, so a percentile is off by less than 0.8 %
// whatever the run length, and recording is a shift and an increment.
#pragma once

#include <array>
#include <cstdint>

namespace atrium::bench {

class latency_histogram {
public:
  void record(std::int64_t ns) {
    // A clock step or a send time from another host could make it negative.
    auto v = static_cast<std::uint64_t>(ns < 0 ? 0 : ns);
    ++counts_[index_of(v)];
    ++total_;
    if (v > max_)
      max_ = v;
  }

  std::uint64_t count() const { return total_; }
  std::uint64_t max() const { return max_; }

  /// The value below which a fraction q (0..1) of the recordings lie, in nanoseconds.
  std::uint64_t percentile(double q) const {
    if (total_ == 0)
      return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_));
    if (rank >= total_)
      rank = total_ - 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > rank) {
        auto v = midpoint_of(i);
        return v < max_ ? v : max_;
      }
    }
    return max_;
  }

private:
  static constexpr int sub_bits = 7;
  static constexpr std::uint64_t sub_count = 1u << sub_bits;
  // Values below 2 * sub_count have a bucket each; every octave above adds sub_count buckets.
  static constexpr std::size_t bucket_count = (64 - sub_bits) * sub_count + sub_count;

  static std::size_t index_of(std::uint64_t v) {
    if (v < 2 * sub_count)
      return static_cast<std::size_t>(v);
    int octave = 63 - __builtin_clzll(v);
    int shift = octave - sub_bits;
    return static_cast<std::size_t>(shift) * sub_count + static_cast<std::size_t>(v >> shift);
  }

  static std::uint64_t midpoint_of(std::size_t index) {
    if (index < 2 * sub_count)
      return index;
    auto shift = index / sub_count - 1;
    auto mantissa = index - shift * sub_count;
    return (static_cast<std::uint64_t>(mantissa) << shift)
           + ((std::uint64_t{1} << shift) >> 1);
  }

  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

} // namespace atrium::bench
