#include "net/http_connection.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "actors/boundary/metrics.hpp"
#include "net/engine_endpoint.hpp"
#include "net/health.hpp"
#include "net/log.hpp"
#include "net/polling.hpp"
#include "net/static_files.hpp"
#include "net/url.hpp"
#include "net/websocket_key.hpp"

namespace atrium::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

engine_endpoint* http_routes::find(std::string_view path) const {
  // "/socket.io" and "/socket.io/" are the same path.
  auto trim = [](std::string_view p) {
    if (p.size() > 1 && p.back() == '/')
      p.remove_suffix(1);
    return p;
  };
  auto wanted = trim(path);
  for (const auto& [prefix, ep] : engines)
    if (trim(prefix) == wanted)
      return ep;
  return nullptr;
}

bool http_routes::reserved(std::string_view path) const {
  auto under = [&](std::string_view prefix) {
    if (!prefix.empty() && prefix.back() == '/')
      prefix.remove_suffix(1);
    return path.substr(0, prefix.size()) == prefix
           && (path.size() == prefix.size() || path[prefix.size()] == '/');
  };
  if (under("/atrium"))
    return true;
  for (const auto& engine : engines)
    if (under(engine.first))
      return true;
  return false;
}

namespace {

constexpr auto write_timeout = std::chrono::seconds(30);
constexpr auto linger_timeout = std::chrono::seconds(5);
constexpr std::size_t header_limit = 16 * 1024;

std::string_view view(beast::string_view s) {
  return {s.data(), s.size()};
}

bool is_websocket_upgrade(const http_request& req) {
  return req.method() == http::verb::get
         && beast::iequals(req[http::field::upgrade], "websocket")
         && http::token_list{req[http::field::connection]}.exists("upgrade");
}

class http_connection final : public poll_responder,
                              public std::enable_shared_from_this<http_connection> {
public:
  http_connection(tcp::socket&& socket, const http_routes& routes)
    : stream_(std::move(socket)), routes_(routes) {
    error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec)
      remote_ = ep.address().to_string();
  }

  void run() { do_read(); }

  // A session's answer to the polling request this connection waits on (any thread).
  void respond(unsigned status, std::string body) override {
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), status, body = std::move(body)]() mutable {
                 self->on_answer(status, std::move(body));
               });
  }

