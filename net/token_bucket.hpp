#pragma once

#include <algorithm>
#include <chrono>

namespace atrium::net {

/// A rate limit: `rate` tokens a second, at most `burst` saved up. A rate of 0 never limits.
class token_bucket {
public:
  using clock = std::chrono::steady_clock;

  token_bucket(double rate, double burst, clock::time_point now = clock::now()) noexcept
    : rate_(rate), burst_(std::max(burst, 1.0)), tokens_(burst_), last_(now) {}

  /// Takes a token if there is one.
  bool take(clock::time_point now = clock::now()) noexcept {
    if (rate_ <= 0)
      return true;
    std::chrono::duration<double> elapsed = now - last_;
    last_ = now;
    tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
    if (tokens_ < 1.0)
      return false;
    tokens_ -= 1.0;
    return true;
  }

private:
  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_;
};

} // namespace atrium::net
