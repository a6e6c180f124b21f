#include "tools/bench/soak.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <deque>
#include <optional>
#include <random>
#include <string_view>
#include <utility>

#include "tools/bench/bench_event.hpp"
#include "tools/bench/connection.hpp"
#include "tools/bench/connection_ramp.hpp"
#include "tools/bench/error_tally.hpp"
#include "tools/bench/loop.hpp"
#include "tools/bench/proc_stats.hpp"
#include "tools/bench/publisher_order.hpp"
#include "tools/bench/room_emit.hpp"
#include "tools/bench/soak_ledger.hpp"
#include "tools/bench/workload_run.hpp"

namespace atrium::bench {

namespace {

// The load is paced by one timer: every tick sends what its rates have made due since the start.
constexpr auto tick_interval = std::chrono::milliseconds(10);
// Retiring messages, closing and burying connections, and the timeouts: four times a second.
constexpr unsigned audit_every_ticks = 25;
// A message done this long ago is dropped from the books: a duplicate or a stray of it would
// come sooner from any server that is not stalled.
constexpr auto grace = std::chrono::seconds(2);
// What is owed and has not come this long after the send is lost; an ack, missing.
constexpr auto give_up = std::chrono::seconds(30);
// After the load, a moment for strays and duplicates still on their way.
constexpr auto settle_time = std::chrono::milliseconds(500);
// A clean disconnect sends Socket.IO DISCONNECT (`41`) and closes the TCP connection this much
// later; the others close it at once, as a lost network would.
constexpr auto clean_close_delay = std::chrono::milliseconds(100);
// An aborted connection's handlers run on the loop's next turns: it is destroyed well after.
constexpr auto bury_after = std::chrono::seconds(5);
// Random picks of a steady client before a churn or a move is skipped.
constexpr int pick_tries = 8;

// How many of a steady rate are due: counted from the start of the load, not from the last
// tick, so a late timer never lowers the rate (what is late goes out on the next tick).
struct steady_rate {
  double per_second = 0;
  std::uint64_t done = 0;

  std::uint64_t due(double elapsed_s) const {
    auto total = static_cast<std::uint64_t>(std::floor(per_second * elapsed_s));
    return total > done ? total - done : 0;
  }
};

// Floyd's algorithm: `count` distinct values in [0, n), no rejection loop.
template <class Rng>
void sample_distinct(Rng& rng, std::uint32_t n, std::uint32_t count,
                     std::vector<std::uint32_t>& out) {
  out.clear();
  for (std::uint32_t j = n - count; j < n; ++j) {
    auto t = std::uniform_int_distribution<std::uint32_t>{0, j}(rng);
    out.push_back(std::find(out.begin(), out.end(), t) == out.end() ? t : j);
  }
}

class soak_run final : public workload_run<soak_options, soak_result> {
public:
  explicit soak_run(const soak_options& opts)
    : workload_run(opts), ledger_(opts.clients, opts.rooms),
      order_(opts.clients, opts.publishers), rng_(opts.seed),
      broadcasts_{opts.broadcast_rate}, churns_{opts.churn_rate}, moves_{opts.move_rate} {
    padding_.assign(opts.payload, 'x');
    room_json_ = quoted_room_names("s", opts.rooms);
  }

private:
  enum class slot_state : std::uint8_t {
    connecting,  // a session is opening
    joining,     // it has asked to join its rooms
    steady,      // in its rooms, owed what they get
    waiting,     // waits for what it is owed before it makes a change (next)
    moving,      // a leave and a join in flight
    down,        // its session was lost: a new one opens at the next audit
  };
  enum class change : std::uint8_t { none, churn, move };
  enum class request_kind : std::uint8_t { join_all, join, leave };

  struct request {
    std::uint64_t id;
    request_kind kind;
    std::uint32_t room;  // join, leave
    clock_type::time_point sent_at;
  };

