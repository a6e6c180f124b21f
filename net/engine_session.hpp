#pragma once

// One Engine.IO v4 session: its transport (long-polling, WebSocket, or the upgrade between
// them), its heartbeat, and its single outbound queue. The actors reach it through a
// session_connection (net/session_connection.hpp), which forwards to send/release/close.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/strand.hpp>

#include "actors/boundary/connection.hpp"
#include "atrium/disconnect_reason.hpp"
#include "atrium/handshake.hpp"
#include "net/close_log.hpp"
#include "net/frame.hpp"
#include "net/polling.hpp"
#include "net/session_handler.hpp"
#include "net/ws_link.hpp"

namespace atrium::net {

class session_registry;
class write_gatherer;
struct server_stats;

struct session_config {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::size_t max_payload = 1000000;
  /// A slow consumer is judged by progress: a client whose queued frames have waited this long
  /// with nothing taken (no GET; no byte of a WebSocket write accepted by its socket) is closed.
  /// 0: never.
  std::chrono::milliseconds stall_timeout{30000};
  /// The hard bound of the memory a client's outbound queue holds: the bytes queued, the
  /// WebSocket batch being written, and the bookkeeping of each frame (sizeof(out_frame)).
  /// A client that would pass it is closed at once, whatever its progress.
  std::size_t max_queued_bytes = std::size_t{32} << 20;
  server_stats* stats = nullptr;
  /// Gathers broadcasts into fewer writes while the server is busy; none: every frame at once.
  write_gatherer* gatherer = nullptr; // counts slow consumers closed and volatile packets dropped
};

enum class transport_kind : std::uint8_t { polling, websocket };

/// Members marked "strand" run on `executor()` only; send/release/close and `shutdown` are
/// thread-safe and post their work there.
class engine_session final : public std::enable_shared_from_this<engine_session> {
public:
  using executor_type = boost::asio::strand<boost::asio::io_context::executor_type>;
  using clock = std::chrono::steady_clock;
  /// A timer bound to the strand by type: a polymorphic executor holding a strand costs a
  /// heap block per timer, and every connection has a few.
  using timer_type =
    boost::asio::basic_waitable_timer<clock, boost::asio::wait_traits<clock>, executor_type>;

  engine_session(boost::asio::io_context& ioc, const session_config& cfg,
                 session_registry& registry, std::string sid, transport_kind kind, handshake hs);
  ~engine_session();

  /// Installs what runs above Engine.IO; once, before the session opens.
  void set_handler(std::unique_ptr<session_handler> handler);

  const std::string& sid() const noexcept { return sid_; }
  const executor_type& executor() const noexcept { return strand_; }
  const handshake_ptr& client_handshake() const noexcept { return handshake_; }
  const session_config& config() const noexcept { return cfg_; }

  // -- what `connection` asks, forwarded by session_connection (any thread) --
  /// As connection::send.
  void send(packet_ptr packet, urgency u = urgency::now);
  /// As connection::release.
  void release(const std::string& nsp);
  /// As connection::close.
  void close();

  /// Closes the session from any thread with `why` (server shutdown): no lingering for a
  /// polling client's next request.
  void shutdown(disconnect_reason why);
  /// Closes the session from any thread for a server that is stopping: without a Socket.IO
  /// DISCONNECT, so that the client reconnects by itself; its queued frames still go out
  /// (a polling client collects them with its next GET).
  void drain();
  /// The write_gatherer's window for this session's waiting broadcasts has passed (any thread).
  void gathered_due();

  // -- transports (strand) --
  void open_polling(const poll_responder_ptr& handshake_request);
  void open_websocket(ws_link_ptr ws);
  void poll_get(poll_responder_ptr r);
  void poll_post(const poll_responder_ptr& r, std::string_view body);
  void poll_aborted(const poll_responder* r);
  /// A POST body went over max_payload (answered 413 by the connection).
  void poll_too_large();
  /// A WebSocket carrying this sid finished its handshake: the start of an upgrade.
  void offer_upgrade(ws_link_ptr ws);
  void ws_message(ws_link* ws, std::string data, bool binary);
  /// The socket took part of a write but not all of it: the rest waits for the client.
  void ws_blocked(ws_link* ws);
  void ws_drained(ws_link* ws);
  /// `violation`: the close code of the client's protocol violation (1002, 1007, 1009), or 0.
  void ws_closed(ws_link* ws, std::uint16_t violation);

