#include "net/engine_session.hpp"

#include <algorithm>
#include <string>

#include <boost/asio/post.hpp>

#include "actors/boundary/metrics.hpp"
#include "actors/boundary/log.hpp"
#include "net/server_stats.hpp"
#include "net/session_registry.hpp"
#include "net/write_gatherer.hpp"
#include "protocol/engineio.hpp"
#include "protocol/error.hpp"
#include "protocol/websocket.hpp"

namespace atrium::net {

namespace asio = boost::asio;

engine_session::engine_session(asio::io_context& ioc, const session_config& cfg,
                               session_registry& registry, std::string sid,
                               transport_kind kind, handshake hs)
  : cfg_(cfg),
    registry_(registry),
    sid_(std::move(sid)),
    handshake_(std::make_shared<const handshake>(std::move(hs))),
    strand_(asio::make_strand(ioc)),
    timer_(strand_),
    kind_(kind) {
}

bool engine_session::accepting() {
  std::lock_guard<std::mutex> guard{mtx_};
  return accepting_;
}

engine_session::~engine_session() = default;

void engine_session::set_handler(std::unique_ptr<session_handler> handler) {
  handler_ = std::move(handler);
}

// -- what connection asks (session_connection) ---------------------------------------------

namespace {

// What one frame costs a queue besides its bytes: its entry (the bytes are often shared).
constexpr std::size_t frame_overhead = sizeof(out_frame);

static_assert(metrics::limit_close_labels.size() == close_cause_count,
              "a close_cause without its label in the metrics");

void count_sent(const frame_batch& batch) noexcept {
  std::size_t bytes = 0;
  for (const auto& f : batch)
    bytes += f.bytes.size();
  metrics::count(metrics::packets_out, static_cast<std::int64_t>(batch.size()));
  metrics::count(metrics::bytes_out, static_cast<std::int64_t>(bytes));
}

metrics::slot gauge_of(transport_kind kind) noexcept {
  return kind == transport_kind::polling ? metrics::connections_polling
                                         : metrics::connections_websocket;
}

} // namespace

void engine_session::send(packet_ptr packet, urgency u) {
  if (!packet)
    return;
  std::size_t bytes = (1 + packet->attachments.size()) * frame_overhead + packet->text.size();
  for (const auto& a : packet->attachments)
    bytes += a.size();
  bool post = false;
  clock::time_point gather_until{};
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!accepting_)
      return;
    // Volatile packets only go when the transport could write them at once (or in a write
    // that is still being gathered).
    if (u == urgency::droppable
        && (!writable_.load(std::memory_order_relaxed) || (flush_busy_ && !deferred_))) {
      if (cfg_.stats)
        ++cfg_.stats->volatile_dropped;
      metrics::count(metrics::volatile_dropped);
      return;
    }
    if (outbox_bytes_ + writing_bytes_ + bytes > cfg_.max_queued_bytes) {
      // The hard bound: rather than grow without bound, the client is let go. (A client that
      // reads, however bursty its traffic, is judged by its progress instead: see on_timer.)
      accepting_ = false;
      asio::post(strand_, [self = shared_from_this()] { self->overflowed(); });
      return;
    }
    append_frames(outbox_, packet);
    outbox_bytes_ += bytes;
    if (!flush_busy_) {
      flush_busy_ = true;
      post = true;
      if (u != urgency::now && cfg_.gatherer && cfg_.gatherer->gathering()) {
        // Written to less than a window ago: wait for the rest of the window.
        auto last = clock::time_point{clock::duration{last_flush_.load(std::memory_order_relaxed)}};
        auto until = last + cfg_.gatherer->window();
        if (clock::now() < until) {
          deferred_ = true;
          post = false;
          gather_until = until;
        }
      }
    } else if (deferred_ && u == urgency::now) {
      // An answer does not wait: it takes the gathered broadcasts before it along.
      deferred_ = false;
      post = true;
    }
  }
  if (post)
    post_flush();
  else if (gather_until != clock::time_point{})
    cfg_.gatherer->defer(shared_from_this(), gather_until);
}

void engine_session::gathered_due() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!deferred_)
      return; // something that could not wait has flushed it already
    deferred_ = false;
  }
  post_flush();
}

void engine_session::release(const std::string& nsp) {
  asio::post(strand_, [self = shared_from_this(), nsp] {
    if (self->state_ == state::open && self->handler_)
      self->handler_->release(nsp);
  });
}