  // A client of the steady population: one session at a time, each a new connection.
  struct client_slot {
    connection* conn = nullptr;
    std::unique_ptr<connection> owned;  // sessions after the first: the ramp owns the first
    std::uint32_t generation = 0;
    slot_state state = slot_state::connecting;
    change next = change::none;
    bool open = false;                  // the session is connected to the namespace
    std::vector<std::uint32_t> rooms;   // per_client of them; a move swaps one
    std::vector<request> requests;      // sent, not yet acked
    std::uint64_t next_ack_id = 0;
    clock_type::time_point since;       // when a later session started: --connect-timeout
  };

  // A closed session's connection, kept until its handlers have run.
  struct grave {
    connection* conn;
    std::unique_ptr<connection> owned;
    clock_type::time_point abort_at;
    bool aborted;
  };

  // ---- ids: publishers 0 .. P-1, then client sessions P + slot + generation * clients ----

  bool is_publisher(const connection& c) const { return c.id() < opts_.publishers; }
  std::uint32_t slot_of(const connection& c) const {
    return static_cast<std::uint32_t>((c.id() - opts_.publishers) % opts_.clients);
  }
  // Deliveries and acks on a session the bench has closed are no longer judged.
  bool is_current(const connection& c) const { return slots_[slot_of(c)].conn == &c; }

  std::string who(const connection& c) const override {
    if (is_publisher(c))
      return publishers_->name_of(c, "publisher", opts_.urls);
    auto slot = slot_of(c);
    auto session = (c.id() - opts_.publishers) / opts_.clients;
    return "client " + std::to_string(slot) + " session " + std::to_string(session) + " ("
           + opts_.urls[slot % opts_.urls.size()].text + ")";
  }

  // ---- connecting: every client joins its rooms, then the publishers connect ----

  bool prepare() override {
    if (!resolve_and_check())
      return false;
    slots_.resize(opts_.clients);
    for (auto& s : slots_)
      sample_distinct(rng_, opts_.rooms, opts_.per_client, s.rooms);
    publishers_.emplace(io_, targets_, sources_, *this,
                        connection_ramp::plan{opts_.publishers, opts_.publishers, 0});
    clients_.emplace(io_, targets_, sources_, *this,
                     connection_ramp::plan{opts_.clients, max_handshakes, opts_.publishers});
    return true;
  }

  void start() override {
    clients_->start_more();
    adopt_first_sessions();
    limit_connecting([this] {
      return "within " + format_seconds(opts_.connect_timeout) + " s, "
             + std::to_string(clients_->settled_count()) + " of " + std::to_string(opts_.clients)
             + " clients joined their rooms and " + std::to_string(publishers_->settled_count())
             + " of " + std::to_string(opts_.publishers) + " publishers connected";
    });
  }

  // The ramp opens the first sessions as earlier ones settle, in slot order.
  void adopt_first_sessions() {
    for (; adopted_ < clients_->started_count(); ++adopted_)
      slots_[adopted_].conn = &clients_->at(adopted_);
  }

  void on_open(connection& c) override {
    if (is_publisher(c)) {
      ++open_sessions_;
      publishers_->settle();
      if (publishers_->all_settled())
        start_load();
      return;
    }
    if (!is_current(c))
      return;
    auto& s = slots_[slot_of(c)];
    s.open = true;
    ++open_sessions_;
    if (phase_ == phase::measuring)
      ++result_->connects;
    join_all(slot_of(c));
  }

  void join_all(std::uint32_t slot) {
    auto& s = slots_[slot];
    s.state = slot_state::joining;
    std::string list = "[";
    for (std::size_t i = 0; i < s.rooms.size(); ++i) {
      list += (i ? "," : "") + room_json_[s.rooms[i]];
      ledger_.joining(slot, s.rooms[i]);
    }
    send_request(slot, request_kind::join_all, 0, "join", list + "]");
  }

