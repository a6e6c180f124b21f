#include "tools/client/websocket_transport.hpp"

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace atrium::client {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr std::size_t idle_buffer = 8 * 1024; // kept between messages; more is freed

const char* reason_of(const error_code& ec) {
  if (ec == websocket::error::closed || ec == asio::error::eof
      || ec == beast::http::error::end_of_stream || ec == asio::error::connection_reset
      || ec == asio::error::broken_pipe)
    return "transport close";
  return "transport error";
}

class websocket_impl final : public websocket_transport,
                             public std::enable_shared_from_this<websocket_impl> {
public:
  websocket_impl(const strand_type& strand, std::string host_header, std::string target,
                 std::size_t max_message, std::shared_ptr<session> owner)
    : ws_(strand),
      host_(std::move(host_header)),
      target_(std::move(target)),
      owner_(std::move(owner)) {
    ws_.read_message_max(max_message);
    ws_.auto_fragment(false);
  }

  void start(const endpoint_list& endpoints) {
    asio::async_connect(ws_.next_layer(), endpoints,
                        [self = shared_from_this()](const error_code& ec, const tcp::endpoint&) {
                          self->on_connect(ec);
                        });
  }

  void write(std::vector<out_frame> batch) override {
    if (stopped_ || closing_)
      return;
    if (pending_.empty())
      pending_.swap(batch);
    else
      for (auto& f : batch)
        pending_.push_back(std::move(f));
    if (open_ && !writing_)
      next_write();
  }

  void close() override {
    owner_.reset(); // reports nothing more
    if (stopped_ || closing_)
      return;
    closing_ = true;
    if (!open_) {
      abort();
      return;
    }
    if (!writing_)
      do_close();
  }

  void abort() override {
    owner_.reset();
    if (stopped_)
      return;
    stopped_ = true;
    error_code ignored;
    // Pending operations end with operation_aborted; the buffers they use stay until the
    // last handler releases this object.
    ws_.next_layer().close(ignored);
  }

private:
  void on_connect(const error_code& ec) {
    if (stopped_)
      return;
    if (ec)
      return fail(ec);
    error_code ignored;
    ws_.next_layer().set_option(tcp::no_delay{true}, ignored);
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws_.async_handshake(host_, target_, [self = shared_from_this()](const error_code& ec) {
      self->on_handshake(ec);
    });
  }

  void on_handshake(const error_code& ec) {
    if (stopped_)
      return;
    if (ec)
      return fail(ec);
    open_ = true;
    target_.clear();
    target_.shrink_to_fit();
    if (closing_) {
      do_close();
      return;
    }
    do_read();
    if (auto owner = owner_)
      owner->ws_opened(this);
    if (!stopped_ && !writing_ && !pending_.empty())
      next_write();
  }

  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](const error_code& ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(const error_code& ec) {
    if (stopped_)
      return;
    if (ec)
      return fail(ec);
    std::string message = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (buffer_.capacity() > idle_buffer)
      buffer_.shrink_to_fit();
    bool binary = ws_.got_binary();
    if (auto owner = owner_) // the session may stop or close this while it handles it
      owner->ws_message(this, std::move(message), binary);
    if (!stopped_)
      do_read();
  }

  void next_write() {
    if (index_ == batch_.size()) {
      batch_.clear();
      index_ = 0;
      if (pending_.empty()) {
        writing_ = false;
        batch_.shrink_to_fit();
        if (closing_) {
          do_close();
          return;
        }
        if (auto owner = owner_)
          owner->ws_drained(this);
        return;
      }
      batch_.swap(pending_);
    }
    writing_ = true;
    auto& f = batch_[index_];
    ws_.binary(f.binary);
    ws_.async_write(asio::buffer(f.bytes),
                    [self = shared_from_this()](const error_code& ec, std::size_t) {
                      if (self->stopped_)
                        return;
                      if (ec)
                        return self->fail(ec);
                      ++self->index_;
                      self->next_write();
                    });
  }

  void do_close() {
    ws_.async_close(websocket::close_code::normal,
                    [self = shared_from_this()](const error_code&) {
                      // The close handshake is over (or failed): the connection goes.
                      self->abort();
                    });
  }

  void fail(const error_code& ec) {
    auto owner = std::move(owner_);
    abort();
    if (owner)
      owner->ws_closed(this, reason_of(ec));
  }

  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  std::string host_;
  std::string target_;
  std::shared_ptr<session> owner_; // null once the session wants no more reports
  std::vector<out_frame> batch_;   // being written, frame by frame
  std::size_t index_ = 0;
  std::vector<out_frame> pending_; // handed over while batch_ was being written
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool stopped_ = false;
};

} // namespace

std::shared_ptr<websocket_transport> websocket_transport::make(strand_type strand,
                                                               endpoint_list endpoints,
                                                               std::string host_header,
                                                               std::string target,
                                                               std::size_t max_message,
                                                               std::shared_ptr<session> owner) {
  auto t = std::make_shared<websocket_impl>(strand, std::move(host_header), std::move(target),
                                            max_message, std::move(owner));
  t->start(endpoints);
  return t;
}

} // namespace atrium::client
