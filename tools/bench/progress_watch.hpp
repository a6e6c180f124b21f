// Waiting for something that arrives in steps (the last deliveries or acks after a window, the
// last connections of a ramp) for as long as it keeps arriving: a server that is slow but
// progressing is waited for, one that has gone silent is given up on.
#pragma once

#include <cstdint>
#include <functional>

#include <boost/asio/steady_timer.hpp>

#include "tools/bench/loop.hpp"

namespace atrium::bench {

class progress_watch {
public:
  struct limits {
    clock_type::duration check;        // how often progress is read
    clock_type::duration idle;         // given up after this long without progress ...
    clock_type::duration cap = clock_type::duration::max();  // ... or this long in all
  };

  /// The timer is shared with whoever owns it: re-arming it elsewhere ends the watch too.
  explicit progress_watch(boost::asio::steady_timer& timer) : timer_(timer) {}

  /// Reads `progress` every check; when it has not changed for `idle`, or `cap` has passed,
  /// calls `give_up` with the seconds waited, once.
  void start(limits l, std::function<std::uint64_t()> progress,
             std::function<void(double waited_s)> give_up);
  /// No more checks, not even one already due.
  void stop() { watching_ = false; }

private:
  void tick();

  boost::asio::steady_timer& timer_;
  limits limits_{};
  std::function<std::uint64_t()> progress_;
  std::function<void(double)> give_up_;
  bool watching_ = false;
  std::uint64_t last_value_ = 0;
  clock_type::time_point started_;
  clock_type::time_point last_progress_;
};

} // namespace atrium::bench