void engine_session::close() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->state_ == state::open && self->handler_)
      self->handler_->disconnect_all();
    self->terminate(disconnect_reason::forced_close, close_mode::graceful);
  });
}

void engine_session::shutdown(disconnect_reason why) {
  asio::post(strand_, [self = shared_from_this(), why] {
    self->terminate(why, close_mode::shutdown);
  });
}

void engine_session::drain() {
  asio::post(strand_, [self = shared_from_this()] {
    self->terminate(disconnect_reason::server_shutting_down, close_mode::graceful);
  });
}

// -- queue ---------------------------------------------------------------------------------

void engine_session::overflowed() {
  if (state_ != state::open)
    return; // closing already
  if (cfg_.stats) {
    ++cfg_.stats->slow_consumer_closes;
    ++cfg_.stats->queue_full_closes;
  }
  end(disconnect_reason::transport_error, close_cause::queue_full,
      "its outbound queue would pass " + std::to_string(cfg_.max_queued_bytes)
        + " bytes (--max-queued-bytes)");
}

bool engine_session::enqueue_locked(out_frame&& f) {
  outbox_bytes_ += f.bytes.size() + frame_overhead;
  outbox_.push_back(std::move(f));
  bool post = !flush_busy_ || deferred_; // the server's own frames (pings) never wait
  flush_busy_ = true;
  deferred_ = false;
  return post;
}

void engine_session::push_frame(out_frame f) {
  bool post = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!accepting_)
      return;
    post = enqueue_locked(std::move(f));
  }
  if (post)
    post_flush();
}

void engine_session::post_flush() {
  asio::post(strand_, [self = shared_from_this()] { self->flush(); });
}

frame_batch engine_session::take_or_idle() {
  frame_batch batch;
  std::lock_guard<std::mutex> guard{mtx_};
  if (outbox_.empty()) {
    flush_busy_ = false;
    return batch;
  }
  // A gathered flush that is still due stays due: it finds an empty queue, and it is what
  // clears flush_busy_.
  batch.swap(outbox_);
  outbox_bytes_ = 0;
  return batch;
}

// Takes everything queued at once: polling joins it into one response, the WebSocket
// writes it in order (one batch in flight at a time, so frames never overtake each other).
void engine_session::flush() {
  if (state_ != state::open)
    return;
  if (kind_ == transport_kind::websocket) {
    if (!ws_ || ws_writing_)
      return; // ws_drained() takes the next batch
    frame_batch batch;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      // The batch still counts against max_queued_bytes until the socket has taken it all.
      writing_bytes_ = outbox_bytes_;
      if (outbox_.empty())
        flush_busy_ = false;
      batch.swap(outbox_);
      deferred_ = false;
      outbox_bytes_ = 0;
    }
    if (batch.empty()) {
      writable_ = true;
      return;
    }
    ws_writing_ = true;
    writable_ = false;
    last_flush_.store(clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    count_sent(batch);
    ws_->write(std::move(batch)); // ws_blocked() if the socket cannot take it all now
    return;
  }
  frame_batch batch;
  bool waiting = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (pending_get_ && !outbox_.empty()) {
      batch.swap(outbox_);
      deferred_ = false;
      outbox_bytes_ = 0;
    }
    waiting = !outbox_.empty();
    flush_busy_ = false; // whatever stays waits for the next GET, which takes it itself
  }
  if (!batch.empty())
    answer_get(std::move(batch));
  else if (waiting)
    frames_waiting();
}

