#include "tools/bench/idle.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include <malloc.h>

#include <boost/asio/ip/address.hpp>

#include "tools/bench/connection.hpp"
#include "tools/bench/connection_ramp.hpp"
#include "tools/bench/error_tally.hpp"
#include "tools/bench/loop.hpp"
#include "tools/bench/proc_stats.hpp"
#include "tools/bench/workload_run.hpp"

namespace atrium::bench {

namespace {

// Handshakes in flight: enough to keep a server busy, few enough not to overflow its accept
// queue (a dropped SYN costs a second's retry and spoils the connect rate).
constexpr std::size_t max_connecting = 256;
// Descriptors the process needs besides its connections.
constexpr long spare_descriptors = 64;
constexpr auto progress_check = std::chrono::seconds(1);
// After the hold every connection asks the server for its rooms; the answers must come back.
constexpr std::string_view verify_request = R"(420["rooms"])";
constexpr std::string_view verify_answer_prefix = "30[";

// The kernel's ephemeral port range: how many connections one source address can open to one
// server port. Nothing if it cannot be read.
std::optional<long> ephemeral_ports() {
  std::ifstream in{"/proc/sys/net/ipv4/ip_local_port_range"};
  long low = 0, high = 0;
  if (!(in >> low >> high) || high < low)
    return std::nullopt;
  return high - low + 1;
}

// Its phases: connecting (the ramp), holding, verifying, done. The cost window is the ramp.
class idle_run final : public workload_run<idle_options, idle_result> {
public:
  explicit idle_run(const idle_options& opts) : workload_run(opts) {
    result_->connections = opts.connections;
  }

private:
  // Where each connection is. One byte each: there may be a hundred thousand.
  enum class state : std::uint8_t { connecting, open, asked, verified, failed, dropped };

  bool prepare() override {
    auto limit = raise_open_files_limit();
    auto needed = static_cast<long>(opts_.connections) + spare_descriptors;
    if (limit >= 0 && limit < needed) {
      // The soft limit is already raised to the hard one: only root can go further.
      result_->setup_error = "the open files limit is " + std::to_string(limit) + ", but "
                             + std::to_string(opts_.connections) + " connections need "
                             + std::to_string(needed) + ": raise the hard limit (as root, `ulimit "
                             "-n " + std::to_string(needed) + "` in the shell that starts the "
                             "bench; the server needs as many) or ask for fewer connections";
      return false;
    }
    for (const auto& text : opts_.source_addresses)
      sources_.push_back(boost::asio::ip::make_address(text)); // checked by the option parser
    if (!resolve_and_check())
      return false;
    warn_about_ports();
    states_.assign(opts_.connections, state::connecting);
    ramp_.emplace(io_, targets_, sources_, *this,
                  connection_ramp::plan{opts_.connections, max_connecting, 0,
                                        connection::footprint::lean});
    return true;
  }

  // Connection i goes to target i % T from source i % S: count the busiest pair.
  void warn_about_ports() const {
    auto ports = ephemeral_ports();
    if (!ports)
      return;
    std::map<std::pair<std::size_t, std::size_t>, long> per_pair;
    long busiest = 0;
    auto sources = std::max<std::size_t>(sources_.size(), 1);
    for (std::size_t i = 0; i < opts_.connections; ++i)
      busiest = std::max(busiest, ++per_pair[{i % targets_.size(), i % sources}]);
    if (busiest > *ports)
      std::fprintf(stderr,
                   "atrium-bench: warning: up to %ld connections from one source address to one "
                   "server, but only %ld ephemeral ports (net.ipv4.ip_local_port_range): give "
                   "more --source-addresses\n",
                   busiest, *ports);
  }

  std::string who(const connection& c) const override {
    return ramp_->name_of(c, "connection", opts_.urls);
  }

  // ---- the ramp ----

  void start() override {
    for (int pid : opts_.server_pids) {
      server_memory m;
      m.pid = pid;
      m.before_kb = rss_kb(pid);
      result_->memory.push_back(m);
    }
    result_->bench_before_kb = rss_kb(0);
    costs_.start();
    ramp_start_ = clock_type::now();
    ramp_->start_more();
    watch_ramp();
  }

  // A ramp that stops progressing (a server no longer accepting, SYNs dropped for good) ends
  // after --connect-timeout without a connection settling, whatever the number asked for.
  void watch_ramp() {
    progress_watch::limits limits{progress_check, seconds_to_duration(opts_.connect_timeout)};
    watch_.start(limits, [this] { return ramp_->settled_count(); }, [this](double) {
      auto stuck = opts_.connections - ramp_->settled_count();
      result_->errors.push_back(std::to_string(stuck) + " connections not connected after "
                                + format_seconds(opts_.connect_timeout)
                                + " s without progress (--connect-timeout)");
      result_->failed += static_cast<std::uint32_t>(stuck);
      for (std::size_t i = 0; i < states_.size(); ++i) {
        if (states_[i] != state::connecting)
          continue;
        states_[i] = state::failed;
        if (ramp_->started(i))
          ramp_->at(i).abort();
      }
      end_ramp();
    });
  }

