#include "net/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace atrium::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t response_header_limit = 16 * 1024;

struct parsed_url {
  std::string host;        // without brackets, for the resolver
  std::string port = "80";
  std::string target = "/";
  std::string host_header; // as it goes into Host:
};

bool lower_prefix(const std::string& s, std::string_view prefix) {
  if (s.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i])
      return false;
  return true;
}

// Empty on success. Refuses whatever could not go into a request line or a Host header as
// it is (spaces, control characters), so a URL from a flag can never inject a header.
std::string parse_url(const std::string& url, parsed_url& out) {
  if (lower_prefix(url, "https://"))
    return "only http:// URLs are supported";
  if (!lower_prefix(url, "http://"))
    return url.find("://") != std::string::npos ? "only http:// URLs are supported" : "bad URL";
  for (unsigned char c : url)
    if (c <= 0x20 || c >= 0x7f)
      return "bad URL";
  auto rest = std::string_view{url}.substr(7);
  auto path_at = rest.find_first_of("/?#");
  auto authority = rest.substr(0, path_at);
  auto path = path_at == std::string_view::npos ? std::string_view{} : rest.substr(path_at);
  if (auto hash = path.find('#'); hash != std::string_view::npos)
    path = path.substr(0, hash); // a fragment never leaves the client
  if (authority.empty() || authority.find('@') != std::string_view::npos)
    return "bad URL"; // credentials belong in a header, not in the URL
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1)
      return "bad URL";
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return "bad URL";
      port = after.substr(1);
      if (port.empty())
        return "bad URL";
    }
  } else {
    auto colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty())
        return "bad URL";
    }
    if (host.empty())
      return "bad URL";
  }
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
          return c >= '0' && c <= '9';
        }))
      return "bad URL";
    auto n = std::stoul(std::string{port});
    if (n == 0 || n > 65535)
      return "bad URL";
    out.port = std::to_string(n);
  }
  out.host = std::string{host};
  out.host_header = std::string{authority};
  if (path.empty())
    out.target = "/";
  else if (path.front() == '/')
    out.target = std::string{path};
  else
    out.target = "/" + std::string{path}; // "http://h?x=1"
  return {};
}

bool is_token(std::string_view name) {
  static constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || specials.find(c) != std::string_view::npos;
  });
}

bool is_field_value(std::string_view v) {
  return std::none_of(v.begin(), v.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

std::string describe(const error_code& ec) {
  if (ec == asio::error::connection_refused)
    return "connection refused";
  if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again
      || ec == asio::error::no_data)
    return "host not found";
  if (ec == http::error::body_limit || ec == http::error::header_limit
      || ec == http::error::buffer_overflow)
    return "response too large";
  if (ec == asio::error::timed_out)
    return "timed out";
  if (ec == asio::error::eof || ec == http::error::end_of_stream
      || ec == http::error::partial_message || ec == asio::error::connection_reset)
    return "connection closed";
  if (ec.category() == http::make_error_code(http::error::bad_version).category())
    return "bad response: " + ec.message();
  return ec.message();
}

outbound_response failure(std::string why) {
  outbound_response r;
  r.error = std::move(why);
  return r;
}

} // namespace

struct http_client::impl {
  using callback = std::function<void(outbound_response)>;
  struct job;
  using job_ptr = std::shared_ptr<job>;
  using job_list = std::list<job_ptr>;

  // The bookkeeping a job has in the client (under `mtx`): which list holds it.
  enum class place { ready, lane, running, finished };

  // One request, from post() to its answer. Its I/O, timer and `finished` flag live on a
  // strand of its own; where it waits is the client's business (under the client's mutex).
  struct job : std::enable_shared_from_this<job> {
    job(impl& c, outbound_request r, callback d, parsed_url u)
      : client(c),
        req(std::move(r)),
        url(std::move(u)),
        done(std::move(d)),
        strand(asio::make_strand(c.ioc)),
        timer(strand),
        resolver(strand),
        socket(strand) {}

    impl& client;
    outbound_request req;
    parsed_url url;
    callback done;

    // under client.mtx
    place where = place::ready;
    job_list::iterator pos;

    // on the strand
    asio::strand<asio::io_context::executor_type> strand;
    asio::steady_timer timer;
    tcp::resolver resolver;
    tcp::socket socket;
    beast::flat_buffer buffer;
    std::optional<http::request<http::string_body>> request;
    std::optional<http::response_parser<http::string_body>> parser;
    bool finished = false;

    void arm(std::chrono::steady_clock::time_point deadline) {
      timer.expires_at(deadline);
      timer.async_wait([self = shared_from_this()](error_code ec) {
        if (!ec)
          self->finish(failure("timed out"));
      });
    }

