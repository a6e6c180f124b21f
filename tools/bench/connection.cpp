#include "tools/bench/connection.hpp"

#include <utility>

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

} // namespace

connection::connection(asio::io_context& io, const connect_target& target, handler& h,
                       std::size_t id)
  : ws_(io.get_executor()), target_(target), handler_(h), id_(id) {
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
}

void connection::start() {
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
  ws_.async_read(buffer_, [this](const error_code& ec, std::size_t) { on_read(ec); });
}

void connection::on_read(const error_code& ec) {
  if (state_ == state::closed)
    return;
  if (ec)
    return fail(ec, "read");
  if (ws_.got_text()) {
    auto data = buffer_.cdata();
    handle_frame({static_cast<const char*>(data.data()), data.size()});
  }
  buffer_.consume(buffer_.size());
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
          return handler_.on_open(*this);
        }
        if (packet.front() == '4')
          return fail("namespace connection refused: " + std::string{packet.substr(1)});
      }
      return;
    }
    case '2': // Engine.IO ping; the server closes us if the pong is late
      return send("3");
    case '0':
      if (state_ == state::awaiting_open) {
        state_ = state::awaiting_connect;
        send("40");
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
  ws_.text(true);
  ws_.async_write(asio::buffer(outbox_.front()),
                  [this](const error_code& ec, std::size_t) { on_write(ec); });
}

void connection::on_write(const error_code& ec) {
  writing_ = false;
  if (state_ == state::closed)
    return;
  if (ec)
    return fail(ec, "write");
  outbox_.pop_front();
  if (!outbox_.empty())
    do_write();
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
