#include "tools/bench/connection.hpp"

#include <utility>

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

namespace atrium::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using error_code = boost::system::error_code;

namespace {

constexpr const char* socket_io_target = "/socket.io/?EIO=4&transport=websocket";
// A lean connection writes only `40`, pongs and small requests: Beast's default of 4096 bytes
// for the client's masking buffer would be most of its memory.
constexpr std::size_t lean_write_buffer = 256;
// ... and it reads in steps this small, so that a waiting connection holds no read buffer.
constexpr std::size_t lean_read_chunk = 64;
// The outbox is compacted once this many sent packets sit before its head.
constexpr std::size_t outbox_compact_at = 64;

} // namespace

connection::connection(asio::io_context& io, const connect_target& target, handler& h,
                       std::size_t id, footprint fp)
  : ws_(io.get_executor()), target_(target), handler_(h), id_(id), footprint_(fp) {
  // Compression would cost more CPU per delivery than everything else here together.
  websocket::permessage_deflate deflate;
  deflate.client_enable = false;
  ws_.set_option(deflate);
  ws_.auto_fragment(false);
  // The mask only has to defeat proxy cache poisoning, which loopback benchmarks do not face.
  ws_.secure_prng(false);
  ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(beast::http::field::user_agent, "atrium-bench");
  }));
  if (footprint_ == footprint::lean)
    ws_.write_buffer_bytes(lean_write_buffer);
}

void connection::start(const asio::ip::address* source) {
  if (source != nullptr) {
    auto& socket = ws_.next_layer();
    error_code ec;
    socket.open(target_.endpoint.protocol(), ec);
#ifdef IP_BIND_ADDRESS_NO_PORT
    // Without it, bind() must pick a port unique to the source address alone, before the
    // destination is known; with it the kernel picks at connect(), per destination.
    if (!ec) {
      int one = 1;
      ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
                   sizeof one);
    }
#endif
    if (!ec)
      socket.bind(asio::ip::tcp::endpoint{*source, 0}, ec);
    if (ec) {
      // Handlers are promised calls from inside the loop, never from start().
      asio::post(ws_.get_executor(), [this, ec] { fail(ec, "bind"); });
      return;
    }
  }
  ws_.next_layer().async_connect(target_.endpoint,
                                 [this](const error_code& ec) { on_connect(ec); });
}

void connection::on_connect(const error_code& ec) {
  if (state_ == state::closed)
    return;
  if (ec)
    return fail(ec, "connect");
  error_code ignored;
  // The publisher's small frames must leave at once for the latency figures to mean anything.
  ws_.next_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
  state_ = state::handshaking;
  ws_.async_handshake(target_.host_header, socket_io_target,
                      [this](const error_code& ec) { on_handshake(ec); });
}

void connection::on_handshake(const error_code& ec) {
  if (state_ == state::closed)
    return;
  if (ec)
    return fail(ec, "WebSocket handshake");
  state_ = state::awaiting_open;
  do_read();
  if (!outbox_.empty())
    do_write();
}

void connection::do_read() {
  if (footprint_ == footprint::lean) {
    // async_read would prepare a buffer for a whole TCP frame before any byte arrives, and
    // keep it while the connection waits; read_some takes only what it is given.
    ws_.async_read_some(buffer_, lean_read_chunk,
                        [this](const error_code& ec, std::size_t) { on_read(ec); });
    return;
  }
  ws_.async_read(buffer_, [this](const error_code& ec, std::size_t) { on_read(ec); });
}

void connection::on_read(const error_code& ec) {
  if (state_ == state::closed)
    return;
  if (ec)
    return fail(ec, "read");
  if (!ws_.is_message_done())
    return do_read(); // lean: the rest of the message follows into the same buffer
  if (ws_.got_text()) {
    auto data = buffer_.cdata();
    handle_frame({static_cast<const char*>(data.data()), data.size()});
  }
  buffer_.consume(buffer_.size());
  if (footprint_ == footprint::lean)
    buffer_.shrink_to_fit();
  if (state_ != state::closed)
    do_read();
}

void connection::handle_frame(std::string_view frame) {
  if (frame.empty())
    return;
  switch (frame.front()) {
    case '4': { // Engine.IO message: a Socket.IO packet follows
      auto packet = frame.substr(1);
      if (packet.empty())
        return;
      if (state_ == state::open) {
        if (packet.front() == '2' || packet.front() == '3')
          return handler_.on_packet(*this, packet);
        if (packet.front() == '1')
          return fail("the server disconnected the socket");
        return;
      }
      if (state_ == state::awaiting_connect) {
        if (packet.front() == '0') {
          state_ = state::open;
          handler_.on_connect_reply(*this, packet.substr(1));
          handler_.on_open(*this);
          auto early = std::move(early_);
          early_ = {};
          for (auto& event : early)
            handler_.on_packet(*this, event);
          return;
        }
        // Socket.IO's own server sends what a recovered socket missed before its CONNECT; the
        // official client keeps such events until it is connected, and so does this one.
        if (packet.front() == '2') {
          early_.emplace_back(packet);
          return;
        }
        if (packet.front() == '4')
          return fail("namespace connection refused: " + std::string{packet.substr(1)});
      }
      return;
    }
    case '2': // Engine.IO ping; the server closes us if the pong is late
      ++pings_;
      return send("3");
    case '0':
      if (state_ == state::awaiting_open) {
        state_ = state::awaiting_connect;
        send("40" + connect_auth_);
      }
      return;
    case '1':
      return fail("the server closed the Engine.IO session");
    default:
      return;
  }
}

void connection::send(std::string packet) {
  if (state_ == state::closed)
    return;
  outbox_.push_back(std::move(packet));
  if (!writing_ && state_ != state::connecting && state_ != state::handshaking)
    do_write();
}

void connection::do_write() {
  writing_ = true;
  // The packet leaves the outbox before its write starts: a later send() may reallocate the
  // outbox, which would move a short string's bytes from under the write.
  in_flight_ = std::move(outbox_[outbox_head_]);
  if (++outbox_head_ == outbox_.size()) {
    outbox_.clear();
    outbox_head_ = 0;
  } else if (outbox_head_ >= outbox_compact_at && outbox_head_ * 2 >= outbox_.size()) {
    // A busy publisher may never see its outbox empty: drop the sent packets now and then so
    // it does not grow without bound (amortised: no more moves than packets sent).
    outbox_.erase(outbox_.begin(), outbox_.begin() + static_cast<std::ptrdiff_t>(outbox_head_));
    outbox_head_ = 0;
  }
  ws_.text(true);
  ws_.async_write(asio::buffer(in_flight_),
                  [this](const error_code& ec, std::size_t) { on_write(ec); });
}

void connection::on_write(const error_code& ec) {
  writing_ = false;
  if (state_ == state::closed)
    return;
  if (ec)
    return fail(ec, "write");
  if (!outbox_.empty())
    return do_write();
  if (footprint_ == footprint::lean)
    release_idle_memory();
}

void connection::release_idle_memory() {
  std::vector<std::string>{}.swap(outbox_);
  std::string{}.swap(in_flight_);
}

void connection::abort() {
  if (state_ == state::closed)
    return;
  state_ = state::closed;
  error_code ignored;
  ws_.next_layer().close(ignored);
}

void connection::fail(std::string_view what) {
  if (state_ == state::closed)
    return;
  abort();
  handler_.on_failed(*this, what);
}

void connection::fail(const error_code& ec, const char* during) {
  if (ec == websocket::error::closed)
    return fail(std::string{during} + ": the server closed the WebSocket");
  fail(std::string{during} + ": " + ec.message());
}

} // namespace atrium::bench