void engine_session::answer_get(frame_batch batch) {
  last_flush_.store(clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  auto r = std::move(pending_get_);
  pending_get_.reset();
  writable_ = false;
  count_sent(batch);
  r->respond(200, encode_payload(batch));
}

std::string engine_session::open_packet() const {
  std::string out = "0{\"sid\":\"";
  out += sid_;
  out += "\",\"upgrades\":";
  out += kind_ == transport_kind::polling ? "[\"websocket\"]" : "[]";
  out += ",\"pingInterval\":";
  out += std::to_string(cfg_.ping_interval.count());
  out += ",\"pingTimeout\":";
  out += std::to_string(cfg_.ping_timeout.count());
  out += ",\"maxPayload\":";
  out += std::to_string(cfg_.max_payload);
  out += '}';
  return out;
}

// -- opening -------------------------------------------------------------------------------

void engine_session::open_polling(const poll_responder_ptr& handshake_request) {
  handshake_request->respond(200, open_packet());
  counted_ = true;
  metrics::count(gauge_of(kind_));
  schedule_ping(clock::now());
  if (handler_)
    handler_->opened();
}

void engine_session::open_websocket(ws_link_ptr ws) {
  ws_ = std::move(ws);
  push_frame(make_frame(open_packet())); // the first frame of the connection
  counted_ = true;
  metrics::count(gauge_of(kind_));
  schedule_ping(clock::now());
  if (handler_)
    handler_->opened();
}

// -- polling -------------------------------------------------------------------------------

void engine_session::poll_get(poll_responder_ptr r) {
  if (state_ == state::draining) {
    // The last packets of a session the server closed; once none are left, its close packet.
    pending_get_ = std::move(r);
    auto batch = take_or_idle();
    if (batch.empty())
      finish(); // answers with the close packet
    else
      answer_get(std::move(batch));
    return;
  }
  if (state_ != state::open) {
    r->respond(400, error_body(request_error::unknown_sid));
    return;
  }
  if (kind_ != transport_kind::polling) {
    r->respond(400, error_body(request_error::bad_request)); // upgraded: polling is over
    return;
  }
  if (expired(clock::now())) {
    // The timer may not have fired yet: every request checks the deadline too.
    r->respond(400, error_body(request_error::unknown_sid));
    end(disconnect_reason::ping_timeout);
    return;
  }
  if (upgrading_) {
    r->respond(200, "6"); // the client is moving to the WebSocket: end this poll cleanly
    return;
  }
  if (pending_get_) {
    // Two GETs at once is a client error: the new one is refused, the old one told to close.
    r->respond(400, error_body(request_error::bad_request));
    end(disconnect_reason::transport_error, close_cause::protocol_error,
        "a second GET while one was waiting");
    return;
  }
  client_caught_up(); // the GET takes everything queued
  frame_batch batch;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    batch.swap(outbox_); // (a gathered flush still due comes, finds nothing, ends flush_busy_)
    outbox_bytes_ = 0;
  }
  pending_get_ = std::move(r);
  if (!batch.empty()) {
    answer_get(std::move(batch));
  } else {
    writable_ = true;
  }
}

void engine_session::poll_post(const poll_responder_ptr& r, std::string_view body) {
  if (state_ != state::open) {
    r->respond(400, error_body(request_error::unknown_sid));
    return;
  }
  if (kind_ != transport_kind::polling) {
    r->respond(400, error_body(request_error::bad_request));
    return;
  }
  if (expired(clock::now())) {
    r->respond(400, error_body(request_error::unknown_sid));
    end(disconnect_reason::ping_timeout);
    return;
  }
  auto packets = eio::decode_payload(body, cfg_.max_payload);
  if (!packets) {
    r->respond(400, error_body(request_error::bad_request));
    end(disconnect_reason::parse_error, close_cause::protocol_error,
        std::string{"POST body is no Engine.IO payload ("}
          + protocol::to_string(static_cast<protocol::error>(packets.error().code())) + ")");
    return;
  }
  r->respond(200, "ok");
  metrics::count(metrics::packets_in, static_cast<std::int64_t>(packets->size()));
  metrics::count(metrics::bytes_in, static_cast<std::int64_t>(body.size()));
  for (auto& p : *packets) {
    // A packet of this body may have doomed the session (say, the outbox overflowed): its
    // end is posted, so stop here rather than act on the rest of a possibly huge body.
    if (state_ != state::open || !accepting())
      break;
    switch (p.type) {
      case eio::packet_type::message:
        if (handler_)
          handler_->message(std::move(p.data), p.binary);
        break;
      case eio::packet_type::pong:
        handle_pong();
        break;
      case eio::packet_type::close:
        terminate(disconnect_reason::transport_close, close_mode::client_close);
        break;
      default:
        break; // ping, upgrade, noop: nothing to do on an open polling transport
    }
  }
}

void engine_session::poll_aborted(const poll_responder* r) {
  if (state_ != state::open || pending_get_.get() != r)
    return;
  pending_get_.reset();
  writable_ = false;
  end(disconnect_reason::transport_close);
}

void engine_session::poll_too_large() {
  if (state_ == state::open)
    end(disconnect_reason::transport_error, close_cause::too_large,
        "a POST body over " + std::to_string(cfg_.max_payload) + " bytes (--max-payload)");
}

