// One Engine.IO v4 / Socket.IO v5 client over a bare WebSocket, on the main namespace.
//
// Built to cost the bench as little as possible per received frame: no strand (the whole bench
// runs on one thread), no timers per operation, no compression, one flat_buffer reused for
// every message, and the frame is handed over as a string_view into that buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "tools/bench/target.hpp"

namespace atrium::bench {

class connection {
public:
  /// What a connection optimises for.
  enum class footprint {
    /// Busy connections: buffers stay allocated between frames.
    normal,
    /// Many mostly-silent connections: a small WebSocket write buffer, messages read in small
    /// steps, the read buffer and outbox freed after use, so that tens of thousands of them
    /// cost little memory. Slower per message.
    lean,
  };

  /// Receives what the workload cares about. Calls are made from inside the I/O loop; a handler
  /// may call send() or abort() on the connection, but must not destroy it.
  class handler {
  public:
    /// The namespace is connected (the server answered `40`).
    virtual void on_open(connection& c) = 0;
    /// Just before on_open: the CONNECT reply's payload, e.g. `{"sid":"...","pid":"..."}`
    /// (the pid with connection state recovery); valid only during the call.
    virtual void on_connect_reply(connection&, std::string_view) {}
    /// A Socket.IO EVENT or ACK packet, e.g. `2["m",{...}]`; valid only during the call.
    virtual void on_packet(connection& c, std::string_view packet) = 0;
    /// The connection is gone (not called after abort()).
    virtual void on_failed(connection& c, std::string_view what) = 0;

  protected:
    ~handler() = default;
  };

  connection(boost::asio::io_context& io, const connect_target& target, handler& h,
             std::size_t id, footprint fp = footprint::normal);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Connects; with a source, from that local address (its port chosen at connect time, so
  /// each source address offers its whole ephemeral port range to every server port).
  void start(const boost::asio::ip::address* source = nullptr);
  /// The auth object (JSON) the CONNECT carries, e.g. a recovery's `{"pid":..,"offset":..}`;
  /// call it before start().
  void set_connect_auth(std::string json) { connect_auth_ = std::move(json); }
  /// Queues one Engine.IO packet (e.g. `42[...]`) as a text frame.
  void send(std::string packet);
  /// Closes the socket at once; pending operations complete with an error and report nothing.
  void abort();

  std::size_t id() const { return id_; }
  /// Engine.IO pings the server sent and this connection answered.
  std::uint32_t pings_answered() const { return pings_; }

private:
  enum class state { connecting, handshaking, awaiting_open, awaiting_connect, open, closed };

  void on_connect(const boost::system::error_code& ec);
  void on_handshake(const boost::system::error_code& ec);
  void do_read();
  void on_read(const boost::system::error_code& ec);
  void handle_frame(std::string_view frame);
  void do_write();
  void on_write(const boost::system::error_code& ec);
  void release_idle_memory();
  void fail(std::string_view what);
  void fail(const boost::system::error_code& ec, const char* during);

  // The concrete executor: the type-erased default costs a copy and an indirection per operation.
  using socket_type = boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                                       boost::asio::io_context::executor_type>;
  boost::beast::websocket::stream<socket_type> ws_;
  const connect_target& target_;
  handler& handler_;
  std::size_t id_;
  state state_ = state::connecting;
  footprint footprint_;
  bool writing_ = false;
  std::uint32_t pings_ = 0;
  boost::beast::flat_buffer buffer_;
  // Beast allows one write in flight (in_flight_); the rest wait in outbox_, in order, from
  // outbox_head_ on. A vector rather than a deque: an empty one allocates nothing, which
  // matters at 50k connections.
  std::vector<std::string> outbox_;
  std::size_t outbox_head_ = 0;
  std::string in_flight_;
  std::string connect_auth_;
  std::vector<std::string> early_; // events that came before the CONNECT reply
};

} // namespace atrium::bench