  // `42ID["join"|"leave",ARG]`, acked `3ID[{"ok":true}]`.
  void send_request(std::uint32_t slot, request_kind kind, std::uint32_t room, const char* event,
                    const std::string& arg) {
    auto& s = slots_[slot];
    auto id = s.next_ack_id++;
    s.requests.push_back({id, kind, room, clock_type::now()});
    s.conn->send("42" + std::to_string(id) + "[\"" + event + "\"," + arg + "]");
  }

  // ---- the load ----

  void start_load() {
    open_window([this] { end_load(); });
    for (int pid : opts_.server_pids)
      last_cpu_.push_back(cpu_seconds(pid));
    last_sample_at_ = window_start_;
    print_soak_sample_header(opts_);
    take_sample(window_start_);
    next_sample_at_ = window_start_ + seconds_to_duration(opts_.sample_every);
    tick();
  }

  void tick() {
    arm(pacer_, tick_interval, [this] {
      if (phase_ != phase::measuring)
        return;
      auto now = clock_type::now();
      auto elapsed = std::chrono::duration<double>(now - window_start_).count();
      for (auto n = broadcasts_.due(elapsed); n > 0; --n, ++broadcasts_.done)
        send_broadcast(now);
      for (auto n = churns_.due(elapsed); n > 0; --n, ++churns_.done)
        start_change(change::churn);
      for (auto n = moves_.due(elapsed); n > 0; --n, ++moves_.done)
        start_change(change::move);
      if (++ticks_ % audit_every_ticks == 0)
        audit(now);
      if (now >= next_sample_at_) {
        take_sample(now);
        next_sample_at_ += seconds_to_duration(opts_.sample_every);
      }
      tick();
    });
  }

  void send_broadcast(clock_type::time_point now) {
    sample_distinct(rng_, opts_.rooms, opts_.union_size, targets_buffer_);
    auto seq = ledger_.add_message(targets_buffer_, now);
    ++result_->sent;
    // The ack id is the seq: an ack names its message without a table per publisher.
    publishers_->at(seq % opts_.publishers)
      .send(room_emit_packet(room_json_, targets_buffer_.data(), targets_buffer_.size(), seq,
                             padding_, true));
  }

  // A steady client, or none after a few tries (most are steady at any time).
  std::optional<std::uint32_t> pick_steady() {
    std::uniform_int_distribution<std::uint32_t> pick{0, opts_.clients - 1};
    for (int i = 0; i < pick_tries; ++i) {
      auto slot = pick(rng_);
      if (slots_[slot].state == slot_state::steady)
        return slot;
    }
    return std::nullopt;
  }

  // A client stops being owed new messages, and makes the change once it has all it was owed:
  // until then, the server may still be delivering to it what it must get.
  void start_change(change what) {
    auto skipped = what == change::churn ? &result_->churns_skipped : &result_->moves_skipped;
    if (what == change::churn && connecting_ >= max_handshakes)
      return void(++*skipped);
    auto slot = pick_steady();
    if (!slot)
      return void(++*skipped);
    auto& s = slots_[*slot];
    s.state = slot_state::waiting;
    s.next = what;
    ledger_.set_owing(*slot, false);
    if (ledger_.owed(*slot) == 0)
      make_change(*slot);
  }

  void make_change(std::uint32_t slot) {
    auto& s = slots_[slot];
    auto what = std::exchange(s.next, change::none);
    if (what == change::churn) {
      // Half the clients say goodbye, half vanish: the server has both paths to clean up.
      bool clean = result_->disconnects % 2 == 0;
      ++result_->disconnects;
      if (clean)
        ++result_->clean_disconnects;
      return replace_session(slot, clean);
    }
    // A move: leave one of its rooms for one it is not in, both requests at once.
    auto k = std::uniform_int_distribution<std::size_t>{0, s.rooms.size() - 1}(rng_);
    std::uniform_int_distribution<std::uint32_t> pick_room{0, opts_.rooms - 1};
    std::uint32_t to = 0;
    do
      to = pick_room(rng_);
    while (std::find(s.rooms.begin(), s.rooms.end(), to) != s.rooms.end());
    auto from = std::exchange(s.rooms[k], to);
    s.state = slot_state::moving;
    ledger_.leaving(slot, from);
    send_request(slot, request_kind::leave, from, "leave", room_json_[from]);
    ledger_.joining(slot, to);
    send_request(slot, request_kind::join, to, "join", room_json_[to]);
  }