  // -- handler side (strand) --
  /// Queues an Engine.IO message of the server's own (ping, echo reply).
  void push_frame(out_frame f);
  /// Ends the session because of the client (bad packet, timeout...): no lingering.
  void end(disconnect_reason why);
  /// The same for a client that broke a limit or the protocol: logged (see close_log.hpp).
  void end(disconnect_reason why, close_cause cause, std::string_view detail);
  bool is_open() const noexcept { return state_ == state::open; }

private:
  enum class state : std::uint8_t { open, draining, closed };
  /// How the transport is told: `client_close` (the client sent 1: a pending GET gets 6),
  /// `abort` (a pending GET gets 1, queued frames are dropped), `graceful` (queued frames
  /// still go out, then 1 / a close frame; a polling client may collect them with one more GET).
  enum class close_mode : std::uint8_t { client_close, abort, graceful, shutdown };

  /// How long a WebSocket probe may take to finish the upgrade (engine.io's upgradeTimeout).
  static constexpr std::chrono::seconds upgrade_timeout{10};

  void terminate(disconnect_reason why, close_mode mode);
  bool accepting(); // send() still takes frames (false once the session is doomed)
  void finish();
  void on_packet_text(std::string data);
  void handle_pong();
  void probe_message(std::string data, bool binary);
  /// Gives the upgrade up (the polling transport carries on, unless the session is draining).
  void drop_probe();
  void leave_by_probe();
  /// Writes what is queued on `ws` (behind what it writes already).
  void write_rest(ws_link& ws);
  void complete_upgrade();

  // queue
  bool enqueue_locked(out_frame&& f); // caller holds mtx_; returns whether to post a flush
  void post_flush();
  void flush();
  frame_batch take_or_idle();
  void overflowed(); // send() found the queue past max_queued_bytes

  // progress: how long frames have waited for the client
  void frames_waiting();  // frames wait: start the stall clock unless it runs
  void client_progress(); // the client took something: the clock starts again
  void client_caught_up(); // nothing waits for the client any more
  void answer_get(frame_batch batch);
  std::string open_packet() const;

  // heartbeat
  void schedule_ping(clock::time_point now);
  void arm(clock::time_point at);
  void rearm(); // the timer at the next heartbeat or stall deadline
  void on_timer();
  bool expired(clock::time_point now) const;

  const session_config cfg_;
  session_registry& registry_;
  const std::string sid_;
  handshake_ptr handshake_;
  executor_type strand_;
  timer_type timer_;
  std::unique_ptr<timer_type> upgrade_timer_; // while a WebSocket probe is out
  std::unique_ptr<session_handler> handler_;

  // strand-only state
  state state_ = state::open;
  transport_kind kind_;
  poll_responder_ptr pending_get_;
  ws_link_ptr ws_;
  ws_link_ptr probe_;
  bool upgrading_ = false;   // 2probe answered, waiting for 5
  bool counted_ = false;     // in the connections gauge of its transport (metrics.hpp)
  bool ws_writing_ = false;  // a batch is with ws_ until it reports drained
  bool awaiting_pong_ = false;
  clock::time_point next_ping_;
  clock::time_point deadline_;
  clock::time_point waiting_since_{}; // frames wait for the client since then; {}: none wait
  std::uint64_t timer_gen_ = 0;

  // shared with send() (any thread)
  std::mutex mtx_;
  frame_batch outbox_;
  std::size_t outbox_bytes_ = 0;  // queued, frame bookkeeping included
  std::size_t writing_bytes_ = 0; // the same of the batch a WebSocket is writing
  bool flush_busy_ = false; // a flush is posted or deferred, or a WebSocket write is in flight
  bool deferred_ = false;   // the pending flush waits in the write_gatherer
  bool accepting_ = true;   // false once closed: send() drops what it is given
  std::atomic<bool> writable_{false}; // the transport could take a frame right now
  std::atomic<clock::rep> last_flush_{0}; // when a flush last took the queue (clock ticks)
};

} // namespace atrium::net
