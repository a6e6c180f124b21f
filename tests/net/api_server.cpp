// api_server over real sockets on 127.0.0.1: a blocking raw client (POSIX sockets with a
// receive timeout, so no wait is unbounded) speaks HTTP/1.1 to it byte by byte.
#define CAF_SUITE api_server
#include <caf/test/dsl.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "net/api_server.hpp"

using namespace atrium::net;
using namespace std::chrono_literals;

namespace {

constexpr auto bound = 3s; // the longest any test waits for one thing

struct raw_response {
  unsigned status = 0; // 0: the connection ended (or timed out) before a whole response
  std::string headers;
  std::string body;

  bool has_header(const std::string& line) const {
    auto lower = [](std::string s) {
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
      return s;
    };
    return lower(headers).find("\r\n" + lower(line) + "\r\n") != std::string::npos;
  }
};

// One client connection; every read gives up after `bound`.
class raw_client {
public:
  explicit raw_client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{};
    tv.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(bound).count();
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(port);
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0;
  }
  ~raw_client() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  bool connected() const { return connected_; }

  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  // One response: the header, then Content-Length bytes of body.
  raw_response read_response(bool header_only = false) {
    raw_response r;
    std::size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos)
      if (!fill())
        return r;
    auto head = pending_.substr(0, end + 2);
    std::size_t length = 0;
    auto lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (auto at = lower.find("\r\ncontent-length:"); at != std::string::npos && !header_only)
      length = std::stoul(head.substr(at + 17));
    while (pending_.size() < end + 4 + length)
      if (!fill())
        return r;
    if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0)
      return r;
    r.status = static_cast<unsigned>(std::stoul(head.substr(9, 3)));
    r.headers = head;
    r.body = pending_.substr(end + 4, length);
    pending_.erase(0, end + 4 + length);
    return r;
  }

  // No more from this side (the server sees the end of the stream).
  void finish_sending() { ::shutdown(fd_, SHUT_WR); }

  // Whether the server ends the connection (within `bound`), all that is still coming read.
  bool closed_by_server() {
    char buf[4096];
    for (;;) {
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0)
        return true;
      if (n < 0)
        return errno != EAGAIN && errno != EWOULDBLOCK; // a reset ends it too
    }
  }

private:
  bool fill() {
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      return false;
    pending_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

std::string get(const std::string& target, const std::string& extra = {}) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

std::string post(const std::string& target, const std::string& body, const std::string& extra = {}) {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

// A handler answering at once with what it was asked.
void echo(api_request req, api_reply reply) {
  api_response res;
  res.body = req.method + " " + req.target + " " + req.body;
  res.content_type = "text/plain";
  reply(std::move(res));
}

api_server_options local(unsigned timeout_ms = 10000) {
  api_server_options o;
  o.request_timeout_ms = timeout_ms;
  return o;
}

// Replies a handler kept, for a test to call (or not) later, from its own thread.
struct held_replies {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<api_reply> replies;
  std::vector<api_request> requests;

  api_handler handler() {
    return [this](api_request req, api_reply reply) {
      {
        std::lock_guard<std::mutex> guard{mtx};
        requests.push_back(std::move(req));
        replies.push_back(std::move(reply));
      }
      cv.notify_all();
    };
  }
  // Whether request `i` (0-based) arrives within `within`.
  bool wait(std::size_t i, std::chrono::milliseconds within = bound) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, within, [&] { return requests.size() > i; });
  }
  std::size_t count() {
    std::lock_guard<std::mutex> guard{mtx};
    return requests.size();
  }
  api_reply reply(std::size_t i) {
    std::lock_guard<std::mutex> guard{mtx};
    return replies.at(i);
  }
};

} // namespace