  // Ends the slot's session (the bench's books first, then the connection) and opens the next.
  void replace_session(std::uint32_t slot, bool clean) {
    if (clean)
      slots_[slot].conn->send("41");
    end_session(slot, clean ? clean_close_delay : clock_type::duration::zero());
    open_session(slot);
  }

  // Forgets the slot's session: no longer in any room, nothing owed, its connection closed
  // (now, or after close_in) and destroyed later.
  void end_session(std::uint32_t slot, clock_type::duration close_in) {
    auto& s = slots_[slot];
    ledger_.session_ended(slot);
    order_.reset(slot);
    s.requests.clear();
    if (s.open) {
      s.open = false;
      --open_sessions_;
    }
    if (s.state == slot_state::connecting || s.state == slot_state::joining)
      --connecting_;
    bool closed = close_in == clock_type::duration::zero();
    if (closed)
      s.conn->abort();
    graves_.push_back({s.conn, std::move(s.owned), clock_type::now() + close_in, closed});
    s.conn = nullptr;
  }

  void open_session(std::uint32_t slot) {
    auto& s = slots_[slot];
    ++s.generation;
    auto id = opts_.publishers + slot
              + static_cast<std::size_t>(s.generation) * opts_.clients;
    s.owned = std::make_unique<connection>(io_, targets_[slot % targets_.size()], *this, id);
    s.conn = s.owned.get();
    s.state = slot_state::connecting;
    s.since = clock_type::now();
    ++connecting_;
    s.conn->start();
  }

  // ---- what comes back ----

  void on_packet(connection& c, std::string_view packet) override {
    bool delivery = packet.substr(0, delivery_prefix.size()) == delivery_prefix;
    if (is_publisher(c)) {
      if (delivery) // a publisher is in no room
        return note_stray(c, packet);
      if (!packet.empty() && packet.front() == '3')
        on_emit_ack(c, packet);
      return;
    }
    if (!is_current(c))
      return;
    if (delivery)
      return on_delivery(c, packet);
    if (!packet.empty() && packet.front() == '3')
      on_request_ack(c, packet);
  }

  // `3ID[...]`: the id, and the answer after it.
  static bool read_ack(std::string_view packet, std::uint64_t& id, std::string_view& body) {
    auto [end, ec] = std::from_chars(packet.data() + 1, packet.data() + packet.size(), id);
    if (ec != std::errc{})
      return false;
    body = packet.substr(static_cast<std::size_t>(end - packet.data()));
    return true;
  }

  void on_emit_ack(connection& c, std::string_view packet) {
    std::uint64_t seq = 0;
    std::string_view body;
    if (!read_ack(packet, seq, body))
      return note_malformed(packet);
    if (body.find(ack_ok) == std::string_view::npos)
      note_refused(c, packet);
    if (ledger_.acked(seq, clock_type::now()) != soak_ledger::ack_verdict::first)
      note_unexpected_ack(c, packet);
    if (phase_ == phase::draining) {
      ++result_->drained;
      check_drained();
    }
  }