  void on_open(connection& c) override {
    auto& st = states_[c.id()];
    if (st != state::connecting)
      return;
    st = state::open;
    ++result_->connected;
    settle();
  }

  void settle() {
    ramp_->settle();
    if (phase_ == phase::connecting && ramp_->all_settled())
      end_ramp();
  }

  void end_ramp() {
    watch_.stop();
    phase_ = phase::holding;
    auto end = clock_type::now();
    result_->connect_seconds = std::chrono::duration<double>(end - ramp_start_).count();
    result_->servers = costs_.servers();
    // The handshakes' buffers are freed but scattered between the connections' memory: give
    // the whole pages among them back before the bench's own memory is read.
    ::malloc_trim(0);
    result_->bench = costs_.bench();
    for (std::size_t i = 0; i < result_->memory.size(); ++i)
      result_->memory[i].connected_kb = result_->servers[i].rss_kb;
    count_connections_per_server();
    hold_start_ = end;
    hold_costs_.start();
    arm(deadline_, seconds_to_duration(opts_.hold), [this] { start_verifying(); });
  }

  // With several URLs, the i-th --server-pid is taken to serve the i-th URL.
  void count_connections_per_server() {
    for (std::size_t i = 0; i < result_->memory.size(); ++i) {
      std::uint32_t n = 0;
      for (std::size_t c = 0; c < states_.size(); ++c)
        if (states_[c] == state::open && (result_->memory.size() != targets_.size()
                                          || ramp_->target_of(c) == i))
          ++n;
      result_->memory[i].connections = n;
    }
  }

  // ---- the hold, then every connection shows it is still served ----

  void start_verifying() {
    phase_ = phase::verifying;
    result_->hold_seconds = std::chrono::duration<double>(clock_type::now() - hold_start_).count();
    result_->servers_hold = hold_costs_.servers();
    for (std::size_t i = 0; i < result_->memory.size(); ++i)
      result_->memory[i].held_kb = result_->servers_hold[i].rss_kb;
    for (std::size_t i = 0; i < states_.size(); ++i) {
      if (states_[i] != state::open)
        continue;
      states_[i] = state::asked;
      ++asked_;
      ramp_->at(i).send(std::string{verify_request});
    }
    if (asked_ == 0)
      return finish();
    arm(deadline_, seconds_to_duration(opts_.connect_timeout), [this] {
      result_->unresponsive = asked_;
      result_->errors.push_back(std::to_string(asked_) + " connections did not answer within "
                                + format_seconds(opts_.connect_timeout)
                                + " s after the hold (--connect-timeout)");
      finish();
    });
  }

  void on_packet(connection& c, std::string_view packet) override {
    auto& st = states_[c.id()];
    if (st != state::asked || packet.substr(0, verify_answer_prefix.size()) != verify_answer_prefix)
      return;
    st = state::verified;
    ++result_->verified;
    if (--asked_ == 0)
      finish();
  }

  void on_failed(connection& c, std::string_view what) override {
    auto& st = states_[c.id()];
    switch (st) {
      case state::connecting:
        st = state::failed;
        ++result_->failed;
        note(c, what);
        return settle();
      case state::open:
      case state::asked:
        if (st == state::asked)
          --asked_;
        st = state::dropped;
        ++result_->dropped;
        note(c, what);
        if (phase_ == phase::verifying && asked_ == 0)
          finish();
        return;
      default:
        return;
    }
  }

  void note(const connection& c, std::string_view what) {
    noted_.add(result_->errors, [&] { return who(c) + ": " + std::string{what}; });
  }

  // ---- the end ----

  void conclude() override {
    noted_.close(result_->errors);
    if (ramp_)
      for (std::size_t i = 0; i < ramp_->started_count(); ++i)
        result_->pings_answered += ramp_->at(i).pings_answered();
  }

  void abort_connections() override {
    if (ramp_)
      ramp_->abort_all();
  }

  cost_window hold_costs_{opts_.server_pids};
  std::vector<state> states_;
  std::optional<connection_ramp> ramp_;
  std::uint32_t asked_ = 0;
  error_tally noted_{"connections failed or lost"};

  clock_type::time_point ramp_start_;
  clock_type::time_point hold_start_;
};

} // namespace

std::unique_ptr<idle_result> run_idle(const idle_options& opts) {
  return idle_run{opts}.run();
}

} // namespace atrium::bench