CAF_TEST(a GET and a POST go round trip) {
  api_server server{local(), echo};
  server.start();
  CAF_REQUIRE(server.port() != 0);
  raw_client c{server.port()};
  CAF_REQUIRE(c.connected());
  c.send(get("/api/v1/rooms?x=1"));
  auto r = c.read_response();
  CAF_CHECK_EQUAL(r.status, 200u);
  CAF_CHECK_EQUAL(r.body, "GET /api/v1/rooms?x=1 ");
  CAF_CHECK(r.has_header("Content-Type: text/plain"));
  c.send(post("/api/v1/emit", "{\"a\":1}"));
  r = c.read_response();
  CAF_CHECK_EQUAL(r.status, 200u);
  CAF_CHECK_EQUAL(r.body, "POST /api/v1/emit {\"a\":1}");
}

CAF_TEST(request fields and response headers pass through) {
  std::promise<api_request> seen;
  api_server server{local(), [&](api_request req, api_reply reply) {
                      seen.set_value(req);
                      api_response res;
                      res.status = 201;
                      res.body = "{}";
                      res.headers = {{"X-Atrium", "yes"},
                                     {"Bad Name", "dropped"},
                                     {"X-Injected", "a\r\nSet-Cookie: evil"},
                                     {"Content-Length", "999"}};
                      reply(std::move(res));
                    }};
  server.start();
  raw_client c{server.port()};
  c.send(post("/api/v1/x", "[1]",
              "Authorization: Bearer s3cret\r\nContent-Type: application/json; charset=utf-8\r\n"));
  auto r = c.read_response();
  CAF_CHECK_EQUAL(r.status, 201u);
  CAF_CHECK_EQUAL(r.body, "{}");
  CAF_CHECK(r.has_header("X-Atrium: yes"));
  CAF_CHECK(r.has_header("Content-Type: application/json"));
  CAF_CHECK(r.has_header("Content-Length: 2"));
  CAF_CHECK_EQUAL(r.headers.find("evil"), std::string::npos);
  CAF_CHECK_EQUAL(r.headers.find("Bad Name"), std::string::npos);
  auto f = seen.get_future();
  CAF_REQUIRE(f.wait_for(bound) == std::future_status::ready);
  auto req = f.get();
  CAF_CHECK_EQUAL(req.method, "POST");
  CAF_CHECK_EQUAL(req.target, "/api/v1/x");
  CAF_CHECK_EQUAL(req.authorization, "Bearer s3cret");
  CAF_CHECK_EQUAL(req.content_type, "application/json; charset=utf-8");
  CAF_CHECK_EQUAL(req.body, "[1]");
  CAF_CHECK_EQUAL(req.remote_address, "127.0.0.1");
}

CAF_TEST(a reply may come later from another thread) {
  held_replies held;
  api_server server{local(), held.handler()};
  server.start();
  raw_client c{server.port()};
  c.send(get("/slow"));
  CAF_REQUIRE(held.wait(0));
  std::thread other{[&] {
    api_response res;
    res.body = "{\"late\":true}";
    held.reply(0)(res);
  }};
  other.join();
  auto r = c.read_response();
  CAF_CHECK_EQUAL(r.status, 200u);
  CAF_CHECK_EQUAL(r.body, "{\"late\":true}");
  // Callable once: a second call is ignored, and the connection carries on.
  held.reply(0)(api_response{});
  c.send(get("/next"));
  CAF_REQUIRE(held.wait(1));
  held.reply(1)(api_response{});
  r = c.read_response();
  CAF_CHECK_EQUAL(r.status, 200u);
  CAF_CHECK_EQUAL(r.body, "");
}

CAF_TEST(keep - alive serves requests one at a time in order) {
  held_replies held;
  api_server server{local(), held.handler()};
  server.start();
  raw_client c{server.port()};
  // Both at once (pipelined): the second is read only after the first was answered.
  c.send(get("/one") + get("/two"));
  CAF_REQUIRE(held.wait(0));
  CAF_CHECK(!held.wait(1, 200ms));
  CAF_CHECK_EQUAL(held.count(), 1u);
  api_response first;
  first.body = "1";
  held.reply(0)(first);
  auto r = c.read_response();
  CAF_CHECK_EQUAL(r.status, 200u);
  CAF_CHECK_EQUAL(r.body, "1");
  CAF_REQUIRE(held.wait(1));
  api_response second;
  second.body = "2";
  held.reply(1)(second);
  r = c.read_response();
  CAF_CHECK_EQUAL(r.status, 200u);
  CAF_CHECK_EQUAL(r.body, "2");
  CAF_CHECK_EQUAL(held.requests.at(0).target, "/one");
  CAF_CHECK_EQUAL(held.requests.at(1).target, "/two");
}

