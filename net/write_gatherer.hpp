#pragma once

// Fewer, fuller writes while the server is busy. A write to a connection costs the kernel about
// the same whether it carries one frame or ten (on loopback about 3.5 us, the receiver's side
// included); at 200 broadcasts a second to 1,000 clients, one write per frame keeps a core busy
// with writes alone, and the queueing that follows costs more latency than waiting would.
// So, while this process uses most of the CPUs it may run on, a broadcast to a client that was
// written to less than one window ago waits until that window has passed: whatever else reaches
// the client meanwhile leaves in the same write. Answers and a socket's own frames never wait,
// and an idle server writes every frame at once.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace atrium::net {

class engine_session;

/// Whether the server counts as busy after a sample of `load` (the share of its CPUs it used):
/// busy above 80 %, idle again below 50 %. Gathering lowers the load itself, and must not
/// switch itself off by doing so.
bool busy_after(bool busy, double load) noexcept;

class write_gatherer {
public:
  using clock = std::chrono::steady_clock;
  /// The share of the CPUs it may run on that the process used since the last call.
  using load_probe = std::function<double()>;

  /// `window` 0 turns gathering off; `probe` defaults to the process's CPU time.
  write_gatherer(boost::asio::io_context& ioc, std::chrono::milliseconds window,
                 load_probe probe = {});
  write_gatherer(const write_gatherer&) = delete;
  write_gatherer& operator=(const write_gatherer&) = delete;

  std::chrono::milliseconds window() const noexcept { return window_; }
  /// Whether a broadcast may wait: the server is busy (any thread).
  bool gathering() const noexcept { return busy_.load(std::memory_order_relaxed); }
  /// Flushes `s` at `due` (any thread).
  void defer(std::shared_ptr<engine_session> s, clock::time_point due);
  /// Sessions waiting for their window to pass.
  std::size_t waiting() const;

  /// Starts watching the process's load; stop() lets go of every waiting session.
  void start();
  void stop();

private:
  struct waiting_session {
    clock::time_point due;
    std::shared_ptr<engine_session> session;
  };

  void sample();
  void arm_sampler();
  void arm_ticker();
  void tick();

  const std::chrono::milliseconds window_;
  load_probe probe_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer sampler_; // on strand_
  boost::asio::steady_timer ticker_;  // on strand_
  std::atomic<bool> busy_{false};

  mutable std::mutex mtx_;
  std::vector<waiting_session> waiting_;
  bool ticking_ = false; // the ticker is armed (or about to be)
  bool stopped_ = false;
};

} // namespace atrium::net
