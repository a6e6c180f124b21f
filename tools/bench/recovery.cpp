#include "tools/bench/recovery.hpp"

#include <charconv>
#include <chrono>
#include <optional>
#include <string_view>

#include "tools/bench/bench_event.hpp"
#include "tools/bench/connection.hpp"
#include "tools/bench/connection_ramp.hpp"
#include "tools/bench/json.hpp"
#include "tools/bench/loop.hpp"
#include "tools/bench/proc_stats.hpp"
#include "tools/bench/workload_run.hpp"

namespace atrium::bench {

namespace {

/// The string value of `"key":"..."` in a small JSON object (no escapes in ids), or nothing.
std::optional<std::string_view> string_field(std::string_view json, std::string_view key) {
  auto quoted = std::string{"\""} + std::string{key} + "\":\"";
  auto at = json.find(quoted);
  if (at == std::string_view::npos)
    return std::nullopt;
  auto from = at + quoted.size();
  auto end = json.find('"', from);
  if (end == std::string_view::npos)
    return std::nullopt;
  return json.substr(from, end - from);
}

/// The offset a recovering server appends to an event `2["m",SEQ,"PAYLOAD","OFFSET"]`: the last
/// argument, when it is a string that follows the payload string. Nothing without one.
std::optional<std::string_view> offset_of(std::string_view packet) {
  auto n = packet.size();
  if (n < 6 || packet[n - 1] != ']' || packet[n - 2] != '"')
    return std::nullopt;
  auto start = packet.rfind('"', n - 3);
  if (start == std::string_view::npos || start < 2 || packet[start - 1] != ','
      || packet[start - 2] != '"')
    return std::nullopt;
  return packet.substr(start + 1, n - 2 - start - 1);
}

std::optional<long> first_rss(const recovery_options& opts) {
  if (opts.server_pids.empty())
    return std::nullopt;
  return rss_kb(opts.server_pids.front());
}

class recovery_run final : public workload_run<recovery_options, recovery_result> {
public:
  explicit recovery_run(const recovery_options& opts) : workload_run(opts) {}

private:
  // Messages the publisher has sent and not yet seen acked, at most.
  static constexpr std::uint64_t publish_window = 64;
  static constexpr auto poll_every = std::chrono::milliseconds(20);
  // Before each memory reading: atrium gives freed memory back once a second (malloc_trim), so
  // what a cut or a burst freed shows in its RSS only a moment later.
  static constexpr auto settle = std::chrono::milliseconds(1500);

  enum class stage { connecting, warming_up, cutting, publishing, replaying };

  struct client {
    std::string sid;
    std::string pid;
    std::string offset; // of the last event it got before the cut
    std::uint64_t next = 1; // after the reconnect: the next message owed
    bool warm = false;
    bool recovered = false; // with its former id
    bool done = false;      // has every message, or will get none (fresh, or lost)
  };

  bool prepare() override {
    if (!resolve_and_check())
      return false;
    auto n = opts_.clients;
    result_->clients = n;
    clients_.resize(n);
    room_ = json_quote(opts_.room);
    payload_ = json_quote(std::string(opts_.payload, 'x'));
    receivers_.emplace(io_, targets_, sources_, *this,
                       connection_ramp::plan{n, max_handshakes, 0});
    publisher_.emplace(io_, targets_, sources_, *this, connection_ramp::plan{1, 1, n});
    result_->rss_before_kb = first_rss(opts_);
    return true;
  }

  void start() override {
    receivers_->start_more();
    publisher_->start_more();
    limit_connecting([this] {
      return "within " + format_seconds(opts_.connect_timeout) + " s, "
             + std::to_string(joined_) + " of " + std::to_string(opts_.clients)
             + " clients joined, " + std::to_string(warm_) + " got the first event";
    });
  }

  std::string who(const connection& c) const override {
    if (publisher_->owns(c))
      return "publisher";
    if (returning_ && returning_->owns(c))
      return returning_->name_of(c, "returning client", opts_.urls);
    return receivers_->name_of(c, "client", opts_.urls);
  }

