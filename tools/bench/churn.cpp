#include "tools/bench/churn.hpp"

#include <charconv>
#include <chrono>
#include <optional>
#include <random>
#include <string_view>

#include "tools/bench/bench_event.hpp"
#include "tools/bench/connection.hpp"
#include "tools/bench/connection_ramp.hpp"
#include "tools/bench/error_tally.hpp"
#include "tools/bench/loop.hpp"
#include "tools/bench/workload_run.hpp"

namespace atrium::bench {

namespace {

class churn_run final : public workload_run<churn_options, churn_result> {
public:
  explicit churn_run(const churn_options& opts)
    : workload_run(opts), rng_(opts.seed), pick_room_(0, opts.rooms - 1) {
    for (std::uint32_t r = 0; r < opts.rooms; ++r)
      room_json_.push_back("\"c" + std::to_string(r) + "\"");
  }

private:
  enum class request { none, join, leave };

  // One request at a time per client: its ack id, what it was, and when it left.
  struct client {
    std::uint64_t next_id = 0;
    request waiting = request::none;
    std::uint32_t room = 0;
    std::int64_t sent_at = 0;
  };

  bool prepare() override {
    if (!resolve_and_check())
      return false;
    clients_.resize(opts_.clients);
    ramp_.emplace(io_, targets_, sources_, *this,
                  connection_ramp::plan{opts_.clients, max_handshakes});
    return true;
  }

  void start() override {
    ramp_->start_more();
    limit_connecting([this] {
      return "within " + format_seconds(opts_.connect_timeout) + " s, "
             + std::to_string(ramp_->settled_count()) + " of " + std::to_string(opts_.clients)
             + " clients connected";
    });
  }

  std::string who(const connection& c) const override {
    return ramp_->name_of(c, "client", opts_.urls);
  }

  void on_open(connection&) override {
    ramp_->settle();
    if (ramp_->all_settled())
      start_measuring();
  }

  // ---- the measured window ----

  void start_measuring() {
    open_window([this] { end_window(); });
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
    if (body.find(ack_ok) == std::string_view::npos)
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
    if (!close_window())
      return;
    if (outstanding_ == 0)
      return finish();
    watch_drain([this](double) {
      result_->errors.push_back("gave up waiting for " + std::to_string(outstanding_)
                                + " acks after "
                                + format_seconds(std::chrono::duration<double>(drain_idle).count())
                                + " s without one");
      finish();
    });
  }

  void note_refused(connection& c, std::string_view packet) {
    refused_.add(result_->errors, [&] { return who(c) + ": refused: " + quote_packet(packet); });
  }

  void note_unexpected(connection& c, std::string_view packet) {
    unexpected_.add(result_->errors, [&] {
      return who(c) + ": an ack no request waits for: " + quote_packet(packet);
    });
  }

  void on_failed(connection& c, std::string_view what) override {
    if (!note_failure(c, what))
      return;
    // Its request will never be acked. The window ends here, as the load is no longer the one
    // asked for, but the others' acks are still waited for.
    auto& cl = clients_[c.id()];
    if (cl.waiting != request::none) {
      cl.waiting = request::none;
      --outstanding_;
      ++lost_with_connections_;
    }
    end_window();
    if (phase_ == phase::draining && outstanding_ == 0)
      finish();
  }

  // ---- the end ----

  void conclude() override {
    refused_.close(result_->errors);
    unexpected_.close(result_->errors);
    result_->refused = refused_.count();
    result_->unexpected = unexpected_.count();
    result_->missing = outstanding_ + lost_with_connections_;
  }

  void abort_connections() override {
    if (ramp_)
      ramp_->abort_all();
  }

  std::mt19937_64 rng_;
  std::uniform_int_distribution<std::uint32_t> pick_room_;
  std::vector<std::string> room_json_; // "c7", quoted

  std::vector<client> clients_;
  std::optional<connection_ramp> ramp_;
  std::uint64_t outstanding_ = 0;            // requests sent, not yet acked
  std::uint64_t lost_with_connections_ = 0;  // requests whose connection failed
  error_tally refused_{"refusals"};
  error_tally unexpected_{"unexpected acks"};
};

} // namespace

std::unique_ptr<churn_result> run_churn(const churn_options& opts) {
  return churn_run{opts}.run();
}

} // namespace atrium::bench