  // The hot path: once per delivery.
  void on_delivery(connection& c, std::string_view packet) {
    std::uint64_t seq = 0;
    if (!read_field(packet, seq_key, delivery_prefix.size(), seq))
      return note_malformed(packet);
    auto slot = slot_of(c);
    switch (ledger_.deliver(slot, seq, clock_type::now())) {
      case soak_ledger::verdict::owed:
        check_order(c, slot, seq);
        count_delivery();
        if (slots_[slot].state == slot_state::waiting && ledger_.owed(slot) == 0)
          make_change(slot);
        return;
      case soak_ledger::verdict::may:
        check_order(c, slot, seq);
        return count_delivery();
      case soak_ledger::verdict::duplicate:
        return; // the ledger counts them
      case soak_ledger::verdict::stray:
        return note_stray(c, packet);
      case soak_ledger::verdict::retired:
        return note_late(c, packet);
      case soak_ledger::verdict::unknown:
        return note_malformed(packet);
    }
  }

  // Owed or not, a broadcast the session gets must not come after a later one of its publisher.
  void check_order(connection& c, std::uint32_t slot, std::uint64_t seq) {
    if (order_.arrived(slot, seq))
      return;
    out_of_order_.add(result_->errors, [&] {
      return who(c) + " got broadcast " + std::to_string(seq) + " of publisher "
             + std::to_string(seq % opts_.publishers) + " after its broadcast "
             + std::to_string(order_.latest(slot, seq));
    });
  }

  void count_delivery() {
    if (phase_ == phase::measuring) {
      ++result_->deliveries;
    } else if (phase_ == phase::draining) {
      ++result_->drained;
      check_drained();
    }
  }

  void on_request_ack(connection& c, std::string_view packet) {
    auto slot = slot_of(c);
    auto& s = slots_[slot];
    std::uint64_t id = 0;
    std::string_view body;
    if (!read_ack(packet, id, body))
      return note_malformed(packet);
    auto it = std::find_if(s.requests.begin(), s.requests.end(),
                           [id](const request& r) { return r.id == id; });
    if (it == s.requests.end())
      return note_unexpected_ack(c, packet);
    auto done = *it;
    s.requests.erase(it);
    if (phase_ == phase::draining)
      ++result_->drained;
    if (body.find(ack_ok) == std::string_view::npos) {
      note_refused(c, packet);
      if (phase_ == phase::connecting)
        return setup_failed(who(c) + ": join refused: " + std::string{packet});
      // What the server did is unknown: a new session starts again from a known membership.
      return replace_session(slot, false);
    }
    bool measuring = phase_ == phase::measuring;
    switch (done.kind) {
      case request_kind::join_all:
        for (auto room : s.rooms)
          ledger_.joined(slot, room);
        if (measuring)
          result_->joins += s.rooms.size();
        if (phase_ == phase::connecting) {
          clients_->settle();
          adopt_first_sessions();
          if (clients_->all_settled())
            publishers_->start_more();
        } else {
          --connecting_;
        }
        break;
      case request_kind::join:
        ledger_.joined(slot, done.room);
        if (measuring)
          ++result_->joins;
        break;
      case request_kind::leave:
        ledger_.left(slot, done.room);
        if (measuring)
          ++result_->leaves;
        break;
    }
    if (s.requests.empty()) {
      s.state = slot_state::steady;
      ledger_.set_owing(slot, true);
    }
    check_drained();
  }

  void on_failed(connection& c, std::string_view what) override {
    if (is_publisher(c)) {
      // The broadcasts it had in flight will never be acked: the load is no longer the one
      // asked for.
      if (note_failure(c, what))
        end_load();
      return;
    }
    if (!is_current(c))
      return;
    if (phase_ == phase::connecting)
      return void(note_failure(c, what));
    dropped_.add(result_->errors, [&] { return who(c) + ": " + std::string{what}; });
    ++result_->dropped;
    auto slot = slot_of(c);
    end_session(slot, clock_type::duration::zero());
    // Reconnecting at once could spin against a server that refuses: the next audit does it.
    slots_[slot].state = slot_state::down;
    check_drained();
  }

  // ---- four times a second: the books, the graves, the timeouts ----

