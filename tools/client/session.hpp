#pragma once

// The Engine.IO session behind a client::connection: handshake, heartbeat, the outbound
// queue, the polling → WebSocket upgrade and the end of the session. It runs on one strand;
// the transports (polling_transport, websocket_transport) run on the same strand and report
// to it. No Beast here: the transports keep it in their own translation units.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "tools/client/client.hpp"
#include "tools/client/frames.hpp"

namespace atrium::client {

using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;
using endpoint_list = std::vector<boost::asio::ip::tcp::endpoint>;

class polling_transport;
class websocket_transport;

class session final : public connection, public std::enable_shared_from_this<session> {
public:
  session(boost::asio::io_context& ioc, options opts, callbacks cbs);
  ~session() override;

  void start();

  // -- connection ------------------------------------------------------------------------
  void send(sio::packet p, std::vector<std::string> attachments) override;
  void close() override;
  void abort() override;
  std::string sid() const override;
  bool upgraded() const override;

  // -- from the transports (on the strand) -----------------------------------------------
  /// A GET (`is_get`) or POST finished. `failure` is null on a 200 answer, otherwise the
  /// close reason ("transport close", "transport error").
  void poll_done(polling_transport* t, bool is_get, const char* failure, std::string body);
  void ws_opened(websocket_transport* t);
  void ws_message(websocket_transport* t, std::string data, bool binary);
  /// Every batch given to `write` has been written.
  void ws_drained(websocket_transport* t);
  /// The WebSocket ended (its reason string); it reports nothing more.
  void ws_closed(websocket_transport* t, const char* why);

private:
  enum class phase : std::uint8_t {
    resolving,
    handshaking, // waiting for the open packet
    open,
    closing, // on_close has run; the goodbye (queued frames, then "1") is being written
    closed,
  };
  enum class upgrade_phase : std::uint8_t {
    none,       // no upgrade under way
    connecting, // the probe WebSocket is being opened
    probing,    // "2probe" sent, waiting for "3probe"
    pausing,    // "3probe" received: waiting for the GET and the POST in flight to finish
  };

  void on_resolved(endpoint_list endpoints);
  void start_transport();
  std::string target(const char* transport_name, bool with_sid) const;
  std::string host_header() const;

  // Engine.IO packets from whichever transport carries the session.
  void on_packet(char type, std::string_view data);
  void on_binary(std::string bytes);
  bool on_open_packet(std::string_view json);
  void deliver(packet_assembler::status st);

  // Outbound.
  void enqueue(out_frame f);
  void flush();
  void post_batch();
  std::string take_poll_body();

  // Polling.
  void poll();
  bool polling_idle() const;

  // Upgrade.
  void start_probe();
  void drop_probe();
  void maybe_finish_upgrade();

  // Heartbeat: the server pings every pingInterval; silence for pingInterval + pingTimeout
  // means it is gone.
  void arm_heartbeat();
  void arm_timer(std::chrono::milliseconds after);
  void on_timer();

  /// Ends the session: on_close(why) once, then the transports go (gracefully or not).
  void finish(const char* why, bool graceful);
  void stop_transports();

  strand_type strand_;
  options opts_;
  callbacks cbs_;
  packet_assembler assembler_;
  inbound scratch_; // reused for every delivered packet

  phase phase_ = phase::resolving;
  upgrade_phase upgrade_ = upgrade_phase::none;
  endpoint_list endpoints_;
  std::unique_ptr<boost::asio::ip::tcp::resolver> resolver_; // only for host names

  std::shared_ptr<polling_transport> polling_;
  std::shared_ptr<websocket_transport> ws_;    // the WebSocket carrying the session
  std::shared_ptr<websocket_transport> probe_; // the WebSocket being probed
  bool get_in_flight_ = false;
  bool post_in_flight_ = false;
  bool ws_writing_ = false;
  bool hold_poll_ = false;     // a GET came back empty while probing: wait for the probe

  std::vector<out_frame> queue_;
  std::size_t queue_bytes_ = 0;

  std::string sid_string_;
  std::chrono::milliseconds ping_interval_{25000};
  std::chrono::milliseconds ping_timeout_{20000};
  std::size_t server_max_payload_ = 1000000;
  bool server_offers_ws_ = false;
  boost::asio::steady_timer heartbeat_;
  std::uint64_t heartbeat_gen_ = 0;

  mutable std::mutex sid_mutex_; // sid() is read from any thread
  std::string sid_public_;
  std::atomic<bool> upgraded_{false};
};

} // namespace atrium::client
