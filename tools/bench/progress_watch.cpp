#include "tools/bench/progress_watch.hpp"

#include <utility>

namespace atrium::bench {

void progress_watch::start(limits l, std::function<std::uint64_t()> progress,
                           std::function<void(double)> give_up) {
  limits_ = l;
  progress_ = std::move(progress);
  give_up_ = std::move(give_up);
  watching_ = true;
  last_value_ = progress_();
  started_ = clock_type::now();
  last_progress_ = started_;
  tick();
}

void progress_watch::tick() {
  arm(timer_, limits_.check, [this] {
    // A check already due when the watch stopped must not give up on what it no longer waits for.
    if (!watching_)
      return;
    auto now = clock_type::now();
    if (auto value = progress_(); value != last_value_) {
      last_value_ = value;
      last_progress_ = now;
    }
    if (now - last_progress_ < limits_.idle && now - started_ < limits_.cap)
      return tick();
    watching_ = false;
    give_up_(std::chrono::duration<double>(now - started_).count());
  });
}

} // namespace atrium::bench