// -- WebSocket -----------------------------------------------------------------------------

void engine_session::offer_upgrade(ws_link_ptr ws) {
  // Only an open polling session upgrades, and only once at a time; otherwise the new
  // WebSocket is closed right away (the session, if any, carries on undisturbed).
  if (state_ != state::open || kind_ != transport_kind::polling || probe_) {
    ws->close();
    return;
  }
  probe_ = std::move(ws);
  // A probe that never finishes must not block upgrades (or hold frames) for the whole
  // session: like engine.io's upgradeTimeout, give it up after a while.
  upgrade_timer_ = std::make_unique<timer_type>(strand_, upgrade_timeout);
  upgrade_timer_->async_wait([self = shared_from_this(), probe = probe_.get()](
                              const boost::system::error_code& ec) {
    if (ec || self->probe_.get() != probe)
      return;
    self->drop_probe();
  });
}

void engine_session::ws_message(ws_link* ws, std::string data, bool binary) {
  metrics::count(metrics::packets_in);
  metrics::count(metrics::bytes_in, static_cast<std::int64_t>(data.size()));
  if (ws == probe_.get()) {
    probe_message(std::move(data), binary);
    return;
  }
  if (ws != ws_.get() || state_ != state::open)
    return;
  if (binary) {
    if (handler_)
      handler_->message(std::move(data), true);
    return;
  }
  on_packet_text(std::move(data));
}

void engine_session::on_packet_text(std::string data) {
  if (data.empty()) {
    end(disconnect_reason::parse_error, close_cause::protocol_error,
        "an empty WebSocket message");
    return;
  }
  switch (data.front()) {
    case '4':
      data.erase(0, 1); // the common case, without a copy
      if (handler_)
        handler_->message(std::move(data), false);
      return;
    case '3':
      handle_pong();
      return;
    case '1':
      terminate(disconnect_reason::transport_close, close_mode::client_close);
      return;
    default:
      break;
  }
  auto p = eio::decode_text(data);
  if (!p) {
    end(disconnect_reason::parse_error, close_cause::protocol_error,
        std::string{"a WebSocket message that is no Engine.IO packet ("}
          + protocol::to_string(static_cast<protocol::error>(p.error().code())) + ")");
    return;
  }
  if (p->type == eio::packet_type::message && handler_)
    handler_->message(std::move(p->data), p->binary); // 'b' + base64 over WebSocket
  // ping, upgrade, noop, open: nothing to do on an open WebSocket
}

void engine_session::probe_message(std::string data, bool binary) {
  if (!binary && data == "2probe" && !upgrading_) {
    upgrading_ = true;
    frame_batch pong;
    pong.push_back(static_frame("3probe"));
    probe_->write(std::move(pong));
    if (pending_get_) {
      auto r = std::move(pending_get_);
      pending_get_.reset();
      writable_ = false;
      r->respond(200, "6");
    }
    return;
  }
  if (!binary && data == "5" && upgrading_) {
    if (state_ == state::draining)
      return leave_by_probe();
    complete_upgrade();
    return;
  }
  // Anything else on a probe: drop the probe, the polling transport carries on.
  drop_probe();
}

void engine_session::drop_probe() {
  upgrade_timer_.reset(); // cancels its wait
  if (probe_) {
    probe_->close();
    probe_.reset();
  }
  upgrading_ = false;
  // Closed mid-upgrade: the client paused its polling for the WebSocket, so no GET will come
  // for the close packet. The client reconnects after its transport closes.
  if (state_ == state::draining)
    finish();
}

// The server closed while the client was upgrading and its "5" came after: the WebSocket is
// the client's transport now, so what is left goes out on it, then the close.
void engine_session::leave_by_probe() {
  write_rest(*probe_);
  finish(); // closes the probe after it
}

void engine_session::write_rest(ws_link& ws) {
  frame_batch batch;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    batch.swap(outbox_);
    outbox_bytes_ = 0;
  }
  if (!batch.empty()) {
    count_sent(batch);
    ws.write(std::move(batch)); // queued behind any batch in flight
  }
}