  void audit(clock_type::time_point now) {
    ledger_.retire(now, grace, give_up);
    auto connect_limit = seconds_to_duration(opts_.connect_timeout);
    for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
      auto& s = slots_[slot];
      switch (s.state) {
        case slot_state::down:
          open_session(slot);
          break;
        case slot_state::waiting:
          // What it waited for was given up on.
          if (ledger_.owed(slot) == 0)
            make_change(slot);
          break;
        case slot_state::connecting:
        case slot_state::joining:
          if (now - s.since > connect_limit) {
            stuck_.add(result_->errors, [&] {
              return who(*s.conn) + ": not in its rooms " + format_seconds(opts_.connect_timeout)
                     + " s after the session started (--connect-timeout)";
            });
            replace_session(slot, false);
          }
          break;
        default:
          if (!s.requests.empty() && now - s.requests.front().sent_at > give_up) {
            ++requests_missing_;
            stuck_.add(result_->errors, [&] {
              return who(*s.conn) + ": a request unanswered after "
                     + std::to_string(std::chrono::seconds(give_up).count()) + " s";
            });
            replace_session(slot, false);
          }
          break;
      }
    }
    bury(now);
  }

  void bury(clock_type::time_point now) {
    for (auto& g : graves_) {
      if (!g.aborted && now >= g.abort_at) {
        g.conn->abort();
        g.aborted = true;
      }
    }
    // The ramp owns the first sessions' connections: only the later ones are destroyed here.
    graves_.erase(std::remove_if(graves_.begin(), graves_.end(),
                                 [now](const grave& g) {
                                   return g.aborted && now - g.abort_at >= bury_after;
                                 }),
                  graves_.end());
  }

  // ---- samples ----

  void take_sample(clock_type::time_point now) {
    soak_sample s;
    s.t = std::chrono::duration<double>(now - window_start_).count();
    auto dt = std::chrono::duration<double>(now - last_sample_at_).count();
    for (std::size_t i = 0; i < opts_.server_pids.size(); ++i) {
      s.rss_kb.push_back(rss_kb(opts_.server_pids[i]));
      auto cpu = cpu_seconds(opts_.server_pids[i]);
      std::optional<double> share;
      if (cpu && last_cpu_[i] && dt > 0)
        share = (*cpu - *last_cpu_[i]) / dt * 100;
      s.cpu_percent.push_back(share);
      last_cpu_[i] = cpu;
    }
    last_sample_at_ = now;
    s.connections = open_sessions_;
    s.connects = result_->connects;
    s.disconnects = result_->disconnects;
    s.joins = result_->joins;
    s.leaves = result_->leaves;
    s.broadcasts = result_->sent;
    s.deliveries = result_->deliveries;
    print_soak_sample(s);
    result_->samples.push_back(std::move(s));
  }

  // ---- the end ----

  void end_load() {
    if (phase_ != phase::measuring)
      return;
    // The last sample is the end of the load, unless a tick has just taken it.
    auto now = clock_type::now();
    if (now - last_sample_at_ > seconds_to_duration(opts_.sample_every / 2))
      take_sample(now);
    close_window();
    // No change starts any more: a client waiting for one stays as it is.
    for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
      auto& s = slots_[slot];
      if (s.state == slot_state::waiting) {
        s.next = change::none;
        s.state = slot_state::steady;
        ledger_.set_owing(slot, true);
      }
    }
    if (drained())
      return start_settling();
    watch_drain(
      [this](double waited) {
        result_->errors.push_back("gave up after " + format_seconds(waited) + " s with "
                                  + std::to_string(ledger_.undone())
                                  + " broadcasts not yet acked or received by all they are owed "
                                    "to, and "
                                  + std::to_string(outstanding_requests())
                                  + " joins and leaves not yet acked");
        finish();
      },
      drain_cap);
  }

  std::uint64_t outstanding_requests() const {
    std::uint64_t n = 0;
    for (const auto& s : slots_)
      n += s.requests.size();
    return n;
  }

