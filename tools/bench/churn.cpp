#include "tools/bench/churn.hpp"

#include <charconv>
#include <chrono>
#include <optional>
#include <random>
#include <string_view>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tools/bench/connection.hpp"
#include "tools/bench/connection_ramp.hpp"
#include "tools/bench/loop.hpp"
#include "tools/bench/target.hpp"

namespace atrium::bench {

namespace {

namespace asio = boost::asio;

// More simultaneous handshakes only overflow the server's accept queue and cost SYN retries.
constexpr std::size_t max_connecting = 128;
// After the window, the last acks may be slow from an overloaded server: wait as long as they
// keep coming, but never past a silence of drain_idle.
constexpr auto drain_idle = std::chrono::seconds(10);
constexpr auto drain_check = std::chrono::milliseconds(500);

class churn_run final : public connection::handler {
public:
  explicit churn_run(const churn_options& opts)
    : opts_(opts), rng_(opts.seed), pick_room_(0, opts.rooms - 1),
      result_(std::make_unique<churn_result>()) {
    for (std::uint32_t r = 0; r < opts.rooms; ++r)
      room_json_.push_back("\"c" + std::to_string(r) + "\"");
  }

  std::unique_ptr<churn_result> run() {
    if (prepare()) {
      ramp_->start_more();
      arm(deadline_, std::chrono::duration<double>(opts_.connect_timeout), [this] {
        setup_failed("within " + format_seconds(opts_.connect_timeout) + " s, "
                     + std::to_string(ramp_->settled_count()) + " of "
                     + std::to_string(opts_.clients) + " clients connected");
      });
      io_.run();
    }
    teardown();
    return std::move(result_);
  }

private:
  enum class phase { connecting, measuring, draining, done };
  enum class request { none, join, leave };

  // One request at a time per client: its ack id, what it was, and when it left.
  struct client {
    std::uint64_t next_id = 0;
    request waiting = request::none;
    std::uint32_t room = 0;
    std::int64_t sent_at = 0;
  };

  bool prepare() {
    targets_ = resolve_targets(opts_.urls, result_->setup_error);
    if (targets_.empty())
      return false;
    result_->setup_error = costs_.check();
    if (!result_->setup_error.empty())
      return false;
    clients_.resize(opts_.clients);
    ramp_.emplace(io_, targets_, no_sources_, *this,
                  connection_ramp::plan{opts_.clients, max_connecting});
    return true;
  }

  std::string who(const connection& c) const {
    return "client " + std::to_string(c.id()) + " (" + opts_.urls[ramp_->target_of(c.id())].text
           + ")";
  }

  void on_open(connection&) override {
    ramp_->settle();
    if (ramp_->all_settled())
      start_measuring();
  }

  // ---- the measured window ----

  void start_measuring() {
    phase_ = phase::measuring;
    costs_.start();
    window_start_ = clock_type::now();
    arm(deadline_, seconds_to_duration(opts_.seconds), [this] { end_window(); });
    for (std::size_t i = 0; i < clients_.size(); ++i)
      send(i, request::join, pick_room_(rng_));
  }

  void send(std::size_t index, request what, std::uint32_t room) {
    auto& cl = clients_[index];
    cl.waiting = what;
    cl.room = room;
    std::string packet = "42";
    packet += std::to_string(cl.next_id);
    packet += what == request::join ? R"(["join",)" : R"(["leave",)";
    packet += room_json_[room];
    packet += ']';
    ++outstanding_;
    cl.sent_at = now_ns();
    ramp_->at(index).send(std::move(packet));
  }

  void on_packet(connection& c, std::string_view packet) override {
    if (packet.empty() || packet.front() != '3')
      return; // no event is expected: the clients are in rooms nobody emits to
    auto& cl = clients_[c.id()];
    std::uint64_t id = 0;
    auto [end, ec] = std::from_chars(packet.data() + 1, packet.data() + packet.size(), id);
    if (ec != std::errc{} || cl.waiting == request::none || id != cl.next_id)
      return note_unexpected(c, packet);
    result_->latency.record(now_ns() - cl.sent_at);
    auto body = packet.substr(static_cast<std::size_t>(end - packet.data()));
    if (body.find(R"("ok":true)") == std::string_view::npos)
      note_refused(c, packet);
    auto was = cl.waiting;
    cl.waiting = request::none;
    ++cl.next_id;
    --outstanding_;
    if (phase_ == phase::measuring) {
      ++result_->acks;
      if (was == request::join)
        return send(c.id(), request::leave, cl.room);
      ++result_->operations;
      return send(c.id(), request::join, pick_room_(rng_));
    }
    if (phase_ == phase::draining) {
      ++result_->drained;
      if (outstanding_ == 0)
        finish();
    }
  }