  void on_connect_reply(connection& c, std::string_view reply) override {
    if (publisher_->owns(c))
      return;
    auto sid = string_field(reply, "sid");
    if (returning_ && returning_->owns(c)) {
      auto& cl = clients_[returning_->index_of(c)];
      if (sid && *sid == cl.sid) {
        cl.recovered = true;
        ++result_->recovered;
        return;
      }
      ++result_->fresh; // it will get nothing of what it missed
      return client_done(cl);
    }
    auto pid = string_field(reply, "pid");
    if (!sid || !pid)
      return setup_failed("the CONNECT reply carries no pid (" + std::string{reply}
                          + "): is connection state recovery on? (atrium --recovery-window MS, "
                            "rooms-server.js --recovery-window MS)");
    auto& cl = clients_[receivers_->index_of(c)];
    cl.sid = *sid;
    cl.pid = *pid;
  }

  void on_open(connection& c) override {
    if (publisher_->owns(c)) {
      publisher_->settle();
      publisher_open_ = true;
      return maybe_warm_up();
    }
    if (returning_ && returning_->owns(c))
      return returning_->settle();
    receivers_->settle();
    c.send("420[\"join\"," + room_ + "]");
  }

  void on_packet(connection& c, std::string_view packet) override {
    if (publisher_->owns(c))
      return on_publisher_packet(packet);
    if (returning_ && returning_->owns(c))
      return on_replayed(c, packet);
    if (packet.substr(0, join_ack_prefix.size()) == join_ack_prefix) {
      if (packet.find(ack_ok) == std::string_view::npos)
        return setup_failed(who(c) + ": join refused: " + quote_packet(packet));
      ++joined_;
      return maybe_warm_up();
    }
    if (packet.substr(0, delivery_prefix.size()) != delivery_prefix)
      return note_malformed(packet);
    auto& cl = clients_[receivers_->index_of(c)];
    auto offset = offset_of(packet);
    if (!offset)
      return setup_failed(who(c) + ": an event without an offset: " + quote_packet(packet));
    cl.offset = *offset;
    if (!cl.warm) {
      cl.warm = true;
      if (++warm_ == opts_.clients)
        cut();
    }
  }

  // ---- before the cut: every client joined and holding an offset ----

  void maybe_warm_up() {
    if (stage_ != stage::connecting || !publisher_open_ || joined_ < opts_.clients)
      return;
    stage_ = stage::warming_up;
    phase_ = phase::warming_up;
    emit(0);
  }

  void emit(std::uint64_t seq) {
    std::string packet = "42" + std::to_string(++next_id_) + R"(["emit",{"to":[)" + room_
                         + R"(],"event":"m","args":[)" + std::to_string(seq) + ","
                         + payload_ + "]}]";
    publisher_->at(0).send(std::move(packet));
  }

  // ---- the cut: the clients' connections close; the server keeps their sessions ----

  void cut() {
    deadline_.cancel();
    stage_ = stage::cutting;
    result_->rss_connected_kb = first_rss(opts_);
    receivers_->abort_all();
    arm(deadline_, std::chrono::duration<double>(opts_.connect_timeout), [this] {
      setup_failed("within " + format_seconds(opts_.connect_timeout)
                   + " s of the cut, the server still had the clients in the room");
    });
    poll_room();
  }

  // Until the server has let every client go: the room is gone from its adapter.
  void poll_room() {
    poll_id_ = ++next_id_;
    publisher_->at(0).send("42" + std::to_string(poll_id_) + R"(["adapter"])");
  }

  void on_publisher_packet(std::string_view packet) {
    std::uint64_t id = 0;
    auto [end, ec] = std::from_chars(packet.data() + 1, packet.data() + packet.size(), id);
    if (packet.front() != '3' || ec != std::errc{})
      return note_malformed(packet);
    auto body = packet.substr(static_cast<std::size_t>(end - packet.data()));
    if (id == poll_id_) {
      poll_id_ = 0;
      auto rooms_end = body.find("\"sids\"");
      if (body.substr(0, rooms_end).find(room_ + ":") != std::string_view::npos)
        return arm(pacer_, poll_every, [this] { poll_room(); });
      return arm(pacer_, settle, [this] { start_publishing(); });
    }
    if (body.find(ack_ok) == std::string_view::npos)
      return setup_failed("publisher: emit refused: " + quote_packet(packet));
    if (stage_ != stage::publishing)
      return; // the warm-up's
    ++acked_;
    if (sent_ < opts_.messages)
      emit(++sent_);
    else if (acked_ == opts_.messages)
      published();
  }

