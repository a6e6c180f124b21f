#include "tools/bench/rooms.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <string_view>

#include "tools/bench/bench_event.hpp"
#include "tools/bench/connection.hpp"
#include "tools/bench/connection_ramp.hpp"
#include "tools/bench/error_tally.hpp"
#include "tools/bench/loop.hpp"
#include "tools/bench/publisher_order.hpp"
#include "tools/bench/room_emit.hpp"
#include "tools/bench/rooms_ledger.hpp"
#include "tools/bench/workload_run.hpp"

namespace atrium::bench {

namespace {

constexpr auto warm_up_interval = std::chrono::milliseconds(200);
constexpr auto warm_up_timeout = std::chrono::seconds(10);
// Once every message is complete, a duplicate or a stray may still be on its way.
constexpr auto settle_time = std::chrono::milliseconds(250);

class rooms_run final : public workload_run<rooms_options, rooms_result> {
public:
  explicit rooms_run(const rooms_options& opts)
    : workload_run(opts),
      ledger_(opts.clients, opts.rooms, opts.per_client, opts.union_size, opts.window, opts.seed),
      order_(opts.clients, opts.publishers) {
    padding_.assign(opts.payload, 'x');
    room_json_ = quoted_room_names("r", opts.rooms);
  }

private:
  bool prepare() override {
    if (!resolve_and_check())
      return false;
    joined_.assign(opts_.clients, false);
    clients_.emplace(io_, targets_, sources_, *this,
                     connection_ramp::plan{opts_.clients, max_handshakes, 0});
    publishers_.emplace(io_, targets_, sources_, *this,
                        connection_ramp::plan{opts_.publishers, opts_.publishers, opts_.clients});
    return true;
  }

  void start() override {
    clients_->start_more();
    limit_connecting([this] { return describe_connect_timeout(); });
  }

  bool is_client(const connection& c) const { return c.id() < opts_.clients; }

  std::string who(const connection& c) const override {
    if (is_client(c))
      return clients_->name_of(c, "client", opts_.urls);
    return publishers_->name_of(c, "publisher", opts_.urls);
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
    if (packet.find(ack_ok) == std::string_view::npos)
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
    pacer_.cancel();
    ledger_.forget_all();
    first_measured_ = ledger_.next();
    open_window([this] { end_window(); });
    fill_window();
  }

  void fill_window() {
    while (ledger_.in_flight() < opts_.window)
      send_message();
  }

  void end_window() {
    if (!close_window())
      return;
    result_->sent = ledger_.next() - first_measured_;
    if (ledger_.in_flight() == 0)
      return start_settling();
    watch_drain(
      [this](double waited) {
        result_->errors.push_back("gave up after " + format_seconds(waited) + " s with "
                                  + std::to_string(ledger_.in_flight())
                                  + " messages not yet received by all their recipients");
        finish();
      },
      drain_cap);
  }

  void start_settling() {
    phase_ = phase::settling;
    arm(deadline_, settle_time, [this] { finish(); });
  }

  // ---- messages ----

  // Publishers take turns by seq, so a message's publisher is its seq modulo their count.
  std::uint64_t send_message() {
    auto seq = ledger_.add_message();
    publishers_->at(seq % opts_.publishers)
      .send(room_emit_packet(room_json_, ledger_.targets_of(seq), ledger_.union_size(), seq,
                             padding_, false));
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
    std::uint64_t seq = 0;
    if (!read_field(packet, seq_key, delivery_prefix.size(), seq))
      return note_malformed(packet);
    auto client = static_cast<std::uint32_t>(c.id());
    switch (ledger_.deliver(client, seq)) {
      case rooms_ledger::verdict::first:
        if (!order_.arrived(client, seq))
          count_out_of_order(c, client, seq);
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

  void count_out_of_order(connection& c, std::uint32_t client, std::uint64_t seq) {
    out_of_order_.add(result_->errors, [&] {
      return who(c) + " got message " + std::to_string(seq) + " of publisher "
             + std::to_string(seq % opts_.publishers) + " after its message "
             + std::to_string(order_.latest(client, seq));
    });
  }

  void count_unexpected(connection& c, std::string_view packet) {
    unexpected_.add(result_->errors, [&] {
      return who(c) + " is in none of the rooms of: " + quote_packet(packet);
    });
  }

  void on_failed(connection& c, std::string_view what) override {
    // The lost client's messages will never complete: waiting longer measures nothing.
    if (note_failure(c, what)) {
      end_window();
      finish();
    }
  }

  // ---- the end ----

  void conclude() override {
    unexpected_.close(result_->errors);
    result_->unexpected = unexpected_.count();
    out_of_order_.close(result_->errors);
    result_->out_of_order = out_of_order_.count();
    if (result_->setup_error.empty() && first_measured_ <= ledger_.next()) {
      result_->expected = ledger_.expected_since(first_measured_);
      result_->lost = ledger_.missing_since(first_measured_);
    }
  }

  void abort_connections() override {
    if (clients_)
      clients_->abort_all();
    if (publishers_)
      publishers_->abort_all();
  }

  rooms_ledger ledger_;
  publisher_order order_;
  std::string padding_;
  std::vector<std::string> room_json_; // "r17", quoted

  std::vector<bool> joined_;
  std::optional<connection_ramp> clients_;     // ids 0 .. clients-1
  std::optional<connection_ramp> publishers_;  // ids clients .. clients+publishers-1
  std::vector<bool> proven_;                   // warm-up: a message of this publisher completed
  std::uint32_t proven_count_ = 0;

  std::uint64_t first_measured_ = std::numeric_limits<std::uint64_t>::max();
  error_tally unexpected_{"deliveries to clients outside the rooms"};
  error_tally out_of_order_{"deliveries out of their publisher's order"};
};

} // namespace

std::unique_ptr<rooms_result> run_rooms(const rooms_options& opts) {
  return rooms_run{opts}.run();
}

} // namespace atrium::bench
