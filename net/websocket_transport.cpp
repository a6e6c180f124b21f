#include "net/websocket_transport.hpp"

#include <atomic>
#include <chrono>

#include <optional>

#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "net/engine_session.hpp"
#include "net/log.hpp"
#include "net/ws_link.hpp"

namespace atrium::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

std::atomic<std::size_t> live_links{0};

// Reading buffers above this size are given back after the message that needed them.
constexpr std::size_t idle_read_buffer = 16 * 1024;

/// One WebSocket connection. Its socket lives on the session's strand, so every handler
/// below, and every call from the session, runs there: no locks.
class ws_transport final : public ws_link, public std::enable_shared_from_this<ws_transport> {
public:
  ws_transport(tcp::socket&& socket, std::shared_ptr<engine_session> session, ws_role role,
               std::size_t max_message)
    : ws_(std::move(socket)), session_(std::move(session)), role_(role) {
    ++live_links;
    ws_.read_message_max(max_message);
    ws_.auto_fragment(false); // one frame per message: the peer gets it in one piece
  }

  ~ws_transport() override { --live_links; }

  void run(http_request req) {
    beast::get_lowest_layer(ws_).expires_never(); // the websocket stream times itself
    websocket::stream_base::timeout t;
    t.handshake_timeout = std::chrono::seconds(5); // also bounds the closing handshake
    t.idle_timeout = websocket::stream_base::none(); // Engine.IO's heartbeat judges idleness
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(beast::http::field::server, "atrium");
    }));
    // The request is kept alive until the asynchronous accept has used it.
    req_ = std::move(req);
    ws_.async_accept(req_, [self = shared_from_this()](error_code ec) { self->on_accept(ec); });
  }

  void write(frame_batch batch) override {
    if (close_requested_ || failed_)
      return;
    if (queue_.empty())
      queue_ = std::move(batch);
    else
      queue_.insert(queue_.end(), std::make_move_iterator(batch.begin()),
                    std::make_move_iterator(batch.end()));
    if (!writing_)
      do_write();
  }

  void close() override {
    if (close_requested_)
      return;
    close_requested_ = true;
    if (failed_)
      return; // the connection is gone already: nothing to close, nothing to wait for
    // A peer that stops reading could hold the last write (and so the close) forever.
    kill_timer_.emplace(ws_.get_executor(), std::chrono::seconds(5));
    kill_timer_->async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) {
        error_code ignored;
        beast::get_lowest_layer(self->ws_).socket().close(ignored);
      }
    });
    if (!writing_)
      do_close();
  }

private:
  void on_accept(error_code ec) {
    req_ = {};
    if (ec) {
      fail(ec, "websocket accept");
      if (role_ == ws_role::open)
        session_->end(disconnect_reason::transport_error);
      return;
    }
    accepted_ = true;
    if (role_ == ws_role::open)
      session_->open_websocket(shared_from_this());
    else
      session_->offer_upgrade(shared_from_this());
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](error_code ec, std::size_t n) {
      self->on_read(ec, n);
    });
  }

  void on_read(error_code ec, std::size_t) {
    if (ec) {
      // A protocol violation (bad frame, message too big) is a transport error; the peer
      // closing or vanishing is a transport close.
      bool error = ec.category() == websocket::make_error_code(websocket::error::closed).category()
                   && ec != websocket::error::closed;
      fail(ec, "websocket read");
      failed_ = true;
      if (kill_timer_)
        kill_timer_->cancel();
      session_->ws_closed(this, error && !close_requested_);
      return;
    }
    bool binary = !ws_.got_text();
    auto data = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (buffer_.capacity() > idle_read_buffer)
      buffer_.shrink_to_fit(); // sized for idle, grown on demand only
    session_->ws_message(this, std::move(data), binary);
    do_read();
  }

  // The queue is written in order, one message after the other. Later this is the place for
  // one gather write of every waiting frame.
  void do_write() {
    writing_ = true;
    const auto& f = queue_[next_];
    ws_.binary(f.binary);
    ws_.async_write(asio::buffer(f.bytes.data(), f.bytes.size()),
                    [self = shared_from_this()](error_code ec, std::size_t) {
                      self->on_write(ec);
                    });
  }

  void on_write(error_code ec) {
    if (ec) {
      writing_ = false;
      failed_ = true;
      queue_.clear();
      next_ = 0;
      return fail(ec, "websocket write"); // the read side reports the end to the session
    }
    if (++next_ < queue_.size())
      return do_write();
    queue_.clear();
    next_ = 0;
    writing_ = false;
    if (close_requested_)
      return do_close();
    session_->ws_drained(this);
  }

  void do_close() {
    if (close_started_ || failed_)
      return;
    close_started_ = true;
    if (!accepted_)
      return;
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](error_code ec) {
      if (ec)
        fail(ec, "websocket close");
    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<engine_session> session_;
  ws_role role_;
  http_request req_;
  beast::flat_buffer buffer_;
  frame_batch queue_; // frames queue_[next_..] are still to be written
  std::size_t next_ = 0;
  bool accepted_ = false;
  bool writing_ = false;
  bool close_requested_ = false;
  bool close_started_ = false;
  bool failed_ = false;
  std::optional<asio::steady_timer> kill_timer_;
};

} // namespace

void accept_websocket(tcp::socket socket, http_request req,
                      std::shared_ptr<engine_session> session, ws_role role,
                      std::size_t max_message) {
  // Move the connection onto the session's strand: the session and its WebSocket then share
  // one serial executor, whichever connection the session was born on.
  error_code ec;
  auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) {
    if (role == ws_role::open)
      asio::post(session->executor(), [session] { session->end(disconnect_reason::transport_error); });
    return fail(ec, "websocket endpoint");
  }
  auto handle = socket.release(ec);
  if (ec) {
    if (role == ws_role::open)
      asio::post(session->executor(), [session] { session->end(disconnect_reason::transport_error); });
    return fail(ec, "websocket release");
  }
  tcp::socket moved{session->executor()};
  moved.assign(protocol, handle, ec);
  if (ec) {
    ::close(handle);
    if (role == ws_role::open)
      asio::post(session->executor(), [session] { session->end(disconnect_reason::transport_error); });
    return fail(ec, "websocket assign");
  }
  auto strand = session->executor();
  auto link = std::make_shared<ws_transport>(std::move(moved), std::move(session), role, max_message);
  asio::dispatch(strand, [link, req = std::move(req)]() mutable { link->run(std::move(req)); });
}

std::size_t live_websockets() {
  return live_links.load();
}

} // namespace atrium::net
