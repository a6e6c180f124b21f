// The pieces of the one-thread event loop every workload runs in: the clock, and timers that
// call back only when they really expire.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace atrium::bench {

using clock_type = std::chrono::steady_clock;

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           clock_type::now().time_since_epoch())
    .count();
}

/// (Re)arms a timer for a point in time; on_expiry runs only if it expires, not when it is
/// cancelled or re-armed.
template <class F>
void arm_at(boost::asio::steady_timer& timer, clock_type::time_point at, F on_expiry) {
  timer.expires_at(at);
  timer.async_wait([on_expiry](const boost::system::error_code& ec) {
    if (!ec)
      on_expiry();
  });
}

/// The same, a while from now.
template <class Duration, class F>
void arm(boost::asio::steady_timer& timer, Duration after, F on_expiry) {
  arm_at(timer, clock_type::now() + std::chrono::duration_cast<clock_type::duration>(after),
         on_expiry);
}

inline clock_type::duration seconds_to_duration(double s) {
  return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s));
}

inline std::string format_seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", s);
  return text;
}

} // namespace atrium::bench