CAF_TEST(a body over max_body is refused with 413 and the connection closed) {
  std::atomic<int> calls{0};
  auto opts = local();
  opts.max_body = 100;
  api_server server{opts, [&](api_request, api_reply reply) {
                      ++calls;
                      reply(api_response{});
                    }};
  server.start();
  raw_client c{server.port()};
  c.send(post("/big", std::string(101, 'x')));
  auto r = c.read_response();
  CAF_CHECK_EQUAL(r.status, 413u);
  CAF_CHECK_EQUAL(r.body, R"({"error":"body too large"})");
  CAF_CHECK(c.closed_by_server());
  CAF_CHECK_EQUAL(calls.load(), 0);
  // Exactly at the limit is fine.
  raw_client d{server.port()};
  d.send(post("/ok", std::string(100, 'x')));
  CAF_CHECK_EQUAL(d.read_response().status, 200u);
}

CAF_TEST(what is not HTTP gets 400 and the connection closed) {
  api_server server{local(), echo};
  server.start();
  for (std::string garbage : {std::string{"HELLO\r\n\r\n"}, std::string{"\x01\x02\x03\xff\r\n\r\n", 8},
                              std::string{"GET / HTTP/1.1\r\nBad Header\r\n\r\n"},
                              std::string{"POST / HTTP/1.1\r\nContent-Length: zz\r\n\r\n"}}) {
    raw_client c{server.port()};
    c.send(garbage);
    auto r = c.read_response();
    CAF_CHECK_EQUAL(r.status, 400u);
    CAF_CHECK(c.closed_by_server());
  }
  // Headers beyond the limit, too.
  raw_client c{server.port()};
  c.send("GET / HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  CAF_CHECK_EQUAL(c.read_response().status, 400u);
  // And the server still serves.
  raw_client d{server.port()};
  d.send(get("/"));
  CAF_CHECK_EQUAL(d.read_response().status, 200u);
}

CAF_TEST(random bytes never bring the server down) {
  api_server server{local(), echo};
  server.start();
  std::uint32_t x = 12345; // xorshift: the same bytes every run
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  };
  const std::string seeds[] = {"GET / HTTP/1.1\r\n", "POST /x HTTP/1.1\r\nContent-Length: 5\r\n",
                               "Transfer-Encoding: chunked\r\n\r\nzz\r\n", ""};
  for (int i = 0; i < 100; ++i) {
    std::string bytes = seeds[i % 4];
    auto n = next() % 300;
    for (std::uint32_t k = 0; k < n; ++k)
      bytes += static_cast<char>(next() % 4 == 0 ? "\r\n: "[next() % 4] : next() % 256);
    raw_client c{server.port()};
    c.send(bytes + "\r\n\r\n");
    c.finish_sending(); // so that a request still waiting for its body ends at once
    auto r = c.read_response();
    CAF_CHECK(r.status == 0u || r.status == 200u || r.status == 400u || r.status == 413u);
  }
  raw_client d{server.port()};
  d.send(get("/still"));
  CAF_CHECK_EQUAL(d.read_response().status, 200u);
}

