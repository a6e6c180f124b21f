#include "tools/client/polling_transport.hpp"

#include <optional>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace atrium::client {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr std::size_t header_limit = 16 * 1024;
constexpr std::size_t post_answer_limit = 64 * 1024; // "ok", or an error object
constexpr std::size_t idle_buffer = 8 * 1024;        // kept between requests; more is freed

const char* reason_of(const error_code& ec) {
  if (ec == asio::error::eof || ec == http::error::end_of_stream
      || ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
    return "transport close";
  return "transport error";
}

// The peer closed a kept-alive connection before answering: it never saw the request.
bool stale_connection(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof
         || ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

/// One keep-alive HTTP/1.1 connection carrying one request at a time.
struct http_channel {
  explicit http_channel(const strand_type& strand) : socket(strand) {}

  tcp::socket socket;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  std::optional<http::response_parser<http::string_body>> parser;
  bool connected = false;
  bool reused = false;  // the request went out on a connection that served one before
  bool retried = false; // ... and was already sent again once on a fresh connection
};

class polling_impl final : public polling_transport,
                           public std::enable_shared_from_this<polling_impl> {
public:
  polling_impl(strand_type strand, endpoint_list endpoints, std::string host_header,
               std::size_t max_body, std::shared_ptr<session> owner)
    : endpoints_(std::move(endpoints)),
      host_(std::move(host_header)),
      max_body_(max_body),
      owner_(std::move(owner)),
      get_(strand),
      post_(strand) {
  }

  void get(std::string target) override {
    start(get_, http::verb::get, std::move(target), {});
  }

  void post(std::string target, std::string body) override {
    start(post_, http::verb::post, std::move(target), std::move(body));
  }

  void stop() override {
    stopped_ = true;
    owner_.reset(); // pending handlers complete with operation_aborted and report nothing
    error_code ignored;
    get_.socket.close(ignored);
    post_.socket.close(ignored);
  }

private:
  bool is_get(const http_channel& ch) const { return &ch == &get_; }

  void start(http_channel& ch, http::verb verb, std::string target, std::string body) {
    if (stopped_)
      return;
    ch.request = {};
    ch.request.method(verb);
    ch.request.target(target);
    ch.request.version(11);
    ch.request.set(http::field::host, host_);
    ch.request.keep_alive(true);
    if (verb == http::verb::post) {
      ch.request.set(http::field::content_type, "text/plain;charset=UTF-8");
      ch.request.body() = std::move(body);
    }
    ch.request.prepare_payload();
    ch.retried = false;
    send(ch);
  }

  void send(http_channel& ch) {
    if (ch.connected) {
      ch.reused = true;
      write(ch);
      return;
    }
    ch.reused = false;
    asio::async_connect(ch.socket, endpoints_,
                        [self = shared_from_this(), &ch](const error_code& ec, const tcp::endpoint&) {
                          if (ec)
                            return self->done(ch, ec, 0, {});
                          ch.socket.set_option(tcp::no_delay{true});
                          ch.connected = true;
                          self->write(ch);
                        });
  }

  void write(http_channel& ch) {
    http::async_write(ch.socket, ch.request,
                      [self = shared_from_this(), &ch](const error_code& ec, std::size_t) {
                        if (ec)
                          return self->failed(ch, ec);
                        self->read(ch);
                      });
  }

  void read(http_channel& ch) {
    ch.parser.emplace();
    ch.parser->header_limit(header_limit);
    ch.parser->body_limit(is_get(ch) ? max_body_ : post_answer_limit);
    http::async_read(ch.socket, ch.buffer, *ch.parser,
                     [self = shared_from_this(), &ch](const error_code& ec, std::size_t) {
                       if (ec)
                         return self->failed(ch, ec);
                       auto res = ch.parser->release();
                       ch.parser.reset();
                       if (!res.keep_alive())
                         self->disconnect(ch);
                       self->done(ch, {}, res.result_int(), std::move(res.body()));
                     });
  }

  void failed(http_channel& ch, const error_code& ec) {
    bool nothing_read = !ch.parser || !ch.parser->got_some();
    disconnect(ch);
    if (!stopped_ && ch.reused && !ch.retried && nothing_read && stale_connection(ec)) {
      // The server had closed the idle connection: send the request again on a new one.
      ch.retried = true;
      ch.parser.reset();
      send(ch);
      return;
    }
    done(ch, ec, 0, {});
  }

  void disconnect(http_channel& ch) {
    error_code ignored;
    ch.socket.close(ignored);
    ch.connected = false;
    ch.buffer.clear();
  }

  void done(http_channel& ch, const error_code& ec, unsigned status, std::string body) {
    ch.request = {}; // the body of a POST is not kept
    ch.parser.reset();
    if (ch.buffer.size() == 0 && ch.buffer.capacity() > idle_buffer)
      ch.buffer.shrink_to_fit();
    if (stopped_ || !owner_)
      return;
    const char* failure = nullptr;
    if (ec)
      failure = reason_of(ec);
    else if (status != 200)
      failure = "transport error";
    auto owner = owner_; // the session may stop this transport while it handles the answer
    owner->poll_done(this, is_get(ch), failure, std::move(body));
  }

  endpoint_list endpoints_;
  std::string host_;
  std::size_t max_body_;
  std::shared_ptr<session> owner_;
  http_channel get_;
  http_channel post_;
  bool stopped_ = false;
};

} // namespace

std::shared_ptr<polling_transport> polling_transport::make(strand_type strand,
                                                           endpoint_list endpoints,
                                                           std::string host_header,
                                                           std::size_t max_body,
                                                           std::shared_ptr<session> owner) {
  return std::make_shared<polling_impl>(std::move(strand), std::move(endpoints),
                                        std::move(host_header), max_body, std::move(owner));
}

} // namespace atrium::client
