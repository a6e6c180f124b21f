// The life every workload goes through, written once: setup (every --url resolved, every
// --server-pid readable), the one-thread loop, the phases, how a failed setup and a failed
// connection are told, the measured window and the drain after it, the end, and a teardown that
// lets the handlers of aborted operations run before anything is destroyed. A workload adds its
// connections, its traffic and its checks (fanout.cpp, rooms.cpp, churn.cpp, idle.cpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tools/bench/connection.hpp"
#include "tools/bench/cost_window.hpp"
#include "tools/bench/error_tally.hpp"
#include "tools/bench/loop.hpp"
#include "tools/bench/progress_watch.hpp"
#include "tools/bench/target.hpp"

namespace atrium::bench {

/// Options: the workload's options (a common_options); Result: its result (a run_result, a
/// window_result for the window and the drain).
template <class Options, class Result>
class workload_run : public connection::handler {
public:
  workload_run(const workload_run&) = delete;
  workload_run& operator=(const workload_run&) = delete;

  /// Runs the whole workload on the calling thread. Never throws for network trouble: that
  /// becomes setup_error or a line in errors.
  std::unique_ptr<Result> run() {
    if (prepare()) {
      start();
      io_.run();
    }
    malformed_.close(result_->errors);
    conclude();
    // Handlers of aborted operations still refer to the connections: let them all run before
    // anything is destroyed.
    watch_.stop();
    deadline_.cancel();
    pacer_.cancel();
    abort_connections();
    io_.restart();
    io_.run_for(std::chrono::seconds(2));
    return std::move(result_);
  }

protected:
  /// Where a run is. Each workload goes through some of these, in this order.
  enum class phase {
    connecting,  // opening connections (and joining rooms)
    warming_up,  // proving that every path delivers, before anything counts
    measuring,   // the window
    draining,    // after it: waiting for what was sent in it
    settling,    // all of it arrived: a moment for strays and duplicates still on their way
    holding,     // idle: the connections kept open, doing nothing
    verifying,   // idle: every connection must still answer
    done,
  };

  // More simultaneous handshakes only overflow the server's accept queue and cost SYN retries.
  static constexpr std::size_t max_handshakes = 128;
  // After the window, what was sent in it may take long to come back from an overloaded server:
  // it is waited for as long as it keeps coming, but never past a silence of drain_idle ...
  static constexpr auto drain_idle = std::chrono::seconds(10);
  static constexpr auto drain_check = std::chrono::milliseconds(500);
  // ... nor, where a workload asks for it, past drain_cap in all.
  static constexpr auto drain_cap = std::chrono::seconds(120);

  explicit workload_run(const Options& opts)
    : opts_(opts), result_(std::make_unique<Result>()) {}
  ~workload_run() = default;

  // ---- what each workload provides ----

  /// Everything that can fail before the first connection: false, with setup_error set, if it
  /// did.
  virtual bool prepare() = 0;
  /// Starts connecting; the loop then runs until finish() or until nothing is left to do.
  virtual void start() = 0;
  /// The loop is over: fills in what the result derives, and closes the workload's tallies.
  virtual void conclude() = 0;
  /// Closes every connection; their handlers still run, in the teardown.
  virtual void abort_connections() = 0;
  /// How error lines name a connection.
  virtual std::string who(const connection& c) const = 0;

  // ---- setup and the end ----

  /// Resolves every --url into targets_ and checks that every --server-pid can be read.
  bool resolve_and_check() {
    targets_ = resolve_targets(opts_.urls, result_->setup_error);
    if (targets_.empty())
      return false;
    result_->setup_error = costs_.check();
    return result_->setup_error.empty();
  }

  /// Connecting must be over within --connect-timeout; otherwise the setup failed, and why()
  /// tells how far it got.
  template <class Why>
  void limit_connecting(Why why) {
    arm(deadline_, std::chrono::duration<double>(opts_.connect_timeout),
        [this, why] { setup_failed(why()); });
  }

  /// The first reason wins: what fails after it is a consequence.
  void setup_failed(std::string why) {
    if (phase_ == phase::done)
      return;
    result_->setup_error = std::move(why);
    finish();
  }

  /// Stops the loop; run() then tears down.
  void finish() {
    phase_ = phase::done;
    watch_.stop();
    deadline_.cancel();
    pacer_.cancel();
    io_.stop();
  }

  // ---- the measured window ----

  /// Opens the window of --seconds: the costs start counting, and on_end() runs when it is
  /// over.
  template <class F>
  void open_window(F on_end) {
    phase_ = phase::measuring;
    costs_.start();
    window_start_ = clock_type::now();
    window_end_ = window_start_ + seconds_to_duration(opts_.seconds);
    arm_at(deadline_, window_end_, on_end);
  }

  /// Closes the window, once: its real length and what it cost. False if it was not open.
  bool close_window() {
    if (phase_ != phase::measuring)
      return false;
    auto end = clock_type::now();
    phase_ = phase::draining;
    pacer_.cancel();
    result_->seconds = std::chrono::duration<double>(end - window_start_).count();
    result_->servers = costs_.servers();
    result_->bench = costs_.bench();
    return true;
  }

  /// Waits while result.drained grows; gives up (give_up(seconds waited)) after drain_idle
  /// without, or after cap in all.
  void watch_drain(std::function<void(double)> give_up,
                   clock_type::duration cap = clock_type::duration::max()) {
    watch_.start({drain_check, drain_idle, cap}, [this] { return result_->drained; },
                 std::move(give_up));
  }

  // ---- trouble ----

  /// A connection failed. Before the window that is a setup failure; during it or after it, a
  /// line among the errors, and true: what the loss means is the workload's to decide.
  bool note_failure(const connection& c, std::string_view what) {
    std::string line = who(c) + ": " + std::string{what};
    switch (phase_) {
      case phase::connecting:
      case phase::warming_up:
        setup_failed(std::move(line));
        return false;
      case phase::measuring:
      case phase::draining:
      case phase::settling:
        result_->errors.push_back(std::move(line));
        return true;
      case phase::holding:   // idle judges its connections by their own state
      case phase::verifying:
      case phase::done:
        return false;
    }
    return false;
  }

  /// A frame the workload cannot read.
  void note_malformed(std::string_view packet) {
    malformed_.add(result_->errors, [&] { return "unexpected frame: " + quote_packet(packet); });
  }

  const Options& opts_;
  std::unique_ptr<Result> result_;

  // One thread drives everything, so the io_context need not lock anything.
  boost::asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  boost::asio::steady_timer deadline_{io_};  // when the current phase must end
  boost::asio::steady_timer pacer_{io_};     // what a phase sends at intervals
  progress_watch watch_{deadline_};
  std::vector<connect_target> targets_; // connections refer to these: never resized once filled
  std::vector<boost::asio::ip::address> sources_;  // local addresses to connect from; none: any
  cost_window costs_{opts_.server_pids};           // over the measured window
  phase phase_ = phase::connecting;
  clock_type::time_point window_start_;
  clock_type::time_point window_end_;

private:
  error_tally malformed_{"unexpected frames"};
};

} // namespace atrium::bench