CAF_TEST(a client expecting 100 - continue gets it before sending the body) {
  api_server server{local(), echo};
  server.start();
  raw_client c{server.port()};
  c.send("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  CAF_CHECK_EQUAL(c.read_response().status, 100u);
  c.send("abc");
  auto r = c.read_response();
  CAF_CHECK_EQUAL(r.status, 200u);
  CAF_CHECK_EQUAL(r.body, "POST /x abc");
}

CAF_TEST(a HEAD response has the length but no body) {
  api_server server{local(), echo};
  server.start();
  raw_client c{server.port()};
  c.send("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n" + get("/after"));
  // The HEAD's Content-Length announces a body that is not sent: read the header only.
  auto first = c.read_response(/*head=*/true);
  CAF_CHECK_EQUAL(first.status, 200u);
  CAF_CHECK(first.has_header("Content-Length: 8"));
  auto second = c.read_response();
  CAF_CHECK_EQUAL(second.status, 200u);
  CAF_CHECK_EQUAL(second.body, "GET /after ");
}

CAF_TEST(a handler that throws gets 500) {
  api_server server{local(), [](api_request req, api_reply reply) {
                      if (req.target == "/after")
                        reply(api_response{}); // a reply given before the throw stands
                      throw std::runtime_error("boom");
                    }};
  server.start();
  raw_client c{server.port()};
  c.send(get("/throw"));
  auto r = c.read_response();
  CAF_CHECK_EQUAL(r.status, 500u);
  CAF_CHECK_EQUAL(r.body, R"({"error":"internal error"})");
  c.send(get("/after"));
  CAF_CHECK_EQUAL(c.read_response().status, 200u);
}

CAF_TEST(a reply that never comes gets 504 and a late one is ignored) {
  held_replies held;
  api_server server{local(200), [&](api_request req, api_reply reply) {
                      if (req.target == "/dropped")
                        return; // the reply object dies uncalled
                      if (req.target == "/now")
                        return reply(api_response{});
                      held.handler()(std::move(req), std::move(reply));
                    }};
  server.start();
  raw_client c{server.port()};
  c.send(get("/dropped"));
  auto r = c.read_response();
  CAF_CHECK_EQUAL(r.status, 504u);
  CAF_CHECK_EQUAL(r.body, R"({"error":"timed out"})");
  c.send(get("/kept"));
  r = c.read_response();
  CAF_CHECK_EQUAL(r.status, 504u);
  CAF_REQUIRE(held.wait(0));
  api_response late;
  late.body = "late";
  held.reply(0)(late);
  // The connection carries on with the next request, untouched by the late reply.
  c.send(get("/now"));
  r = c.read_response();
  CAF_CHECK_EQUAL(r.status, 200u);
  CAF_CHECK_EQUAL(r.body, "");
}

CAF_TEST(connections beyond max_connections are turned away) {
  auto opts = local();
  opts.max_connections = 1;
  api_server server{opts, echo};
  server.start();
  raw_client first{server.port()};
  first.send(get("/"));
  CAF_REQUIRE_EQUAL(first.read_response().status, 200u); // accepted and counted
  raw_client second{server.port()};
  auto r = second.read_response();
  CAF_CHECK(r.status == 503u || r.status == 0u); // the 503 is best effort
  CAF_CHECK(second.closed_by_server());
  // The first one is still served.
  first.send(get("/again"));
  CAF_CHECK_EQUAL(first.read_response().status, 200u);
}

CAF_TEST(stop closes connections and drops later replies) {
  held_replies held;
  auto server = std::make_unique<api_server>(local(), held.handler());
  server->start();
  raw_client c{server->port()};
  c.send(get("/pending"));
  CAF_REQUIRE(held.wait(0));
  server->stop();
  server->stop(); // idempotent
  CAF_CHECK(c.closed_by_server());
  held.reply(0)(api_response{}); // dropped, no crash
  server.reset();
  held.reply(0)(api_response{}); // still harmless with the server gone
}

CAF_TEST(start fails clearly when the port is taken) {
  api_server first{local(), echo};
  first.start();
  auto opts = local();
  opts.port = first.port();
  api_server second{opts, echo};
  std::string what;
  try {
    second.start();
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  CAF_CHECK(what.find("cannot listen on 127.0.0.1:" + std::to_string(first.port()))
            != std::string::npos);
  auto bad = local();
  bad.host = "not an address";
  api_server third{bad, echo};
  bool threw = false;
  try {
    third.start();
  } catch (const std::runtime_error&) {
    threw = true;
  }
  CAF_CHECK(threw);
}
