#include "net/api_server.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "actors/boundary/metrics.hpp"
#include "net/log.hpp"

namespace atrium::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t header_limit = 16 * 1024;
constexpr auto linger_timeout = std::chrono::seconds(2);

// What a reply goes through to reach its connection. Once the server has stopped, a reply is
// dropped here instead of being posted to an io_context that may no longer exist; the mutex
// makes "not stopped" and the post one step.
struct reply_gate {
  std::mutex mtx;
  bool stopped = false;
};

// One request's claim to an answer: the reply, the timeout and the handler's exception race
// for it, and only the first one answers.
struct reply_token {
  std::atomic<bool> used{false};
  bool claim() { return !used.exchange(true); }
};

bool is_token(std::string_view name) {
  static constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || specials.find(c) != std::string_view::npos;
  });
}

bool is_field_value(std::string_view v) {
  return std::none_of(v.begin(), v.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

api_response error_response(unsigned status, const char* what) {
  api_response r;
  r.status = status;
  r.body = std::string{"{\"error\":\""} + what + "\"}";
  return r;
}

} // namespace

struct api_server::impl {
  class connection;

  impl(api_server_options o, api_handler h)
    : opts(std::move(o)),
      handler(std::move(h)),
      gate(std::make_shared<reply_gate>()),
      acceptor(asio::make_strand(ioc)) {}

  void do_accept();
  void refuse(tcp::socket& s);

  api_server_options opts;
  api_handler handler;
  std::shared_ptr<reply_gate> gate;
  // Declared before everything that lives in it, so destroyed after: the connections that its
  // unrun handlers still own unregister below while it shuts down.
  std::mutex registry_mtx;
  std::set<connection*> connections;
  std::atomic<std::size_t> live{0};
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::mutex lifecycle;
  bool started = false;
  bool stopped = false;
  std::uint16_t bound_port = 0;
};

// One accepted connection, on a strand of its own: read a request, hand it to the handler,
// wait for the reply (or the timeout), write it, read the next.
class api_server::impl::connection : public std::enable_shared_from_this<connection> {
public:
  connection(tcp::socket&& s, impl& server)
    : server_(server),
      strand_(s.get_executor()),
      stream_(std::move(s)),
      timer_(strand_),
      timeout_(std::chrono::milliseconds(std::max(1u, server.opts.request_timeout_ms))) {
    error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec)
      remote_ = ep.address().to_string();
    ++server_.live;
    std::lock_guard<std::mutex> guard{server_.registry_mtx};
    server_.connections.insert(this);
  }

  ~connection() {
    {
      std::lock_guard<std::mutex> guard{server_.registry_mtx};
      server_.connections.erase(this);
    }
    --server_.live;
  }

  void run() { do_read(); }

  // Only once no io thread runs any more (stop()): nothing else touches the connection then.
  void force_close() {
    closed_ = true;
    error_code ignored;
    timer_.cancel();
    stream_.socket().close(ignored);
  }

private:
  void do_read() {
    if (closed_)
      return;
    parser_.emplace();
    parser_->body_limit(server_.opts.max_body);
    parser_->header_limit(header_limit);
    stream_.expires_after(timeout_);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(error_code ec) {
    if (ec)
      return on_read_error(ec);
    // curl and others wait a second for "100 Continue" before sending a body: say it now,
    // the body limit having been checked against Content-Length already.
    auto& req = parser_->get();
    if (!parser_->is_done() && beast::iequals(req[http::field::expect], "100-continue")) {
      static const std::string go_on = "HTTP/1.1 100 Continue\r\n\r\n";
      return asio::async_write(stream_, asio::buffer(go_on),
                               [self = shared_from_this()](error_code ec, std::size_t) {
                                 if (ec)
                                   return self->close(ec, "api write");
                                 self->read_body();
                               });
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(error_code ec) {
    if (ec)
      return on_read_error(ec);
    handle(parser_->release());
  }

  void on_read_error(error_code ec) {
    // The client went away or went quiet: nothing to answer, nothing worth a line.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message
        || ec == beast::error::timeout)
      return close({}, nullptr);
    keep_alive_ = false;
    version_ = 11;
    head_ = false;
    if (ec == http::error::body_limit) {
      unread_body_ = true;
      return write(error_response(413, "body too large"));
    }
    if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
      unread_body_ = true; // the rest of the garbage may still be coming: linger too
      return write(error_response(400, "bad request"));
    }
    close(ec, "api read");
  }

  void handle(http::request<http::string_body>&& req) {
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    head_ = req.method() == http::verb::head;
    api_request r;
    r.method = std::string{req.method_string()};
    r.target = std::string{req.target()};
    r.authorization = std::string{req[http::field::authorization]};
    r.content_type = std::string{req[http::field::content_type]};
    r.body = std::move(req.body());
    r.remote_address = remote_;

    auto seq = ++seq_;
    auto token = std::make_shared<reply_token>();
    token_ = token;
    awaiting_ = true;
    stream_.expires_never();
    timer_.expires_after(timeout_);
    timer_.async_wait([self = shared_from_this(), seq](error_code ec) {
      if (!ec)
        self->on_timeout(seq);
    });
    // A reply may outlive the server: it holds nothing of the io_context (no executor, whose
    // destruction would touch the io_context's services), only the gate and a weak pointer.
    api_reply reply = [gate = server_.gate, weak = weak_from_this(), token, seq](api_response res) {
      if (!token->claim())
        return;
      std::lock_guard<std::mutex> guard{gate->mtx};
      if (gate->stopped)
        return;
      if (auto self = weak.lock())
        asio::post(self->strand_, [self, seq, res = std::move(res)]() mutable {
          self->answer(seq, std::move(res));
        });
    };
    try {
      server_.handler(std::move(r), std::move(reply));
    } catch (...) {
      if (token->claim())
        answer(seq, error_response(500, "internal error"));
    }
  }

  void on_timeout(std::uint64_t seq) {
    if (seq == seq_ && awaiting_ && token_ && token_->claim())
      answer(seq, error_response(504, "timed out"));
  }

  // On the strand: the answer to request `seq`, if that is still the one waiting.
  void answer(std::uint64_t seq, api_response res) {
    if (closed_ || !awaiting_ || seq != seq_)
      return;
    awaiting_ = false;
    token_.reset();
    timer_.cancel();
    write(std::move(res));
  }

  void write(api_response r) {
    auto& res = res_.emplace();
    res.version(version_);
    res.result(r.status >= 100 && r.status <= 599 ? r.status : 500);
    metrics::process().api_request(res.result_int());
    res.set(http::field::server, "atrium");
    if (!r.content_type.empty() && is_field_value(r.content_type))
      res.set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) {
      if (!is_token(name) || !is_field_value(value) || beast::iequals(name, "content-length")
          || beast::iequals(name, "transfer-encoding") || beast::iequals(name, "connection"))
        continue; // the framing is ours; a bad header must not break the response
      res.set(name, value);
    }
    res.keep_alive(keep_alive_);
    res.body() = std::move(r.body);
    res.prepare_payload();
    if (head_)
      res.body().clear(); // Content-Length stays that of the GET
    stream_.expires_after(timeout_);
    http::async_write(stream_, res, [self = shared_from_this()](error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(error_code ec) {
    res_.reset();
    if (ec)
      return close(ec, "api write");
    if (!keep_alive_)
      return unread_body_ ? linger() : close({}, nullptr);
    do_read();
  }

  // The rest of a refused body may still be coming: closing with it unread makes the kernel
  // send a reset, which can destroy the 413 before the client reads it. So stop sending, and
  // read and drop what comes, for a bounded time and amount.
  void linger() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(linger_timeout);
    buffer_.clear();
    drain(4 * server_.opts.max_body + header_limit);
  }

  void drain(std::size_t allowed) {
    stream_.async_read_some(buffer_.prepare(16 * 1024),
                            [self = shared_from_this(), allowed](error_code ec, std::size_t n) {
                              if (ec || n >= allowed)
                                return self->close({}, nullptr);
                              self->drain(allowed - n);
                            });
  }

  void close(error_code ec, const char* what) {
    if (ec && what)
      fail(ec, what);
    closed_ = true;
    error_code ignored;
    timer_.cancel();
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  impl& server_;
  const asio::any_io_executor strand_; // the connection's strand, where replies are posted
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  const std::chrono::milliseconds timeout_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
  // the request being answered
  std::uint64_t seq_ = 0;
  std::shared_ptr<reply_token> token_;
  bool awaiting_ = false;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;
  bool unread_body_ = false; // refused before all of it was read: close with a linger
  bool closed_ = false;
};

void api_server::impl::do_accept() {
  // Each connection gets its own strand: its handlers never run concurrently.
  acceptor.async_accept(asio::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open())
      return;
    if (ec) {
      // Out of descriptors, say: pause a moment instead of spinning, then accept again.
      fail(ec, "api accept");
      auto pause = std::make_shared<asio::steady_timer>(acceptor.get_executor(),
                                                        std::chrono::milliseconds(50));
      pause->async_wait([this, pause](error_code) {
        if (acceptor.is_open())
          do_accept();
      });
      return;
    }
    // Only this strand admits connections, so `live` cannot overshoot between check and count.
    if (live.load() >= opts.max_connections) {
      refuse(socket);
    } else {
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<connection>(std::move(socket), *this)->run();
    }
    do_accept();
  });
}

void api_server::impl::refuse(tcp::socket& s) {
  // Best effort and never blocking: a fresh socket's send buffer takes these few bytes.
  static const std::string busy = "HTTP/1.1 503 Service Unavailable\r\nServer: atrium\r\n"
                                  "Content-Type: application/json\r\nContent-Length: 32\r\n"
                                  "Connection: close\r\n\r\n{\"error\":\"too many connections\"}";
  error_code ignored;
  s.non_blocking(true, ignored);
  s.write_some(asio::buffer(busy), ignored);
  metrics::process().api_request(503);
  s.shutdown(tcp::socket::shutdown_both, ignored);
  s.close(ignored);
}

api_server::api_server(api_server_options opts, api_handler handler)
  : impl_(std::make_unique<impl>(std::move(opts), std::move(handler))) {}

api_server::~api_server() {
  stop();
}

void api_server::start() {
  auto& d = *impl_;
  std::lock_guard<std::mutex> guard{d.lifecycle};
  if (d.started || d.stopped)
    throw std::runtime_error("api_server: start() called twice, or after stop()");
  auto where = d.opts.host + ":" + std::to_string(d.opts.port);
  error_code ec;
  tcp::endpoint at;
  auto address = asio::ip::make_address(d.opts.host, ec);
  if (!ec) {
    at = tcp::endpoint{address, d.opts.port};
  } else {
    // A name ("localhost"): resolved once, here; start() is no hot path.
    tcp::resolver resolver{d.ioc};
    auto found = resolver.resolve(d.opts.host, std::to_string(d.opts.port), ec);
    if (ec || found.empty())
      throw std::runtime_error("api_server: cannot resolve " + d.opts.host + ": "
                               + (ec ? ec.message() : std::string{"no address"}));
    at = found.begin()->endpoint();
  }
  auto check = [&](const char* step) {
    if (ec) {
      error_code ignored;
      d.acceptor.close(ignored);
      throw std::runtime_error("api_server: cannot listen on " + where + " (" + step
                               + "): " + ec.message());
    }
  };
  d.acceptor.open(at.protocol(), ec);
  check("open");
  d.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  check("set_option");
  d.acceptor.bind(at, ec);
  check("bind");
  d.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  check("listen");
  d.bound_port = d.acceptor.local_endpoint(ec).port();
  check("local_endpoint");
  d.started = true;
  asio::post(d.acceptor.get_executor(), [&d] { d.do_accept(); });
  for (unsigned i = 0; i < std::max(1u, d.opts.threads); ++i)
    d.threads.emplace_back([&d] { d.ioc.run(); });
}

void api_server::stop() {
  auto& d = *impl_;
  std::lock_guard<std::mutex> guard{d.lifecycle};
  if (d.stopped)
    return;
  d.stopped = true;
  {
    // From here on replies are dropped, not posted.
    std::lock_guard<std::mutex> g{d.gate->mtx};
    d.gate->stopped = true;
  }
  // Handlers still queued never run; they are destroyed with the io_context, and with them the
  // connections they own.
  d.ioc.stop();
  for (auto& t : d.threads)
    if (t.joinable())
      t.join();
  d.threads.clear();
  // No io thread runs now: close the sockets from here, so that clients see the end at once.
  error_code ignored;
  d.acceptor.close(ignored);
  std::lock_guard<std::mutex> g{d.registry_mtx};
  for (auto* c : d.connections)
    c->force_close();
}

std::uint16_t api_server::port() const {
  return impl_->bound_port;
}

} // namespace atrium::net