    void begin() {
      if (finished)
        return;
      resolver.async_resolve(url.host, url.port,
                             [self = shared_from_this()](error_code ec,
                                                         tcp::resolver::results_type found) {
                               self->on_resolve(ec, std::move(found));
                             });
    }

    void on_resolve(error_code ec, tcp::resolver::results_type found) {
      if (finished)
        return;
      if (ec)
        return finish(failure(describe(ec)));
      asio::async_connect(socket, found, [self = shared_from_this()](error_code ec, const tcp::endpoint&) {
        self->on_connect(ec);
      });
    }

    void on_connect(error_code ec) {
      if (finished)
        return;
      if (ec)
        return finish(failure(describe(ec)));
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto& r = request.emplace(http::verb::post, url.target, 11);
      r.set(http::field::host, url.host_header);
      r.set(http::field::user_agent, "atrium");
      if (!req.content_type.empty())
        r.set(http::field::content_type, req.content_type);
      for (auto& [name, value] : req.headers) {
        // The framing is ours: a caller's length or encoding would desynchronise it.
        if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding")
            || beast::iequals(name, "connection"))
          continue;
        r.set(name, value);
      }
      r.keep_alive(false); // one connection per request: no reuse yet
      r.body() = std::move(req.body);
      r.prepare_payload();
      http::async_write(socket, r, [self = shared_from_this()](error_code ec, std::size_t) {
        self->on_write(ec);
      });
    }

    void on_write(error_code ec) {
      if (finished)
        return;
      if (ec)
        return finish(failure(describe(ec)));
      request.reset();
      auto& p = parser.emplace();
      p.body_limit(client.opts.max_response_bytes);
      p.header_limit(response_header_limit);
      http::async_read_header(socket, buffer, p,
                              [self = shared_from_this()](error_code ec, std::size_t) {
                                self->on_header(ec);
                              });
    }

    void on_header(error_code ec) {
      if (finished)
        return;
      if (ec)
        return finish(failure(describe(ec)));
      // Checked here, not left to the parser: Beast 1.74's response parser drops its own
      // body_limit error when a Content-Length body arrives in the same read as the header
      // (eager parsing). Chunked and read-to-close bodies are still bounded by the parser.
      auto length = parser->content_length();
      if (length && *length > client.opts.max_response_bytes)
        return finish(failure("response too large"));
      http::async_read(socket, buffer, *parser, [self = shared_from_this()](error_code ec, std::size_t) {
        self->on_read(ec);
      });
    }

    void on_read(error_code ec) {
      if (finished)
        return;
      if (ec)
        return finish(failure(describe(ec)));
      outbound_response r;
      r.delivered = true;
      r.status = parser->get().result_int();
      r.body = std::move(parser->get().body());
      finish(std::move(r));
    }