  // Everything the load sent has been answered. Sessions lost (down) are not reopened.
  bool drained() const { return ledger_.undone() == 0 && outstanding_requests() == 0; }

  void check_drained() {
    if (phase_ == phase::draining && drained())
      start_settling();
  }

  void start_settling() {
    watch_.stop();
    phase_ = phase::settling;
    arm(deadline_, settle_time, [this] { finish(); });
  }

  void note_stray(connection& c, std::string_view packet) {
    strays_.add(result_->errors, [&] {
      return who(c) + " is in none of the rooms of: " + quote_packet(packet);
    });
  }

  void note_late(connection& c, std::string_view packet) {
    strays_.add(result_->errors, [&] {
      return who(c) + ": a broadcast done or given up long before: " + quote_packet(packet);
    });
  }

  void note_refused(connection& c, std::string_view packet) {
    refused_.add(result_->errors, [&] { return who(c) + ": refused: " + quote_packet(packet); });
  }

  void note_unexpected_ack(connection& c, std::string_view packet) {
    unexpected_acks_.add(result_->errors, [&] {
      return who(c) + ": an ack no request waits for: " + quote_packet(packet);
    });
  }

  void conclude() override {
    ledger_.retire_all();
    result_->expected = ledger_.owed_total();
    result_->lost = ledger_.lost();
    result_->duplicates = ledger_.duplicates();
    result_->may = ledger_.may_total();
    result_->may_delivered = ledger_.may_delivered();
    result_->strays = strays_.count();
    result_->out_of_order = out_of_order_.count();
    result_->acks_refused = refused_.count();
    if (result_->setup_error.empty())
      result_->acks_missing = ledger_.acks_missing() + requests_missing_ + outstanding_requests();
    strays_.close(result_->errors);
    out_of_order_.close(result_->errors);
    refused_.close(result_->errors);
    unexpected_acks_.close(result_->errors);
    dropped_.close(result_->errors);
    stuck_.close(result_->errors);
  }

  void abort_connections() override {
    if (publishers_)
      publishers_->abort_all();
    if (clients_)
      clients_->abort_all();
    for (auto& s : slots_)
      if (s.conn)
        s.conn->abort();
    for (auto& g : graves_)
      g.conn->abort();
  }

  soak_ledger ledger_;
  publisher_order order_;                // per client slot, reset with each new session
  std::mt19937_64 rng_;
  std::string padding_;
  std::vector<std::string> room_json_;  // "s7", quoted
  std::vector<std::uint32_t> targets_buffer_;

  std::optional<connection_ramp> publishers_;  // ids 0 .. publishers-1
  std::optional<connection_ramp> clients_;     // the first sessions, ids publishers + slot
  std::vector<client_slot> slots_;
  std::size_t adopted_ = 0;                    // slots given their first session by the ramp
  std::deque<grave> graves_;
  std::uint32_t open_sessions_ = 0;            // publishers and clients, namespace connected
  std::size_t connecting_ = 0;                 // new sessions not yet in their rooms

  steady_rate broadcasts_;
  steady_rate churns_;
  steady_rate moves_;
  std::uint64_t ticks_ = 0;

  std::vector<std::optional<double>> last_cpu_;  // per server, at the last sample
  clock_type::time_point last_sample_at_;
  clock_type::time_point next_sample_at_;

  std::uint64_t requests_missing_ = 0;  // joins and leaves given up on during the load
  error_tally strays_{"stray deliveries"};
  error_tally out_of_order_{"broadcasts out of their publisher's order"};
  error_tally refused_{"refusals"};
  error_tally unexpected_acks_{"unexpected acks"};
  error_tally dropped_{"sessions lost"};
  error_tally stuck_{"sessions stuck"};
};

} // namespace

std::unique_ptr<soak_result> run_soak(const soak_options& opts) {
  return soak_run{opts}.run();
}

} // namespace atrium::bench