void engine_session::complete_upgrade() {
  upgrade_timer_.reset(); // cancels its wait
  if (counted_) {
    metrics::count(gauge_of(kind_), -1);
    metrics::count(gauge_of(transport_kind::websocket));
  }
  kind_ = transport_kind::websocket;
  client_caught_up(); // what waits is the WebSocket's to write now: its progress counts
  ws_ = std::move(probe_);
  probe_.reset();
  upgrading_ = false;
  ws_writing_ = false;
  if (pending_get_) {
    auto r = std::move(pending_get_);
    pending_get_.reset();
    r->respond(200, "6");
  }
  {
    std::lock_guard<std::mutex> guard{mtx_};
    flush_busy_ = true;
  }
  flush(); // what queued up during the upgrade goes out on the WebSocket now
}

void engine_session::ws_blocked(ws_link* ws) {
  if (ws != ws_.get() || state_ != state::open)
    return;
  client_progress();
}

void engine_session::ws_drained(ws_link* ws) {
  if (ws != ws_.get())
    return;
  ws_writing_ = false;
  client_caught_up();
  flush();
}

void engine_session::ws_closed(ws_link* ws, std::uint16_t violation) {
  if (ws == probe_.get()) {
    probe_.reset(); // closed already
    drop_probe();
    return;
  }
  if (ws != ws_.get())
    return;
  ws_.reset();
  if (violation == 0) {
    terminate(disconnect_reason::transport_close, close_mode::abort);
    return;
  }
  auto detail = "WebSocket close code " + std::to_string(violation);
  if (violation == ws::close_code::too_big)
    end(disconnect_reason::transport_error, close_cause::too_large,
        "a WebSocket message over " + std::to_string(cfg_.max_payload)
          + " bytes (--max-payload), " + detail);
  else
    end(disconnect_reason::transport_error, close_cause::protocol_error,
        (violation == ws::close_code::invalid_payload ? "WebSocket text that is not UTF-8, "
                                                      : "a WebSocket protocol violation, ")
          + detail);
}

// -- closing -------------------------------------------------------------------------------

void engine_session::end(disconnect_reason why) {
  terminate(why, close_mode::abort);
}

void engine_session::end(disconnect_reason why, close_cause cause, std::string_view detail) {
  if (state_ != state::open)
    return; // closed already, for another reason: that one was said
  metrics::count(metrics::limit_closes_first + static_cast<std::size_t>(cause));
  log_close(cause, sid_, handshake_->address, detail);
  terminate(why, close_mode::abort);
}

void engine_session::terminate(disconnect_reason why, close_mode mode) {
  if (state_ == state::draining && mode == close_mode::shutdown) {
    finish();
    return;
  }
  if (state_ != state::open)
    return;
  // Every close, whatever its cause; the limits' and the protocol's are warnings of their own.
  log::debug("session closed",
             {{"sid", sid_}, {"address", handshake_->address}, {"reason", to_string(why)}});
  state_ = state::closed;
  metrics::count(metrics::disconnects_first + static_cast<std::size_t>(why));
  if (counted_) {
    counted_ = false;
    metrics::count(gauge_of(kind_), -1);
  }
  ++timer_gen_;
  timer_.cancel();
  bool keep_queue = mode == close_mode::graceful || mode == close_mode::shutdown;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    accepting_ = false;
    writable_ = false;
    if (!keep_queue) {
      outbox_.clear();
      outbox_bytes_ = 0;
    }
  }
  if (handler_)
    handler_->closed(why); // every namespace hears it once, before the transport goes
  // A client that answered the probe has paused its polling: on a graceful close its probe
  // stays, to carry what is left once its "5" comes (leave_by_probe).
  bool keep_probe = mode == close_mode::graceful && kind_ == transport_kind::polling
                    && upgrading_;
  if (probe_ && !keep_probe)
    drop_probe();
  if (kind_ == transport_kind::websocket) {
    if (ws_) {
      if (keep_queue)
        write_rest(*ws_);
      ws_->close();
      ws_.reset();
    }
    finish();
    return;
  }
  // Long-polling.
  if (mode == close_mode::client_close || mode == close_mode::abort) {
    if (pending_get_) {
      auto r = std::move(pending_get_);
      pending_get_.reset();
      r->respond(200, mode == close_mode::client_close ? "6" : "1");
    }
    finish();
    return;
  }
  if (mode == close_mode::shutdown) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      outbox_.push_back(static_frame("1"));
    }
    if (pending_get_)
      answer_get(take_or_idle());
    finish();
    return;
  }
  // Graceful: like engine.io, the last packets go out alone and the close packet answers a
  // later GET. The official client handles decoded packets a tick later, so a close in the
  // same payload would overtake them (a namespace's DISCONNECT would read as "transport close").
  if (pending_get_) {
    auto batch = take_or_idle();
    if (batch.empty()) {
      finish(); // answers the pending GET with the close packet
      return;
    }
    answer_get(std::move(batch));
  }
  // Keep the session a while so the client can collect what is left, then the close.
  state_ = state::draining;
  arm(clock::now() + cfg_.ping_interval + cfg_.ping_timeout);
}