  // ---- the gap: messages for the room while nobody is in it ----

  void start_publishing() {
    deadline_.cancel();
    stage_ = stage::publishing;
    result_->rss_cut_kb = first_rss(opts_);
    watch_.start({drain_check, drain_idle, drain_cap}, [this] { return acked_; },
                 [this](double) { setup_failed("the publisher's acks stalled"); });
    costs_.start();
    publish_started_ = clock_type::now();
    while (sent_ < opts_.messages && sent_ < publish_window)
      emit(++sent_);
  }

  // ---- the replay: every client back at once, with its session id and offset ----

  void published() {
    result_->publish_seconds
      = std::chrono::duration<double>(clock_type::now() - publish_started_).count();
    result_->publish_servers = costs_.servers();
    watch_.stop();
    arm(pacer_, settle, [this] { start_replay(); });
  }

  void start_replay() {
    result_->rss_buffered_kb = first_rss(opts_);
    stage_ = stage::replaying;
    phase_ = phase::measuring;
    costs_.start();
    replay_started_ = clock_type::now();
    returning_.emplace(io_, targets_, sources_, *this,
                       connection_ramp::plan{opts_.clients, max_handshakes, opts_.clients + 1ul});
    returning_->set_auth([this](std::size_t i) {
      auto& cl = clients_[i];
      return R"({"pid":)" + json_quote(cl.pid) + R"(,"offset":)" + json_quote(cl.offset) + "}";
    });
    returning_->start_more();
    watch_.start({drain_check, drain_idle, drain_cap},
                 [this] { return result_->replayed + result_->recovered + result_->fresh; },
                 [this](double) {
                   result_->errors.push_back("gave up: the replay stalled");
                   finish();
                 });
  }

  void on_replayed(connection& c, std::string_view packet) {
    if (packet.substr(0, delivery_prefix.size()) != delivery_prefix)
      return note_malformed(packet);
    std::uint64_t seq = 0;
    auto begin = packet.data() + delivery_prefix.size();
    if (std::from_chars(begin, packet.data() + packet.size(), seq).ec != std::errc{})
      return note_malformed(packet);
    auto& cl = clients_[returning_->index_of(c)];
    if (seq != cl.next || cl.done) {
      ++result_->out_of_order;
      return;
    }
    ++result_->replayed;
    if (++cl.next > opts_.messages)
      client_done(cl);
  }

  void client_done(client& cl) {
    if (cl.done)
      return;
    cl.done = true;
    if (++done_ < opts_.clients)
      return;
    result_->replay_seconds
      = std::chrono::duration<double>(clock_type::now() - replay_started_).count();
    result_->replay_servers = costs_.servers();
    finish();
  }

  void on_failed(connection& c, std::string_view what) override {
    note_failure(c, what);
    if (returning_ && returning_->owns(c))
      client_done(clients_[returning_->index_of(c)]);
  }

  void conclude() override {
    if (!result_->setup_error.empty())
      return;
    for (auto& cl : clients_)
      if (!cl.recovered)
        result_->missing += opts_.messages; // fresh, or never back
      else
        result_->missing += opts_.messages + 1 - cl.next;
  }

  void abort_connections() override {
    for (auto* ramp : {&receivers_, &publisher_, &returning_})
      if (*ramp)
        (*ramp)->abort_all();
  }

  std::string room_;    // quoted
  std::string payload_; // quoted
  std::vector<client> clients_;
  std::optional<connection_ramp> receivers_;
  std::optional<connection_ramp> publisher_;
  std::optional<connection_ramp> returning_;
  stage stage_ = stage::connecting;
  bool publisher_open_ = false;
  std::uint32_t joined_ = 0;
  std::uint32_t warm_ = 0;
  std::uint32_t done_ = 0;
  std::uint64_t next_id_ = 0; // the publisher's ack ids
  std::uint64_t poll_id_ = 0; // the adapter question waiting for its answer, if any
  std::uint64_t sent_ = 0;
  std::uint64_t acked_ = 0;
  clock_type::time_point publish_started_;
  clock_type::time_point replay_started_;
};

} // namespace

std::unique_ptr<recovery_result> run_recovery(const recovery_options& opts) {
  return recovery_run{opts}.run();
}

} // namespace atrium::bench
