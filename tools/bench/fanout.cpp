#include "tools/bench/fanout.hpp"

#include <chrono>
#include <deque>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "tools/bench/bench_event.hpp"
#include "tools/bench/connection.hpp"
#include "tools/bench/connection_ramp.hpp"
#include "tools/bench/error_tally.hpp"
#include "tools/bench/json.hpp"
#include "tools/bench/loop.hpp"
#include "tools/bench/skipped_seqs.hpp"
#include "tools/bench/workload_run.hpp"

namespace atrium::bench {

namespace {

constexpr std::size_t warm_up_burst = 3;
constexpr auto warm_up_interval = std::chrono::milliseconds(200);
constexpr auto warm_up_timeout = std::chrono::seconds(10);

std::size_t decimal_digits(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

class fanout_run final : public workload_run<fanout_options, fanout_result> {
public:
  explicit fanout_run(const fanout_options& opts)
    : workload_run(opts), receiver_count_(opts.receivers) {
    auto room = json_quote(opts.room);
    join_packet_ = R"(420["join",)" + room + "]";
    emit_prefix_ = R"(42["emit",{"to":[)" + room + R"(],"event":"m","args":[{"s":)";
    padding_.assign(opts.payload, 'x');
  }

private:
  struct receiver {
    // One publisher's messages must reach a receiver in order, so a receiver needs the next
    // seq it expects: a larger one means a gap, a smaller one a duplicate, or a message that
    // comes after a later one if it is in the gaps.
    std::uint64_t next_seq = 0;
    skipped_seqs skipped;
    bool joined = false;
  };

  // A message not yet resolved by every receiver: received, or skipped over by a later one.
  struct slot {
    std::uint32_t resolved = 0;
    std::uint32_t delivered = 0;
  };

  bool prepare() override {
    if (!resolve_and_check())
      return false;
    receivers_.resize(receiver_count_);
    receivers_ramp_.emplace(io_, targets_, sources_, *this,
                            connection_ramp::plan{receiver_count_, max_handshakes});
    return true;
  }

  void start() override {
    receivers_ramp_->start_more();
    limit_connecting([this] { return describe_connect_timeout(); });
  }

  std::string who(const connection& c) const override {
    if (c.id() == receiver_count_)
      return "publisher (" + opts_.urls.front().text + ")";
    return receivers_ramp_->name_of(c, "receiver", opts_.urls);
  }

  // ---- connecting ----

  void on_open(connection& c) override {
    if (c.id() == receiver_count_)
      return start_warm_up();
    c.send(join_packet_);
  }

  void on_join_ack(receiver& r, connection& c, std::string_view packet) {
    if (r.joined)
      return;
    if (packet.find(ack_ok) == std::string_view::npos)
      return setup_failed(who(c) + ": join refused: " + std::string{packet});
    r.joined = true;
    if (++joined_ == receiver_count_)
      return start_publisher();
    receivers_ramp_->settle();
  }

  void start_publisher() {
    publisher_ = std::make_unique<connection>(io_, targets_.front(), *this, receiver_count_);
    publisher_->start();
  }

  std::string describe_connect_timeout() const {
    std::string why = "within " + format_seconds(opts_.connect_timeout) + " s, "
                      + std::to_string(joined_) + " of " + std::to_string(receiver_count_)
                      + " receivers joined room '" + opts_.room + "'";
    if (joined_ == receiver_count_)
      why += ", but the publisher did not connect";
    if (targets_.size() > 1) {
      std::vector<std::size_t> missing(targets_.size(), 0);
      for (std::size_t i = 0; i < receivers_.size(); ++i)
        if (!receivers_[i].joined)
          ++missing[receivers_ramp_->target_of(i)];
      why += "; not joined per URL:";
      for (std::size_t u = 0; u < targets_.size(); ++u)
        why += " " + opts_.urls[u].text + "=" + std::to_string(missing[u]);
    }
    return why;
  }

  // ---- warm-up: proves that every node of a cluster delivers before anything is measured ----

  void start_warm_up() {
    phase_ = phase::warming_up;
    for (std::size_t i = 0; i < warm_up_burst; ++i)
      send_message();
    arm(deadline_, warm_up_timeout, [this] { setup_failed(describe_warm_up_timeout()); });
    warm_up_tick();
  }

  // A cluster may still be meshing when the receivers have joined: early broadcasts reach
  // only some nodes, so the warm-up keeps sending until one message reached everybody.
  void warm_up_tick() {
    arm(pacer_, warm_up_interval, [this] {
      if (phase_ != phase::warming_up)
        return;
      if (!warm_up_reached_all_)
        send_message();
      warm_up_tick();
    });
  }

  void maybe_end_warm_up() {
    if (warm_up_reached_all_ && pending_.empty())
      start_measuring();
  }

  std::string describe_warm_up_timeout() const {
    std::vector<std::size_t> silent(targets_.size(), 0);
    std::size_t total = 0;
    for (std::size_t i = 0; i < receivers_.size(); ++i) {
      if (receivers_[i].next_seq == 0) {
        ++silent[receivers_ramp_->target_of(i)];
        ++total;
      }
    }
    std::string why = "warm-up: within "
                      + std::to_string(std::chrono::seconds(warm_up_timeout).count())
                      + " s no message reached all receivers (" + std::to_string(next_seq_)
                      + " sent); receivers that got none: " + std::to_string(total);
    if (targets_.size() > 1) {
      why += " (per URL:";
      for (std::size_t u = 0; u < targets_.size(); ++u)
        why += " " + opts_.urls[u].text + "=" + std::to_string(silent[u]);
      why += "; does every node relay the broadcast?)";
    }
    return why;
  }

  // ---- the measured window ----

  void start_measuring() {
    pacer_.cancel();
    first_measured_ = next_seq_;
    open_window([this] { end_window(); });
    if (opts_.rate_mode())
      rate_tick();
    else
      fill_window();
  }

  void fill_window() {
    while (next_seq_ - base_seq_ < opts_.window)
      send_message();
  }

  // Due times are computed from the window start, not from the previous tick, so timer
  // latency never lowers the rate: late messages go out together on the next tick.
  void rate_tick() {
    auto now = clock_type::now();
    clock_type::time_point due;
    for (;;) {
      auto offset = static_cast<double>(rate_sent_) * 1e9 / opts_.rate;
      due = window_start_ + std::chrono::nanoseconds(static_cast<std::int64_t>(offset));
      // A message due when the window closes belongs to no window: R msg/s for S s is R*S.
      if (due >= window_end_)
        return;
      if (due > now)
        break;
      send_message();
      ++rate_sent_;
    }
    arm_at(pacer_, due, [this] {
      if (phase_ == phase::measuring)
        rate_tick();
    });
  }

  void end_window() {
    if (!close_window())
      return;
    result_->sent = next_seq_ - first_measured_;
    if (pending_.empty())
      return finish();
    watch_drain(
      [this](double waited) {
        result_->errors.push_back("gave up after " + format_seconds(waited) + " s with "
                                  + std::to_string(next_seq_ - base_seq_)
                                  + " messages not yet received by every receiver");
        finish();
      },
      drain_cap);
  }

  // ---- messages ----

  void send_message() {
    auto seq = next_seq_++;
    auto t = now_ns();
    std::string text;
    text.reserve(emit_prefix_.size() + padding_.size() + 64);
    text += emit_prefix_;
    text += std::to_string(seq);
    text += R"(,"t":)";
    text += std::to_string(t);
    text += R"(,"p":")";
    // {"s":,"t":,"p":""} is 18 characters; the digits and the padding make up the rest.
    auto fixed = 18 + decimal_digits(seq) + decimal_digits(static_cast<std::uint64_t>(t));
    if (padding_.size() > fixed)
      text.append(padding_, 0, padding_.size() - fixed);
    text += R"("}],"self":true}])";
    pending_.emplace_back();
    publisher_->send(std::move(text));
  }

  void on_packet(connection& c, std::string_view packet) override {
    if (c.id() == receiver_count_)
      return; // the publisher asked for nothing
    auto& r = receivers_[c.id()];
    if (packet.substr(0, delivery_prefix.size()) == delivery_prefix)
      return on_delivery(r, c, packet);
    if (packet.substr(0, join_ack_prefix.size()) == join_ack_prefix)
      return on_join_ack(r, c, packet);
  }

  // The hot path: runs once per delivery, so it looks only at "s" (and "t" in rate mode).
  void on_delivery(receiver& r, connection& c, std::string_view packet) {
    std::uint64_t seq = 0;
    const char* digits_end = read_field(packet, seq_key, delivery_prefix.size(), seq);
    if (digits_end == nullptr || seq >= next_seq_) {
      note_malformed(packet);
      return;
    }
    if (seq < r.next_seq) {
      if (!r.skipped.take(seq)) {
        ++result_->duplicates;
        return;
      }
      // Resolved already when it was skipped: it still counts as delivered.
      out_of_order_.add(result_->errors, [&] {
        return who(c) + " got message " + std::to_string(seq) + " after message "
               + std::to_string(r.next_seq - 1);
      });
      if (seq >= base_seq_)
        ++pending_[seq - base_seq_].delivered;
      return count_delivery(seq, packet, digits_end);
    }
    if (seq > r.next_seq)
      r.skipped.skip(r.next_seq, seq);
    for (auto s = r.next_seq; s <= seq; ++s)
      ++pending_[s - base_seq_].resolved;
    r.next_seq = seq + 1;
    auto delivered = ++pending_[seq - base_seq_].delivered;
    if (seq < first_measured_ && delivered == receiver_count_)
      warm_up_reached_all_ = true;
    count_delivery(seq, packet, digits_end);
    if (pending_.front().resolved == receiver_count_)
      retire_resolved();
  }

  void count_delivery(std::uint64_t seq, std::string_view packet, const char* digits_end) {
    if (seq >= first_measured_) {
      if (phase_ == phase::measuring)
        ++result_->deliveries;
      else
        ++result_->drained;
      if (opts_.rate_mode())
        record_latency(packet.substr(static_cast<std::size_t>(digits_end - packet.data())));
    }
  }

  void record_latency(std::string_view rest) {
    std::int64_t sent_at = 0;
    if (read_field(rest, time_key, 0, sent_at))
      result_->latency.record(now_ns() - sent_at);
  }

  void retire_resolved() {
    while (!pending_.empty() && pending_.front().resolved == receiver_count_) {
      pending_.pop_front();
      ++base_seq_;
    }
    switch (phase_) {
      case phase::warming_up:
        return maybe_end_warm_up();
      case phase::measuring:
        if (!opts_.rate_mode())
          fill_window();
        return;
      case phase::draining:
        if (pending_.empty())
          finish();
        return;
      default:
        return;
    }
  }

  void on_failed(connection& c, std::string_view what) override {
    // The lost receiver's messages will never resolve: waiting longer measures nothing.
    if (note_failure(c, what)) {
      end_window();
      finish();
    }
  }

  // ---- the end ----

  void conclude() override {
    out_of_order_.close(result_->errors);
    result_->out_of_order = out_of_order_.count();
    if (result_->setup_error.empty()) {
      auto expected = result_->sent * receiver_count_;
      auto got = result_->deliveries + result_->drained;
      result_->lost = expected > got ? expected - got : 0;
    }
  }

  void abort_connections() override {
    if (receivers_ramp_)
      receivers_ramp_->abort_all();
    if (publisher_)
      publisher_->abort();
  }

  const std::uint32_t receiver_count_;
  std::string join_packet_;
  std::string emit_prefix_;
  std::string padding_;

  std::vector<receiver> receivers_;
  std::optional<connection_ramp> receivers_ramp_;
  std::unique_ptr<connection> publisher_;
  std::size_t joined_ = 0;

  // Messages from base_seq_ on that some receiver has not resolved yet, in seq order.
  std::deque<slot> pending_;
  std::uint64_t base_seq_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t first_measured_ = std::numeric_limits<std::uint64_t>::max();
  bool warm_up_reached_all_ = false;
  std::uint64_t rate_sent_ = 0;
  error_tally out_of_order_{"deliveries out of order"};
};

} // namespace

std::unique_ptr<fanout_result> run_fanout(const fanout_options& opts) {
  return fanout_run{opts}.run();
}

} // namespace atrium::bench
