#include "tools/bench/rooms.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tools/bench/connection.hpp"
#include "tools/bench/connection_ramp.hpp"
#include "tools/bench/loop.hpp"
#include "tools/bench/rooms_ledger.hpp"
#include "tools/bench/target.hpp"

namespace atrium::bench {

namespace {

namespace asio = boost::asio;

// More simultaneous handshakes only overflow the server's accept queue and cost SYN retries.
constexpr std::size_t max_connecting = 128;
constexpr auto warm_up_interval = std::chrono::milliseconds(200);
constexpr auto warm_up_timeout = std::chrono::seconds(10);
// After the window, in-flight messages may take long to arrive from an overloaded server: wait
// as long as they keep coming, but never past a silence of drain_idle or drain_cap in all.
constexpr auto drain_idle = std::chrono::seconds(10);
constexpr auto drain_cap = std::chrono::seconds(120);
constexpr auto drain_check = std::chrono::milliseconds(500);
// Once every message is complete, a duplicate or a stray may still be on its way.
constexpr auto settle_time = std::chrono::milliseconds(250);

// Every frame a client gets for the bench event starts so; what follows is {"s":..,"p":..}.
constexpr std::string_view delivery_prefix = R"(2["m",)";
constexpr std::string_view seq_key = R"("s":)";
constexpr std::string_view join_ack_prefix = "30[";

class rooms_run final : public connection::handler {
public:
  explicit rooms_run(const rooms_options& opts)
    : opts_(opts),
      ledger_(opts.clients, opts.rooms, opts.per_client, opts.union_size, opts.window, opts.seed),
      result_(std::make_unique<rooms_result>()) {
    padding_.assign(opts.payload, 'x');
    for (std::uint32_t r = 0; r < opts.rooms; ++r)
      room_json_.push_back("\"r" + std::to_string(r) + "\"");
  }

  std::unique_ptr<rooms_result> run() {
    if (prepare()) {
      clients_->start_more();
      arm(deadline_, std::chrono::duration<double>(opts_.connect_timeout),
          [this] { setup_failed(describe_connect_timeout()); });
      io_.run();
    }
    teardown();
    return std::move(result_);
  }

private:
  enum class phase { connecting, warming_up, measuring, draining, settling, done };

  bool prepare() {
    targets_ = resolve_targets(opts_.urls, result_->setup_error);
    if (targets_.empty())
      return false;
    result_->setup_error = costs_.check();
    if (!result_->setup_error.empty())
      return false;
    joined_.assign(opts_.clients, false);
    clients_.emplace(io_, targets_, no_sources_, *this,
                     connection_ramp::plan{opts_.clients, max_connecting, 0});
    publishers_.emplace(io_, targets_, no_sources_, *this,
                        connection_ramp::plan{opts_.publishers, opts_.publishers, opts_.clients});
    return true;
  }

  bool is_client(const connection& c) const { return c.id() < opts_.clients; }

  std::string who(const connection& c) const {
    if (is_client(c))
      return "client " + std::to_string(c.id()) + " ("
             + opts_.urls[clients_->target_of(c.id())].text + ")";
    auto p = publishers_->index_of(c);
    return "publisher " + std::to_string(p) + " (" + opts_.urls[publishers_->target_of(p)].text
           + ")";
  }

  // ---- connecting: every client joins its rooms, then the publishers connect ----

  void on_open(connection& c) override {
    if (!is_client(c)) {
      publishers_->settle();
      if (publishers_->all_settled())
        start_warm_up();
      return;
    }
    auto client = static_cast<std::uint32_t>(c.id());
    std::string join = R"(420["join",[)";
    const auto* rooms = ledger_.rooms_of(client);
    for (std::uint32_t i = 0; i < ledger_.per_client(); ++i)
      join += (i ? "," : "") + room_json_[rooms[i]];
    c.send(join + "]]");
  }

  void on_join_ack(connection& c, std::string_view packet) {
    if (joined_[c.id()])
      return;
    if (packet.find(R"("ok":true)") == std::string_view::npos)
      return setup_failed(who(c) + ": join refused: " + std::string{packet});
    joined_[c.id()] = true;
    clients_->settle();
    if (clients_->all_settled())
      publishers_->start_more();
  }