private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(routes_.max_body);
    parser_->header_limit(header_limit);
    stream_.expires_after(routes_.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(error_code ec) {
    if (ec == http::error::end_of_stream)
      return shut();
    if (ec == http::error::body_limit) {
      // Over maxPayload: 413, and the session it was meant for is closed.
      auto target = parse_target(view(parser_->get().target()));
      if (auto* ep = routes_.find(target.path))
        ep->too_large(target);
      remember(parser_->get());
      keep_alive_ = false;
      unread_body_ = true;
      return write(413, {}, "text/plain", true);
    }
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
        keep_alive_ = false;
        version_ = 11;
        head_ = false;
        origin_.clear();
        return write(400, {}, "text/plain", false);
      }
      return fail(ec, "http read");
    }
    handle(parser_->release());
  }

  void remember(const http_request& req) {
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    head_ = req.method() == http::verb::head;
    origin_ = std::string{req[http::field::origin]};
  }

  void handle(http_request&& req) {
    remember(req);
    auto target = parse_target(view(req.target()));
    if (is_probe(target.path) && req.method() == http::verb::get) {
      auto answer = answer_probe("GET", target.path, routes_.not_ready ? routes_.not_ready() : "");
      return write(answer->status, std::move(answer->body), "application/json", false);
    }
    if (routes_.stats && target.path == "/atrium/stats" && req.method() == http::verb::get)
      return write(200, routes_.stats(), "application/json", false);
    if (routes_.metrics && target.path == "/metrics" && req.method() == http::verb::get)
      return write(200, routes_.metrics(), metrics::content_type, false);
    auto* ep = routes_.find(target.path);
    if (!ep) {
      // Decoded too: "/socket%2eio/x" must not reach a file the engine's path would shadow.
      if (routes_.files && !routes_.reserved(target.path)
          && !routes_.reserved(url_decode(target.path)))
        return serve_file(req);
      return write(404, "Not Found", "text/plain", false);
    }
    if (req.method() == http::verb::options) {
      preflight_headers_ = std::string{req[http::field::access_control_request_headers]};
      return write(204, {}, {}, true, true);
    }
    if (is_websocket_upgrade(req)) {
      if (!valid_websocket_key(req))
        return write(400, error_body(request_error::bad_request), "application/json", true);
      if (auto refusal = ep->check_websocket(target, remote_))
        return write(refusal->status, std::move(refusal->body), "application/json", true);
      // The socket leaves this connection for good: it becomes a WebSocket on its session.
      stream_.expires_never();
      ep->websocket(stream_.release_socket(), std::move(req), target, remote_);
      return;
    }
    // Only a GET may wait long for its answer; only its client going away matters.
    bool long_poll = req.method() == http::verb::get;
    awaiting_ = true;
    session_ = ep->polling(std::move(req), target, remote_, shared_from_this());
    if (long_poll)
      watch();
  }

  // While a GET waits for packets, a read on the idle socket notices the client going away
  // (an aborted poll closes its session).
  void watch() {
    if (watching_)
      return;
    watching_ = true;
    stream_.expires_never();
    stream_.async_read_some(buffer_.prepare(512),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              self->on_watch(ec, n);
                            });
  }

  void on_watch(error_code ec, std::size_t n) {
    watching_ = false;
    buffer_.commit(n);
    if (ec && !(ec == asio::error::operation_aborted && unwatch_)) {
      if (awaiting_) {
        awaiting_ = false;
        if (auto s = session_.lock()) {
          asio::post(s->executor(), [s, self = shared_from_this()] { s->poll_aborted(self.get()); });
        }
      }
      error_code ignored;
      stream_.socket().close(ignored);
      return;
    }
    unwatch_ = false;
    if (awaiting_ || writing_) {
      // The client sent more (a pipelined request): it is parsed after the answer.
      if (buffer_.size() < header_limit && awaiting_)
        watch();
      return;
    }
    if (!closed_)
      do_read();
  }

  void on_answer(unsigned status, std::string body) {
    if (!awaiting_)
      return; // the client went away meanwhile
    awaiting_ = false;
    session_.reset();
    auto type = status == 200 ? "text/plain; charset=UTF-8" : "application/json";
    write(status, std::move(body), type, true);
  }

  void serve_file(const http_request& req) {
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      extra_headers_.emplace_back(http::field::allow, "GET, HEAD");
      return write(405, "Method Not Allowed", "text/plain", false);
    }
    auto target = view(req.target());
    auto q = target.find('?');
    auto query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    auto found = routes_.files->lookup(target.substr(0, q), query);
    switch (found.result) {
      case static_lookup::outcome::file:
        return write_file(std::move(found));
      case static_lookup::outcome::redirect:
        extra_headers_.emplace_back(http::field::location, std::move(found.location));
        return write(301, "Moved Permanently", "text/plain", false);
      case static_lookup::outcome::bad_request:
        return write(400, "Bad Request", "text/plain", false);
      case static_lookup::outcome::not_found:
        break;
    }
    write(404, "Not Found", "text/plain", false);
  }

  template <class Body>
  void file_headers(http::response<Body>& res, const static_lookup& found) {
    res.version(version_);
    res.result(http::status::ok);
    res.set(http::field::server, "atrium");
    res.set(http::field::content_type,
            beast::string_view{found.content_type.data(), found.content_type.size()});
    res.set("X-Content-Type-Options", "nosniff");
    // The page is edited in place while one tries it: a browser asks again every time.
    res.set(http::field::cache_control, "no-cache");
    res.keep_alive(keep_alive_);
  }

  void write_file(static_lookup found) {
    if (head_) {
      res_.emplace();
      file_headers(*res_, found);
      res_->content_length(found.size);
      return send();
    }
    file_res_.emplace();
    file_headers(*file_res_, found);
    beast::file file;
    file.native_handle(found.file.release());
    error_code ec;
    file_res_->body().reset(std::move(file), ec);
    if (ec) {
      file_res_.reset();
      return write(500, "Internal Server Error", "text/plain", false);
    }
    file_res_->prepare_payload();
    file_sr_.emplace(*file_res_);
    writing_ = true;
    write_file_part();
  }

  // A file goes out a buffer at a time, each with its own deadline: a large one to a slow but
  // reading client takes as long as it takes, a client that stops reading is dropped.
  void write_file_part() {
    stream_.expires_after(write_timeout);
    http::async_write_some(stream_, *file_sr_,
                           [self = shared_from_this()](error_code ec, std::size_t) {
                             if (!ec && !self->file_sr_->is_done())
                               return self->write_file_part();
                             self->on_write(ec);
                           });
  }

  void write(unsigned status, std::string body, std::string_view content_type, bool cors,
             bool preflight = false) {
    res_.emplace();
    auto& res = *res_;
    res.version(version_);
    res.result(status);
    res.set(http::field::server, "atrium");
    if (!content_type.empty())
      res.set(http::field::content_type, beast::string_view{content_type.data(), content_type.size()});
    if (cors)
      cors_headers(res, preflight);
    for (auto& [field, value] : extra_headers_)
      res.set(field, value);
    extra_headers_.clear();
    res.keep_alive(keep_alive_);
    if (head_) {
      // HEAD: the length the GET's body would have, and no body.
      res.content_length(body.size());
    } else {
      res.body() = std::move(body);
      res.prepare_payload();
    }
    send();
  }

  void send() {
    writing_ = true;
    // A client that stops reading must not pin this connection (and its body) forever. Only
    // the write direction is re-armed: a pending watch read keeps its own (no) deadline.
    stream_.expires_after(write_timeout);
    http::async_write(stream_, *res_, [self = shared_from_this()](error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void cors_headers(http::response<http::string_body>& res, bool preflight) {
    if (routes_.cors_origin == "*") {
      if (!origin_.empty()) {
        res.set(http::field::access_control_allow_origin, origin_);
        res.set(http::field::access_control_allow_credentials, "true");
        res.set(http::field::vary, "Origin");
      } else {
        res.set(http::field::access_control_allow_origin, "*");
      }
    } else {
      res.set(http::field::access_control_allow_origin, routes_.cors_origin);
      res.set(http::field::access_control_allow_credentials, "true");
    }
    if (preflight) {
      res.set(http::field::access_control_allow_methods, "GET,HEAD,PUT,PATCH,POST,DELETE");
      if (!preflight_headers_.empty())
        res.set(http::field::access_control_allow_headers, preflight_headers_);
    }
  }

  void on_write(error_code ec) {
    writing_ = false;
    res_.reset();
    file_sr_.reset();
    file_res_.reset();
    if (ec) {
      closed_ = true;
      return fail(ec, "http write");
    }
    if (!keep_alive_)
      return unread_body_ ? linger() : shut();
    if (watching_) {
      // Stop watching; reading the next request takes over (with its idle timeout).
      unwatch_ = true;
      error_code ignored;
      stream_.socket().cancel(ignored);
      return;
    }
    do_read();
  }

  // The rest of a refused body is still coming: closing with it unread makes the kernel send a
  // reset, which can destroy the 413 before the client reads it. So stop sending, and read and
  // drop what comes until the client closes, for a bounded time and amount (a lingering close).
  void linger() {
    closed_ = true;
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::min<std::chrono::steady_clock::duration>(linger_timeout,
                                                                       routes_.read_timeout));
    buffer_.clear();
    drain(4 * routes_.max_body);
  }

  void drain(std::size_t allowed) {
    stream_.async_read_some(buffer_.prepare(16 * 1024),
                            [self = shared_from_this(), allowed](error_code ec, std::size_t n) {
                              if (ec || n >= allowed) {
                                error_code ignored;
                                self->stream_.socket().close(ignored);
                                return;
                              }
                              self->drain(allowed - n);
                            });
  }

  void shut() {
    closed_ = true;
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  const http_routes& routes_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
  std::optional<http::response<http::file_body>> file_res_;
  std::optional<http::response_serializer<http::file_body>> file_sr_; // writes *file_res_
  std::vector<std::pair<http::field, std::string>> extra_headers_; // for the next write()
  // the request being answered
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;
  std::string origin_;
  std::string preflight_headers_;
  std::weak_ptr<engine_session> session_; // where an unanswered polling request waits
  bool awaiting_ = false; // a session owes this connection an answer
  bool watching_ = false;
  bool unwatch_ = false;
  bool writing_ = false;
  bool closed_ = false;
  bool unread_body_ = false; // the request was refused before its body was read
};

} // namespace

void serve_http(tcp::socket socket, const http_routes& routes) {
  std::make_shared<http_connection>(std::move(socket), routes)->run();
}

} // namespace atrium::net
