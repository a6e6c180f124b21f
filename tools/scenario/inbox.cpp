#include "tools/scenario/engine.hpp"

namespace atrium::scenario {

void inbox::push(received r) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    packets_.push_back(std::move(r));
    ++generation_;
  }
  cv_.notify_all();
}

void inbox::closed(std::string why) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return;
    closed_ = true;
    why_ = std::move(why);
    ++generation_;
  }
  cv_.notify_all();
}

std::uint64_t inbox::with(
  const std::function<void(std::deque<received>&, bool, const std::string&)>& f) {
  std::lock_guard<std::mutex> guard{mtx_};
  f(packets_, closed_, why_);
  return generation_;
}

void inbox::wait_change(std::uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> guard{mtx_};
  cv_.wait_for(guard, timeout, [&] { return generation_ != seen; });
}

} // namespace atrium::scenario
