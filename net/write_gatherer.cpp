#include "net/write_gatherer.hpp"

#include <time.h>

#include <boost/asio/post.hpp>

#include "actors/boundary/usable_cpus.hpp"
#include "net/engine_session.hpp"

namespace atrium::net {

namespace asio = boost::asio;

namespace {

constexpr std::chrono::milliseconds sample_every{100};
// Due sessions are flushed on a tick of this period: a timer per due time would cost a scan of
// every waiting session for each of them.
constexpr std::chrono::milliseconds tick_every{1};
constexpr double busy_above = 0.8;
constexpr double idle_below = 0.5;

std::int64_t process_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// The process's CPU time since the last call, as a share of the CPUs it may run on.
write_gatherer::load_probe process_load() {
  struct state {
    unsigned cpus = usable_cpus();
    std::int64_t cpu_ns = process_cpu_ns();
    std::chrono::steady_clock::time_point at = std::chrono::steady_clock::now();
  };
  return [st = std::make_shared<state>()] {
    auto now = std::chrono::steady_clock::now();
    auto cpu = process_cpu_ns();
    auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(now - st->at).count();
    auto load = wall > 0 ? static_cast<double>(cpu - st->cpu_ns)
                             / (static_cast<double>(wall) * st->cpus)
                         : 0.0;
    st->cpu_ns = cpu;
    st->at = now;
    return load;
  };
}

} // namespace

bool busy_after(bool busy, double load) noexcept {
  if (load > busy_above)
    return true;
  if (load < idle_below)
    return false;
  return busy;
}

write_gatherer::write_gatherer(asio::io_context& ioc, std::chrono::milliseconds window,
                               load_probe probe)
  : window_(window),
    probe_(std::move(probe)),
    strand_(asio::make_strand(ioc)),
    sampler_(strand_),
    ticker_(strand_) {
}

void write_gatherer::start() {
  if (window_.count() == 0)
    return;
  if (!probe_)
    probe_ = process_load();
  asio::post(strand_, [this] {
    sample(); // a first reading at once, then one every sample_every
    arm_sampler();
  });
}

std::size_t write_gatherer::waiting() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return waiting_.size();
}

void write_gatherer::stop() {
  std::lock_guard<std::mutex> guard{mtx_};
  stopped_ = true;
  waiting_.clear(); // the sessions are closing: nothing waits for their flush any more
}

void write_gatherer::arm_sampler() {
  sampler_.expires_after(sample_every);
  sampler_.async_wait([this](const boost::system::error_code& ec) {
    if (ec)
      return;
    sample();
    arm_sampler();
  });
}

void write_gatherer::sample() {
  busy_.store(busy_after(busy_.load(std::memory_order_relaxed), probe_()),
              std::memory_order_relaxed);
}

void write_gatherer::defer(std::shared_ptr<engine_session> s, clock::time_point due) {
  bool arm = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stopped_)
      return;
    waiting_.push_back(waiting_session{due, std::move(s)});
    arm = !ticking_;
    ticking_ = true;
  }
  if (arm)
    asio::post(strand_, [this] { arm_ticker(); });
}

void write_gatherer::arm_ticker() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (waiting_.empty()) {
      ticking_ = false;
      return;
    }
  }
  ticker_.expires_after(tick_every);
  ticker_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec)
      tick();
  });
}

void write_gatherer::tick() {
  std::vector<std::shared_ptr<engine_session>> due;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto now = clock::now();
    std::size_t kept = 0;
    for (std::size_t i = 0; i < waiting_.size(); ++i) {
      if (waiting_[i].due <= now)
        due.push_back(std::move(waiting_[i].session));
      else if (kept++ != i)
        waiting_[kept - 1] = std::move(waiting_[i]);
    }
    waiting_.resize(kept);
  }
  for (auto& s : due)
    s->gathered_due();
  arm_ticker();
}

} // namespace atrium::net