void engine_session::finish() {
  state_ = state::closed;
  ++timer_gen_;
  timer_.cancel();
  drop_probe(); // closed by now: it only lets the probe go
  {
    std::lock_guard<std::mutex> guard{mtx_};
    accepting_ = false;
    outbox_.clear();
    outbox_bytes_ = 0;
  }
  if (pending_get_) {
    auto r = std::move(pending_get_);
    pending_get_.reset();
    r->respond(200, "1");
  }
  registry_.remove(sid_, this);
}

// -- heartbeat -----------------------------------------------------------------------------

// The server pings every pingInterval; the client has pingTimeout to answer. The deadline is
// counted from when the ping was due, not when the timer happened to run.
void engine_session::schedule_ping(clock::time_point now) {
  awaiting_pong_ = false;
  next_ping_ = now + cfg_.ping_interval;
  rearm();
}

// One timer serves the heartbeat and the stall deadline (a second timer would cost every
// idle connection its size): it is set for whichever comes first.
void engine_session::rearm() {
  auto at = awaiting_pong_ ? deadline_ : next_ping_;
  if (waiting_since_ != clock::time_point{} && cfg_.stall_timeout.count() > 0)
    at = std::min(at, waiting_since_ + cfg_.stall_timeout);
  arm(at);
}

void engine_session::arm(clock::time_point at) {
  auto gen = ++timer_gen_;
  timer_.expires_at(at);
  timer_.async_wait([self = shared_from_this(), gen](const boost::system::error_code& ec) {
    if (ec || gen != self->timer_gen_)
      return;
    self->on_timer();
  });
}

void engine_session::on_timer() {
  if (state_ == state::draining) {
    finish(); // the client never came back for its last packets
    return;
  }
  if (state_ != state::open)
    return;
  auto now = clock::now();
  if (waiting_since_ != clock::time_point{} && cfg_.stall_timeout.count() > 0
      && now - waiting_since_ >= cfg_.stall_timeout) {
    if (cfg_.stats) {
      ++cfg_.stats->slow_consumer_closes;
      ++cfg_.stats->stalled_closes;
    }
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - waiting_since_);
    end(disconnect_reason::transport_error, close_cause::stalled,
        "its queue waited " + std::to_string(waited.count())
          + " ms with nothing read (--stall-timeout " + std::to_string(cfg_.stall_timeout.count())
          + " ms)");
    return;
  }
  if (!awaiting_pong_ && now >= next_ping_) {
    awaiting_pong_ = true;
    deadline_ = next_ping_ + cfg_.ping_timeout;
    push_frame(static_frame("2"));
  } else if (awaiting_pong_ && now >= deadline_) {
    end(disconnect_reason::ping_timeout);
    return;
  }
  rearm(); // also when woken early, for a stall deadline that has moved since
}

// -- progress ------------------------------------------------------------------------------

// A slow consumer is one that makes no progress, not one with many bytes queued: a polling
// client collects a whole burst with each GET, and a WebSocket client's socket may take a
// burst in many small writes. The clock runs while frames wait and the client takes nothing.
void engine_session::frames_waiting() {
  if (waiting_since_ != clock::time_point{} || cfg_.stall_timeout.count() == 0)
    return;
  waiting_since_ = clock::now();
  auto due = waiting_since_ + cfg_.stall_timeout;
  if (timer_.expiry() > due)
    arm(due); // otherwise the timer wakes up first anyway and looks
}

void engine_session::client_progress() {
  if (waiting_since_ == clock::time_point{}) {
    frames_waiting();
    return;
  }
  waiting_since_ = clock::now(); // a later deadline: the timer, set earlier, re-arms for it
}

void engine_session::client_caught_up() {
  waiting_since_ = {};
}

bool engine_session::expired(clock::time_point now) const {
  return awaiting_pong_ ? now >= deadline_ : now >= next_ping_ + cfg_.ping_timeout;
}

void engine_session::handle_pong() {
  if (awaiting_pong_)
    schedule_ping(clock::now());
}

} // namespace atrium::net