  void end_window() {
    if (phase_ != phase::measuring)
      return;
    auto end = clock_type::now();
    phase_ = phase::draining;
    result_->seconds = std::chrono::duration<double>(end - window_start_).count();
    result_->servers = costs_.servers();
    result_->bench = costs_.bench();
    if (outstanding_ == 0)
      return finish();
    drain_last_progress_ = end;
    drain_tick();
  }

  void drain_tick() {
    arm(deadline_, drain_check, [this] {
      auto now = clock_type::now();
      if (result_->drained != drained_at_last_check_) {
        drained_at_last_check_ = result_->drained;
        drain_last_progress_ = now;
      }
      if (now - drain_last_progress_ < drain_idle)
        return drain_tick();
      result_->errors.push_back("gave up waiting for " + std::to_string(outstanding_)
                                + " acks after " + format_seconds(std::chrono::duration<double>(
                                                                    drain_idle)
                                                                    .count())
                                + " s without one");
      finish();
    });
  }

  void finish() {
    phase_ = phase::done;
    deadline_.cancel();
    io_.stop();
  }

  void setup_failed(std::string why) {
    if (phase_ == phase::done)
      return;
    result_->setup_error = std::move(why);
    finish();
  }

  void note_refused(connection& c, std::string_view packet) {
    if (++result_->refused <= 3)
      result_->errors.push_back(who(c) + ": refused: 4" + std::string{packet.substr(0, 120)});
  }

  void note_unexpected(connection& c, std::string_view packet) {
    if (++result_->unexpected <= 3)
      result_->errors.push_back(who(c) + ": an ack no request waits for: 4"
                                + std::string{packet.substr(0, 120)});
  }

  void on_failed(connection& c, std::string_view what) override {
    std::string line = who(c) + ": " + std::string{what};
    switch (phase_) {
      case phase::connecting:
        return setup_failed(line);
      case phase::measuring:
      case phase::draining: {
        // Its request will never be acked. The window ends here, as the load is no longer the
        // one asked for, but the others' acks are still waited for.
        result_->errors.push_back(line);
        auto& cl = clients_[c.id()];
        if (cl.waiting != request::none) {
          cl.waiting = request::none;
          --outstanding_;
          ++lost_with_connections_;
        }
        end_window();
        if (phase_ == phase::draining && outstanding_ == 0)
          finish();
        return;
      }
      case phase::done:
        return;
    }
  }

  void teardown() {
    if (result_->refused > 3)
      result_->errors.push_back(std::to_string(result_->refused - 3) + " more refusals");
    if (result_->unexpected > 3)
      result_->errors.push_back(std::to_string(result_->unexpected - 3)
                                + " more unexpected acks");
    result_->missing = outstanding_ + lost_with_connections_;
    // Handlers of aborted operations still refer to the connections: let them all run before
    // anything is destroyed.
    deadline_.cancel();
    if (ramp_)
      ramp_->abort_all();
    io_.restart();
    io_.run_for(std::chrono::seconds(2));
  }

  const churn_options& opts_;
  std::mt19937_64 rng_;
  std::uniform_int_distribution<std::uint32_t> pick_room_;
  std::unique_ptr<churn_result> result_;
  std::vector<std::string> room_json_; // "c7", quoted

  // One thread drives everything, so the io_context need not lock anything.
  asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  asio::steady_timer deadline_{io_};
  std::vector<connect_target> targets_; // connections refer to these: never resized once filled
  const std::vector<asio::ip::address> no_sources_;
  cost_window costs_{opts_.server_pids};
  std::vector<client> clients_;
  std::optional<connection_ramp> ramp_;
  phase phase_ = phase::connecting;
  std::uint64_t outstanding_ = 0;            // requests sent, not yet acked
  std::uint64_t lost_with_connections_ = 0;  // requests whose connection failed

  clock_type::time_point window_start_;
  clock_type::time_point drain_last_progress_;
  std::uint64_t drained_at_last_check_ = 0;
};

} // namespace

std::unique_ptr<churn_result> run_churn(const churn_options& opts) {
  return churn_run{opts}.run();
}

} // namespace atrium::bench