    // Exactly once, on the strand: ends the I/O and hands the answer to the client.
    void finish(outbound_response r) {
      if (finished)
        return;
      finished = true;
      error_code ignored;
      timer.cancel();
      resolver.cancel();
      socket.close(ignored);
      // The request and the parser stay: a write or read cancelled by the close still works
      // on them when its handler runs; they go with the job, after the last handler.
      client.complete(shared_from_this(), std::move(r));
    }
  };

  struct lane_state {
    // The lane's head is in `ready` or `running`; these wait behind it.
    job_list waiting;
  };

  explicit impl(http_client_options o) : opts(o), work(asio::make_work_guard(ioc)) {
    opts.max_in_flight = std::max<std::size_t>(1, opts.max_in_flight);
    for (unsigned i = 0; i < std::max(1u, opts.threads); ++i)
      threads.emplace_back([this] { ioc.run(); });
  }

  ~impl() { stop(); }

  void stop() {
    std::lock_guard<std::mutex> once{stop_mtx};
    if (joined)
      return;
    std::vector<job_ptr> pending;
    {
      std::lock_guard<std::mutex> guard{mtx};
      stopping = true;
      pending.insert(pending.end(), ready.begin(), ready.end());
      pending.insert(pending.end(), running.begin(), running.end());
      for (auto& [name, l] : lanes)
        pending.insert(pending.end(), l.waiting.begin(), l.waiting.end());
    }
    for (auto& j : pending)
      asio::post(j->strand, [j] { j->finish(failure("shutting down")); });
    pending.clear();
    // The threads run out of work once every job has finished and every callback has run.
    work.reset();
    for (auto& t : threads)
      t.join();
    joined = true;
  }

  void post(outbound_request req, callback done) {
    parsed_url url;
    auto bad = parse_url(req.url, url);
    // Refused before a connection is opened: a line break in a header would inject others.
    for (auto& [name, value] : req.headers)
      if (bad.empty() && (!is_token(name) || !is_field_value(value)))
        bad = "bad header";
    auto deadline = std::chrono::steady_clock::now() + req.timeout;
    job_ptr start;
    {
      std::unique_lock<std::mutex> guard{mtx};
      ++posted;
      if (stopping) {
        // At once, here: the threads may be gone already (stop()).
        ++failed;
        guard.unlock();
        try {
          if (done)
            done(failure("shutting down"));
        } catch (...) {
        }
        return;
      }
      if (!bad.empty()) {
        ++failed;
        return answer(std::move(done), failure(std::move(bad)));
      }
      auto lane = req.lane.empty() ? lanes.end() : lanes.find(req.lane);
      bool lane_busy = lane != lanes.end();
      bool can_run = !lane_busy && in_flight < opts.max_in_flight;
      if (!can_run && queued >= opts.max_queued) {
        ++failed;
        ++rejected;
        return answer(std::move(done), failure("queue full"));
      }
      auto j = std::make_shared<job>(*this, std::move(req), std::move(done), std::move(url));
      // Armed before anyone else can see the job, so no other thread touches its timer yet.
      j->arm(deadline);
      if (!j->req.lane.empty() && !lane_busy)
        lanes.emplace(j->req.lane, lane_state{});
      if (can_run) {
        enter(running, place::running, j);
        ++in_flight;
        start = j;
      } else if (lane_busy) {
        enter(lane->second.waiting, place::lane, j);
        ++queued;
      } else {
        enter(ready, place::ready, j);
        ++queued;
      }
    }
    if (start)
      asio::post(start->strand, [start] { start->begin(); });
  }

  // A job has finished (on its strand): it leaves its list, its lane moves on, a slot frees.
  void complete(const job_ptr& j, outbound_response r) {
    std::vector<job_ptr> start;
    {
      std::lock_guard<std::mutex> guard{mtx};
      bool was_head = j->where == place::ready || j->where == place::running;
      switch (j->where) {
        case place::ready:
          ready.erase(j->pos);
          --queued;
          break;
        case place::running:
          running.erase(j->pos);
          --in_flight;
          break;
        case place::lane:
          lanes[j->req.lane].waiting.erase(j->pos);
          --queued;
          break;
        case place::finished:
          break;
      }
      j->where = place::finished;
      if (was_head && !j->req.lane.empty()) {
        auto l = lanes.find(j->req.lane);
        if (l->second.waiting.empty()) {
          lanes.erase(l);
        } else {
          // The lane's next request becomes its head, and takes its turn for a slot.
          auto next = l->second.waiting.front();
          l->second.waiting.pop_front();
          enter(ready, place::ready, next);
        }
      }
      if (r.delivered) {
        ++delivered;
      } else {
        ++failed;
        if (r.error == "timed out")
          ++timed_out;
      }
      while (!stopping && in_flight < opts.max_in_flight && !ready.empty()) {
        auto next = ready.front();
        ready.pop_front();
        --queued;
        enter(running, place::running, next);
        ++in_flight;
        start.push_back(std::move(next));
      }
      answer(std::move(j->done), std::move(r));
    }
    for (auto& s : start)
      asio::post(s->strand, [s] { s->begin(); });
  }

  static void enter(job_list& list, place where, const job_ptr& j) {
    j->where = where;
    j->pos = list.insert(list.end(), j);
  }

  // Callbacks run on the client's threads, never inside post() or under the mutex.
  void answer(callback done, outbound_response r) {
    asio::post(ioc, [done = std::move(done), r = std::move(r)]() mutable {
      try {
        if (done)
          done(std::move(r));
      } catch (...) {
        // A callback's failure is its own; it must not end an io thread.
      }
    });
  }

  http_client_options opts;
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;

  mutable std::mutex mtx;
  bool stopping = false;
  std::mutex stop_mtx; // one stop() at a time
  bool joined = false; // under stop_mtx: the threads are gone
  job_list ready;   // may start as soon as a slot frees, in this order
  job_list running; // in flight
  std::unordered_map<std::string, lane_state> lanes;
  std::uint64_t posted = 0, delivered = 0, failed = 0, timed_out = 0, rejected = 0;
  std::uint64_t queued = 0, in_flight = 0;
};

http_client::http_client(http_client_options opts) : impl_(std::make_unique<impl>(opts)) {}

http_client::~http_client() = default;

void http_client::stop() {
  impl_->stop();
}

void http_client::post(outbound_request req, std::function<void(outbound_response)> done) {
  impl_->post(std::move(req), std::move(done));
}

http_client_stats http_client::stats() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  const auto& d = *impl_;
  return {d.posted, d.delivered, d.failed, d.timed_out, d.rejected, d.queued, d.in_flight};
}

std::string http_client::check_url(const std::string& url) {
  parsed_url ignored;
  return parse_url(url, ignored);
}

} // namespace atrium::net