  std::string describe_connect_timeout() const {
    return "within " + format_seconds(opts_.connect_timeout) + " s, "
           + std::to_string(clients_->settled_count()) + " of " + std::to_string(opts_.clients)
           + " clients joined their rooms and " + std::to_string(publishers_->settled_count())
           + " of " + std::to_string(opts_.publishers) + " publishers connected";
  }

  // ---- warm-up: every publisher proves it reaches every recipient before anything counts ----

  void start_warm_up() {
    phase_ = phase::warming_up;
    proven_.assign(opts_.publishers, false);
    arm(deadline_, warm_up_timeout, [this] { setup_failed(describe_warm_up_timeout()); });
    warm_up_round();
    warm_up_tick();
  }

  // A round is one message per publisher (as many as the window takes). Messages lost while a
  // cluster is still meshing would block the window: they are given up when the next round
  // needs their room, and what they still deliver is ignored.
  void warm_up_round() {
    auto round = std::min(opts_.publishers, opts_.window);
    if (ledger_.in_flight() + round > opts_.window)
      ledger_.forget_all();
    for (std::uint32_t i = 0; i < round && phase_ == phase::warming_up; ++i) {
      auto seq = send_message();
      if (ledger_.complete(seq)) // to empty rooms: proves the publisher's connection only
        on_complete(seq);
    }
  }

  void warm_up_tick() {
    arm(pacer_, warm_up_interval, [this] {
      if (phase_ != phase::warming_up)
        return;
      warm_up_round();
      warm_up_tick();
    });
  }

  std::string describe_warm_up_timeout() const {
    return "warm-up: within " + std::to_string(std::chrono::seconds(warm_up_timeout).count())
           + " s, messages of only " + std::to_string(proven_count_) + " of "
           + std::to_string(opts_.publishers) + " publishers reached all their recipients ("
           + std::to_string(ledger_.next()) + " sent)";
  }

  // ---- the measured window ----

  void start_measuring() {
    phase_ = phase::measuring;
    pacer_.cancel();
    ledger_.forget_all();
    first_measured_ = ledger_.next();
    costs_.start();
    window_start_ = clock_type::now();
    arm(deadline_, seconds_to_duration(opts_.seconds), [this] { end_window(); });
    fill_window();
  }

  void fill_window() {
    while (ledger_.in_flight() < opts_.window)
      send_message();
  }

  void end_window() {
    if (phase_ != phase::measuring)
      return;
    auto end = clock_type::now();
    phase_ = phase::draining;
    result_->seconds = std::chrono::duration<double>(end - window_start_).count();
    result_->sent = ledger_.next() - first_measured_;
    result_->servers = costs_.servers();
    result_->bench = costs_.bench();
    if (ledger_.in_flight() == 0)
      return start_settling();
    drain_started_ = end;
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
      if (now - drain_last_progress_ < drain_idle && now - drain_started_ < drain_cap)
        return drain_tick();
      auto waited = std::chrono::duration<double>(now - drain_started_).count();
      result_->errors.push_back("gave up after " + format_seconds(waited) + " s with "
                                + std::to_string(ledger_.in_flight())
                                + " messages not yet received by all their recipients");
      finish();
    });
  }

