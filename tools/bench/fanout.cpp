#include "tools/bench/fanout.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <deque>
#include <limits>
#include <string_view>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tools/bench/connection.hpp"
#include "tools/bench/connection_ramp.hpp"
#include "tools/bench/json.hpp"
#include "tools/bench/loop.hpp"
#include "tools/bench/target.hpp"

namespace atrium::bench {

namespace {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

// More simultaneous handshakes only overflow the server's accept queue and cost SYN retries.
constexpr std::size_t max_connecting = 128;
constexpr std::size_t warm_up_burst = 3;
constexpr auto warm_up_interval = std::chrono::milliseconds(200);
constexpr auto warm_up_timeout = std::chrono::seconds(10);
// After the window, in-flight messages may take long to arrive from an overloaded server: wait
// as long as they keep coming, but never past a silence of drain_idle or drain_cap in all.
constexpr auto drain_idle = std::chrono::seconds(10);
constexpr auto drain_cap = std::chrono::seconds(120);
constexpr auto drain_check = std::chrono::milliseconds(500);

// Every frame a receiver gets for the bench event starts so; what follows is {"s":..,"t":..}.
constexpr std::string_view delivery_prefix = R"(2["m",)";
constexpr std::string_view seq_key = R"("s":)";
constexpr std::string_view time_key = R"("t":)";
constexpr std::string_view join_ack_prefix = "30[";

std::size_t decimal_digits(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

class fanout_run final : public connection::handler {
public:
  explicit fanout_run(const fanout_options& opts)
    : opts_(opts), receiver_count_(opts.receivers), result_(std::make_unique<fanout_result>()) {
    auto room = json_quote(opts.room);
    join_packet_ = R"(420["join",)" + room + "]";
    emit_prefix_ = R"(42["emit",{"to":[)" + room + R"(],"event":"m","args":[{"s":)";
    padding_.assign(opts.payload, 'x');
  }

  std::unique_ptr<fanout_result> run() {
    if (prepare()) {
      receivers_ramp_->start_more();
      arm(deadline_, std::chrono::duration<double>(opts_.connect_timeout),
          [this] { setup_failed(describe_connect_timeout()); });
      io_.run();
    }
    teardown();
    return std::move(result_);
  }

private:
  enum class phase { connecting, warming_up, measuring, draining, done };

  struct receiver {
    // One publisher's messages reach a receiver in order, so all a receiver needs to know is
    // the next seq it expects: a smaller one is a duplicate, a larger one means a gap.
    std::uint64_t next_seq = 0;
    bool joined = false;
  };

  // A message not yet resolved by every receiver: received, or skipped over by a later one.
  struct slot {
    std::uint32_t resolved = 0;
    std::uint32_t delivered = 0;
  };

  bool prepare() {
    targets_ = resolve_targets(opts_.urls, result_->setup_error);
    if (targets_.empty())
      return false;
    result_->setup_error = costs_.check();
    if (!result_->setup_error.empty())
      return false;
    receivers_.resize(receiver_count_);
    receivers_ramp_.emplace(io_, targets_, no_sources_, *this,
                            connection_ramp::plan{receiver_count_, max_connecting});
    return true;
  }

  std::size_t url_of(std::size_t receiver_index) const {
    return receiver_index % targets_.size();
  }

  std::string who(const connection& c) const {
    if (c.id() == receiver_count_)
      return "publisher (" + opts_.urls.front().text + ")";
    return "receiver " + std::to_string(c.id()) + " (" + opts_.urls[url_of(c.id())].text + ")";
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
    if (packet.find(R"("ok":true)") == std::string_view::npos)
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
          ++missing[url_of(i)];
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
    pacer_.expires_after(warm_up_interval);
    pacer_.async_wait([this](const error_code& ec) {
      if (ec || phase_ != phase::warming_up)
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
        ++silent[url_of(i)];
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
    phase_ = phase::measuring;
    pacer_.cancel();
    first_measured_ = next_seq_;
    costs_.start();
    window_start_ = clock_type::now();
    window_end_ = window_start_ + seconds_to_duration(opts_.seconds);
    deadline_.expires_at(window_end_);
    deadline_.async_wait([this](const error_code& ec) {
      if (!ec)
        end_window();
    });
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
    pacer_.expires_at(due);
    pacer_.async_wait([this](const error_code& ec) {
      if (!ec && phase_ == phase::measuring)
        rate_tick();
    });
  }

  void end_window() {
    if (phase_ != phase::measuring)
      return;
    auto end = clock_type::now();
    phase_ = phase::draining;
    pacer_.cancel();
    result_->seconds = std::chrono::duration<double>(end - window_start_).count();
    result_->sent = next_seq_ - first_measured_;
    result_->servers = costs_.servers();
    result_->bench = costs_.bench();
    if (pending_.empty())
      return finish();
    drain_started_ = clock_type::now();
    drain_last_progress_ = drain_started_;
    drain_tick();
  }

  void drain_tick() {
    arm(deadline_, drain_check, [this] {
      auto now = clock_type::now();
      if (result_->drained != drained_at_last_check_) {
        drained_at_last_check_ = result_->drained;
        drain_last_progress_ = now;
      }
      if (now - drain_last_progress_ < drain_idle && now - drain_started_ < drain_cap)
        return drain_tick();
      auto waited = std::chrono::duration<double>(now - drain_started_).count();
      result_->errors.push_back("gave up after " + format_seconds(waited) + " s with "
                                + std::to_string(next_seq_ - base_seq_)
                                + " messages not yet received by every receiver");
      finish();
    });
  }

  void finish() {
    phase_ = phase::done;
    deadline_.cancel();
    pacer_.cancel();
    io_.stop();
  }

  void setup_failed(std::string why) {
    if (phase_ == phase::done)
      return;
    result_->setup_error = std::move(why);
    finish();
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
      return on_delivery(r, packet);
    if (packet.substr(0, join_ack_prefix.size()) == join_ack_prefix)
      return on_join_ack(r, c, packet);
  }

  // The hot path: runs once per delivery, so it looks only at "s" (and "t" in rate mode).
  void on_delivery(receiver& r, std::string_view packet) {
    auto at = packet.find(seq_key, delivery_prefix.size());
    std::uint64_t seq = 0;
    const char* end = packet.data() + packet.size();
    const char* digits_end = nullptr;
    if (at != std::string_view::npos) {
      auto [ptr, ec] = std::from_chars(packet.data() + at + seq_key.size(), end, seq);
      if (ec == std::errc{})
        digits_end = ptr;
    }
    if (digits_end == nullptr || seq >= next_seq_) {
      note_malformed(packet);
      return;
    }
    if (seq < r.next_seq) {
      ++result_->duplicates;
      return;
    }
    for (auto s = r.next_seq; s <= seq; ++s)
      ++pending_[s - base_seq_].resolved;
    r.next_seq = seq + 1;
    auto& delivered = pending_[seq - base_seq_].delivered;
    ++delivered;
    if (seq >= first_measured_) {
      if (phase_ == phase::measuring)
        ++result_->deliveries;
      else
        ++result_->drained;
      if (opts_.rate_mode())
        record_latency(std::string_view{digits_end, static_cast<std::size_t>(end - digits_end)});
    } else if (delivered == receiver_count_) {
      warm_up_reached_all_ = true;
    }
    if (pending_.front().resolved == receiver_count_)
      retire_resolved();
  }

  void record_latency(std::string_view rest) {
    auto at = rest.find(time_key);
    std::int64_t sent_at = 0;
    if (at == std::string_view::npos
        || std::from_chars(rest.data() + at + time_key.size(), rest.data() + rest.size(),
                           sent_at)
               .ec
             != std::errc{})
      return;
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

  void note_malformed(std::string_view packet) {
    if (++malformed_ <= 3)
      result_->errors.push_back("unexpected frame: 4" + std::string{packet.substr(0, 120)});
  }

  void on_failed(connection& c, std::string_view what) override {
    std::string line = who(c) + ": " + std::string{what};
    switch (phase_) {
      case phase::connecting:
      case phase::warming_up:
        return setup_failed(line);
      case phase::measuring:
      case phase::draining:
        // The lost receiver's messages will never resolve: waiting longer measures nothing.
        result_->errors.push_back(line);
        end_window();
        return finish();
      case phase::done:
        return;
    }
  }

  // ---- plumbing ----

  void teardown() {
    if (malformed_ > 3)
      result_->errors.push_back(std::to_string(malformed_ - 3) + " more unexpected frames");
    if (result_->setup_error.empty()) {
      auto expected = result_->sent * receiver_count_;
      auto got = result_->deliveries + result_->drained;
      result_->lost = expected > got ? expected - got : 0;
    }
    // Handlers of aborted operations still refer to the connections: let them all run before
    // anything is destroyed.
    deadline_.cancel();
    pacer_.cancel();
    if (receivers_ramp_)
      receivers_ramp_->abort_all();
    if (publisher_)
      publisher_->abort();
    io_.restart();
    io_.run_for(std::chrono::seconds(2));
  }

  const fanout_options& opts_;
  const std::uint32_t receiver_count_;
  std::unique_ptr<fanout_result> result_;
  std::string join_packet_;
  std::string emit_prefix_;
  std::string padding_;

  // One thread drives everything, so the io_context need not lock anything.
  asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  asio::steady_timer deadline_{io_};
  asio::steady_timer pacer_{io_};
  std::vector<connect_target> targets_; // connections refer to these: never resized once filled
  const std::vector<asio::ip::address> no_sources_;
  cost_window costs_{opts_.server_pids};
  std::vector<receiver> receivers_;
  std::optional<connection_ramp> receivers_ramp_;
  std::unique_ptr<connection> publisher_;
  phase phase_ = phase::connecting;
  std::size_t joined_ = 0;

  // Messages from base_seq_ on that some receiver has not resolved yet, in seq order.
  std::deque<slot> pending_;
  std::uint64_t base_seq_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t first_measured_ = std::numeric_limits<std::uint64_t>::max();
  bool warm_up_reached_all_ = false;
  std::uint64_t rate_sent_ = 0;
  std::uint64_t malformed_ = 0;

  clock_type::time_point window_start_;
  clock_type::time_point window_end_;
  clock_type::time_point drain_started_;
  clock_type::time_point drain_last_progress_;
  std::uint64_t drained_at_last_check_ = 0;
};

} // namespace

std::unique_ptr<fanout_result> run_fanout(const fanout_options& opts) {
  return fanout_run{opts}.run();
}

} // namespace atrium::bench