  void start_settling() {
    phase_ = phase::settling;
    arm(deadline_, settle_time, [this] { finish(); });
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

  // Publishers take turns by seq, so a message's publisher is its seq modulo their count.
  std::uint64_t send_message() {
    auto seq = ledger_.add_message();
    std::string text;
    text.reserve(64 + 8 * opts_.union_size + padding_.size());
    text += R"(42["emit",{"to":[)";
    const auto* targets = ledger_.targets_of(seq);
    for (std::uint32_t i = 0; i < ledger_.union_size(); ++i) {
      if (i)
        text += ',';
      text += room_json_[targets[i]];
    }
    text += R"(],"event":"m","args":[{"s":)";
    auto digits = std::to_string(seq);
    text += digits;
    text += R"(,"p":")";
    // {"s":,"p":""} is 13 characters; the digits and the padding make up the rest.
    auto fixed = 13 + digits.size();
    if (padding_.size() > fixed)
      text.append(padding_, 0, padding_.size() - fixed);
    text += R"("}],"self":true}])";
    publishers_->at(seq % opts_.publishers).send(std::move(text));
    return seq;
  }

  void on_packet(connection& c, std::string_view packet) override {
    bool delivery = packet.substr(0, delivery_prefix.size()) == delivery_prefix;
    if (!is_client(c)) {
      if (delivery) // a publisher is in no room
        count_unexpected(c, packet);
      return;
    }
    if (delivery)
      return on_delivery(c, packet);
    if (packet.substr(0, join_ack_prefix.size()) == join_ack_prefix)
      return on_join_ack(c, packet);
  }

  // The hot path: runs once per delivery, so it looks only at "s".
  void on_delivery(connection& c, std::string_view packet) {
    auto at = packet.find(seq_key, delivery_prefix.size());
    std::uint64_t seq = 0;
    if (at == std::string_view::npos
        || std::from_chars(packet.data() + at + seq_key.size(), packet.data() + packet.size(),
                           seq)
               .ec
             != std::errc{})
      return note_malformed(packet);
    switch (ledger_.deliver(static_cast<std::uint32_t>(c.id()), seq)) {
      case rooms_ledger::verdict::first:
        if (seq >= first_measured_) {
          if (phase_ == phase::measuring)
            ++result_->deliveries;
          else
            ++result_->drained;
        }
        if (ledger_.complete(seq))
          on_complete(seq);
        return;
      case rooms_ledger::verdict::duplicate:
        ++result_->duplicates;
        return;
      case rooms_ledger::verdict::unexpected:
        return count_unexpected(c, packet);
      case rooms_ledger::verdict::unknown:
        return note_malformed(packet);
      case rooms_ledger::verdict::ignored:
        return;
    }
  }

  void on_complete(std::uint64_t seq) {
    switch (phase_) {
      case phase::warming_up:
        if (!proven_[seq % opts_.publishers]) {
          proven_[seq % opts_.publishers] = true;
          if (++proven_count_ == opts_.publishers)
            start_measuring();
        }
        return;
      case phase::measuring:
        return fill_window();
      case phase::draining:
        if (ledger_.in_flight() == 0)
          start_settling();
        return;
      default:
        return;
    }
  }

  void count_unexpected(connection& c, std::string_view packet) {
    if (++result_->unexpected <= 3)
      result_->errors.push_back(who(c) + " is in none of the rooms of: 4"
                                + std::string{packet.substr(0, 120)});
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
      case phase::settling:
        // The lost client's messages will never complete: waiting longer measures nothing.
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
    if (result_->unexpected > 3)
      result_->errors.push_back(std::to_string(result_->unexpected - 3)
                                + " more deliveries to clients outside the rooms");
    if (result_->setup_error.empty() && first_measured_ <= ledger_.next()) {
      result_->expected = ledger_.expected_since(first_measured_);
      result_->lost = ledger_.missing_since(first_measured_);
    }
    // Handlers of aborted operations still refer to the connections: let them all run before
    // anything is destroyed.
    deadline_.cancel();
    pacer_.cancel();
    if (clients_)
      clients_->abort_all();
    if (publishers_)
      publishers_->abort_all();
    io_.restart();
    io_.run_for(std::chrono::seconds(2));
  }

  const rooms_options& opts_;
  rooms_ledger ledger_;
  std::unique_ptr<rooms_result> result_;
  std::string padding_;
  std::vector<std::string> room_json_; // "r17", quoted

  // One thread drives everything, so the io_context need not lock anything.
  asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  asio::steady_timer deadline_{io_};
  asio::steady_timer pacer_{io_};
  std::vector<connect_target> targets_; // connections refer to these: never resized once filled
  const std::vector<asio::ip::address> no_sources_;
  cost_window costs_{opts_.server_pids};
  std::vector<bool> joined_;
  std::optional<connection_ramp> clients_;     // ids 0 .. clients-1
  std::optional<connection_ramp> publishers_;  // ids clients .. clients+publishers-1
  std::vector<bool> proven_;                   // warm-up: a message of this publisher completed
  std::uint32_t proven_count_ = 0;
  phase phase_ = phase::connecting;

  std::uint64_t first_measured_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t malformed_ = 0;
  clock_type::time_point window_start_;
  clock_type::time_point drain_started_;
  clock_type::time_point drain_last_progress_;
  std::uint64_t drained_at_last_check_ = 0;
};

} // namespace

std::unique_ptr<rooms_result> run_rooms(const rooms_options& opts) {
  return rooms_run{opts}.run();
}

} // namespace atrium::bench
