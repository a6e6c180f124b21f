// http_client over real sockets on 127.0.0.1: against an api_server whose handler answers when
// a test says so, and against a raw POSIX server that shows the exact bytes it was sent.
#define CAF_SUITE http_client
#include <caf/test/dsl.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "net/api_server.hpp"
#include "net/http_client.hpp"

using namespace atrium::net;
using namespace std::chrono_literals;

namespace {

constexpr auto bound = 3s; // the longest any test waits for one thing

// A request's answer, waited for boundedly.
struct answer {
  std::promise<outbound_response> promise;
  std::future<outbound_response> future = promise.get_future();
  std::atomic<int> calls{0};

  std::function<void(outbound_response)> callback() {
    return [this](outbound_response r) {
      if (++calls == 1)
        promise.set_value(std::move(r));
    };
  }
  bool ready(std::chrono::milliseconds within = bound) {
    return future.wait_for(within) == std::future_status::ready;
  }
  outbound_response get() { return future.get(); }
};

outbound_request to(std::uint16_t port, const std::string& body, const std::string& lane = {}) {
  outbound_request r;
  r.url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  r.body = body;
  r.lane = lane;
  return r;
}

// An api_server handler that records arrivals by body and answers the bodies in `held`
// only when the test says so; the others at once.
struct scripted_server {
  std::mutex mtx;
  std::vector<std::string> log; // "arrived:X", "answered:X"
  std::map<std::string, api_reply> waiting;
  std::map<std::string, std::promise<void>> arrived;
  std::set<std::string> held;
  std::string big_reply; // when set, every immediate answer carries it
  api_server server;

  explicit scripted_server(std::set<std::string> h, api_server_options o = {})
    : held(std::move(h)), server(o, [this](api_request req, api_reply reply) { on(req, reply); }) {
    for (auto& b : held)
      arrived[b];
    server.start();
  }

  void on(api_request& req, api_reply& reply) {
    std::lock_guard<std::mutex> guard{mtx};
    log.push_back("arrived:" + req.body);
    if (held.count(req.body)) {
      waiting[req.body] = std::move(reply);
      arrived[req.body].set_value();
      return;
    }
    api_response res;
    res.body = big_reply.empty() ? "ok:" + req.body : big_reply;
    reply(std::move(res));
  }
  bool wait_arrival(const std::string& body) {
    std::future<void> f;
    {
      std::lock_guard<std::mutex> guard{mtx};
      f = arrived[body].get_future();
    }
    return f.wait_for(bound) == std::future_status::ready;
  }
  void release(const std::string& body) {
    api_reply r;
    {
      std::lock_guard<std::mutex> guard{mtx};
      log.push_back("answered:" + body);
      r = std::move(waiting.at(body));
    }
    api_response res;
    res.body = "ok:" + body;
    r(std::move(res));
  }
  std::vector<std::string> events() {
    std::lock_guard<std::mutex> guard{mtx};
    return log;
  }
  std::uint16_t port() const { return server.port(); }
};

std::ptrdiff_t index_of(const std::vector<std::string>& v, const std::string& x) {
  auto at = std::find(v.begin(), v.end(), x);
  return at == v.end() ? -1 : at - v.begin();
}

// A port nothing listens on: bound once, then closed.
std::uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at);
  socklen_t len = sizeof at;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&at), &len);
  ::close(fd);
  return ntohs(at.sin_port);
}

// A one-shot raw server: accepts one connection, reads one request (header and
// Content-Length bytes of body), sends `reply`, closes. `request` is what it read.
struct raw_server {
  int listen_fd = -1;
  std::uint16_t port = 0;
  std::promise<std::string> request;
  std::thread thread;

  explicit raw_server(std::string reply) {
    listen_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd, reinterpret_cast<sockaddr*>(&at), sizeof at);
    ::listen(listen_fd, 4);
    socklen_t len = sizeof at;
    ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&at), &len);
    port = ntohs(at.sin_port);
    timeval tv{};
    tv.tv_sec = 3;
    ::setsockopt(listen_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv); // accept gives up too
    thread = std::thread{[this, reply = std::move(reply), tv] {
      int fd = ::accept(listen_fd, nullptr, nullptr);
      if (fd < 0)
        return request.set_value("");
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string got;
      char buf[4096];
      for (;;) {
        auto end = got.find("\r\n\r\n");
        if (end != std::string::npos) {
          std::size_t length = 0;
          if (auto at = got.find("Content-Length: "); at != std::string::npos && at < end)
            length = std::stoul(got.substr(at + 16));
          if (got.size() >= end + 4 + length)
            break;
        }
        auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
          break;
        got.append(buf, static_cast<std::size_t>(n));
      }
      ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::shutdown(fd, SHUT_WR);
      while (::recv(fd, buf, sizeof buf, 0) > 0) {
      }
      ::close(fd);
      request.set_value(got);
    }};
  }
  ~raw_server() {
    thread.join();
    ::close(listen_fd);
  }
};

} // namespace

CAF_TEST(check_url accepts http and says why not otherwise) {
  CAF_CHECK_EQUAL(http_client::check_url("http://127.0.0.1:8080/hook"), "");
  CAF_CHECK_EQUAL(http_client::check_url("http://example.test/a/b?c=d"), "");
  CAF_CHECK_EQUAL(http_client::check_url("HTTP://example.test"), "");
  CAF_CHECK_EQUAL(http_client::check_url("http://[::1]:9000/x"), "");
  CAF_CHECK_EQUAL(http_client::check_url("https://example.test/"),
                  "only http:// URLs are supported");
  CAF_CHECK_EQUAL(http_client::check_url("ftp://example.test/"),
                  "only http:// URLs are supported");
  for (auto bad : {"", "example.test", "http://", "http:///path", "http://host:/x",
                   "http://host:0/", "http://host:65536/", "http://host:12a/", "http://u:p@host/",
                   "http://host/a b", "http://host/\r\nX: y", "http://[::1/", "http://[::1]x/"})
    CAF_CHECK_EQUAL(http_client::check_url(bad), "bad URL");
}

CAF_TEST(the http client and the api server understand each other) {
  api_server server{api_server_options{}, [](api_request req, api_reply reply) {
                      api_response res;
                      res.body = req.method + " " + req.target + " " + req.body;
                      reply(std::move(res));
                    }};
  server.start();
  http_client client;
  std::promise<outbound_response> done;
  outbound_request req;
  req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/hook";
  req.body = "hello";
  client.post(req, [&](outbound_response r) { done.set_value(std::move(r)); });
  auto f = done.get_future();
  CAF_REQUIRE(f.wait_for(bound) == std::future_status::ready);
  auto r = f.get();
  CAF_CHECK(r.delivered);
  CAF_CHECK_EQUAL(r.status, 200u);
  CAF_CHECK_EQUAL(r.body, "POST /hook hello");
}

CAF_TEST(a POST carries its headers and body and the response comes back) {
  raw_server raw{"HTTP/1.1 201 Created\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"};
  http_client client;
  answer a;
  auto req = to(raw.port, R"({"x":1})");
  req.url = "http://127.0.0.1:" + std::to_string(raw.port) + "/path?q=1#frag";
  req.headers = {{"X-Atrium-Signature", "abc"}, {"Content-Length", "999"}};
  client.post(req, a.callback());
  CAF_REQUIRE(a.ready());
  auto r = a.get();
  CAF_CHECK(r.delivered);
  CAF_CHECK_EQUAL(r.status, 201u);
  CAF_CHECK_EQUAL(r.body, "hello");
  CAF_CHECK_EQUAL(r.error, "");
  auto f = raw.request.get_future();
  CAF_REQUIRE(f.wait_for(bound) == std::future_status::ready);
  auto sent = f.get();
  CAF_CHECK_EQUAL(sent.rfind("POST /path?q=1 HTTP/1.1\r\n", 0), 0u);
  CAF_CHECK(sent.find("\r\nHost: 127.0.0.1:" + std::to_string(raw.port) + "\r\n") != std::string::npos);
  CAF_CHECK(sent.find("\r\nUser-Agent: atrium\r\n") != std::string::npos);
  CAF_CHECK(sent.find("\r\nContent-Type: application/json\r\n") != std::string::npos);
  CAF_CHECK(sent.find("\r\nContent-Length: 7\r\n") != std::string::npos);
  CAF_CHECK(sent.find("999") == std::string::npos);
  CAF_CHECK(sent.find("\r\nX-Atrium-Signature: abc\r\n") != std::string::npos);
  CAF_CHECK(sent.size() >= 7 && sent.compare(sent.size() - 7, 7, R"({"x":1})") == 0);
  auto s = client.stats();
  CAF_CHECK_EQUAL(s.posted, 1u);
  CAF_CHECK_EQUAL(s.delivered, 1u);
  CAF_CHECK_EQUAL(s.failed, 0u);
  CAF_CHECK_EQUAL(s.in_flight, 0u);
}

CAF_TEST(a header with a line break is refused not sent) {
  scripted_server srv{{}};
  http_client client;
  answer a;
  auto req = to(srv.port(), "x");
  req.headers = {{"X-Evil", "a\r\nX-Injected: b"}};
  client.post(req, a.callback());
  CAF_REQUIRE(a.ready());
  auto r = a.get();
  CAF_CHECK(!r.delivered);
  CAF_CHECK_EQUAL(r.error, "bad header");
}

CAF_TEST(a lane sends one request at a time while other lanes proceed) {
  scripted_server srv{{"a1"}};
  http_client client;
  answer a1, a2, b1, free1;
  client.post(to(srv.port(), "a1", "A"), a1.callback());
  client.post(to(srv.port(), "a2", "A"), a2.callback());
  client.post(to(srv.port(), "b1", "B"), b1.callback());
  client.post(to(srv.port(), "free1"), free1.callback());
  CAF_REQUIRE(srv.wait_arrival("a1"));
  // Lane B and the laneless request are not held up by lane A's stalled head.
  CAF_REQUIRE(b1.ready());
  CAF_REQUIRE(free1.ready());
  CAF_CHECK_EQUAL(b1.get().body, "ok:b1");
  CAF_CHECK(!a1.ready(100ms));
  CAF_CHECK(!a2.ready(100ms));
  CAF_CHECK_EQUAL(index_of(srv.events(), "arrived:a2"), -1); // not even started
  CAF_CHECK_EQUAL(client.stats().queued, 1u);
  srv.release("a1");
  CAF_REQUIRE(a1.ready());
  CAF_REQUIRE(a2.ready());
  CAF_CHECK_EQUAL(a1.get().body, "ok:a1");
  CAF_CHECK_EQUAL(a2.get().body, "ok:a2");
  auto ev = srv.events();
  CAF_CHECK(index_of(ev, "arrived:a2") > index_of(ev, "answered:a1"));
  auto s = client.stats();
  CAF_CHECK_EQUAL(s.delivered, 4u);
  CAF_CHECK_EQUAL(s.queued, 0u);
  CAF_CHECK_EQUAL(s.in_flight, 0u);
}

CAF_TEST(a request that gets no answer times out) {
  scripted_server srv{{"stuck"}};
  http_client client;
  answer a;
  auto req = to(srv.port(), "stuck");
  req.timeout = 200ms;
  auto start = std::chrono::steady_clock::now();
  client.post(req, a.callback());
  CAF_REQUIRE(a.ready());
  auto took = std::chrono::steady_clock::now() - start;
  auto r = a.get();
  CAF_CHECK(!r.delivered);
  CAF_CHECK_EQUAL(r.error, "timed out");
  CAF_CHECK(took >= 190ms);
  CAF_CHECK(took < 2s);
  auto s = client.stats();
  CAF_CHECK_EQUAL(s.timed_out, 1u);
  CAF_CHECK_EQUAL(s.failed, 1u);
  CAF_CHECK_EQUAL(s.in_flight, 0u);
}

CAF_TEST(the timeout counts from post so a queued request cannot wait forever) {
  scripted_server srv{{"stuck"}};
  http_client_options o;
  o.max_in_flight = 1;
  http_client client{o};
  answer first, queued;
  auto stuck = to(srv.port(), "stuck");
  stuck.timeout = 10s;
  client.post(stuck, first.callback());
  CAF_REQUIRE(srv.wait_arrival("stuck"));
  auto behind = to(srv.port(), "behind");
  behind.timeout = 200ms;
  client.post(behind, queued.callback());
  CAF_REQUIRE(queued.ready());
  CAF_CHECK_EQUAL(queued.get().error, "timed out");
  CAF_CHECK_EQUAL(client.stats().queued, 0u);
  CAF_CHECK_EQUAL(index_of(srv.events(), "arrived:behind"), -1);
  srv.release("stuck");
  CAF_REQUIRE(first.ready());
  CAF_CHECK(first.get().delivered);
}

CAF_TEST(a closed port is connection refused) {
  http_client client;
  answer a;
  client.post(to(closed_port(), "x"), a.callback());
  CAF_REQUIRE(a.ready());
  auto r = a.get();
  CAF_CHECK(!r.delivered);
  CAF_CHECK_EQUAL(r.error, "connection refused");
  CAF_CHECK_EQUAL(client.stats().failed, 1u);
}

CAF_TEST(beyond max_in_flight and max_queued the queue is full) {
  scripted_server srv{{"one"}};
  http_client_options o;
  o.max_in_flight = 1;
  o.max_queued = 1;
  http_client client{o};
  answer one, two, three;
  client.post(to(srv.port(), "one"), one.callback());
  client.post(to(srv.port(), "two"), two.callback());
  client.post(to(srv.port(), "three"), three.callback());
  CAF_REQUIRE(three.ready());
  auto r = three.get();
  CAF_CHECK(!r.delivered);
  CAF_CHECK_EQUAL(r.error, "queue full");
  auto s = client.stats();
  CAF_CHECK_EQUAL(s.posted, 3u);
  CAF_CHECK_EQUAL(s.rejected, 1u);
  CAF_CHECK_EQUAL(s.failed, 1u);
  CAF_CHECK_EQUAL(s.queued, 1u);
  CAF_CHECK_EQUAL(s.in_flight, 1u);
  CAF_REQUIRE(srv.wait_arrival("one"));
  srv.release("one");
  CAF_REQUIRE(one.ready());
  CAF_REQUIRE(two.ready());
  CAF_CHECK_EQUAL(two.get().body, "ok:two");
  CAF_CHECK_EQUAL(client.stats().delivered, 2u);
}

CAF_TEST(a response over max_response_bytes is not delivered) {
  scripted_server srv{{}};
  srv.big_reply = std::string(5000, 'b');
  http_client_options o;
  o.max_response_bytes = 1000;
  http_client client{o};
  answer a;
  client.post(to(srv.port(), "x"), a.callback());
  CAF_REQUIRE(a.ready());
  auto r = a.get();
  CAF_CHECK(!r.delivered);
  CAF_CHECK_EQUAL(r.error, "response too large");
  CAF_CHECK(r.body.empty());
  // Within the limit it is.
  http_client roomy;
  answer b;
  roomy.post(to(srv.port(), "x"), b.callback());
  CAF_REQUIRE(b.ready());
  CAF_CHECK_EQUAL(b.get().body.size(), 5000u);
}

CAF_TEST(chunked and read - to - close responses are bounded too) {
  std::string big(5000, 'b');
  for (auto reply : {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n" + big
                       + "\r\n0\r\n\r\n",
                     "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + big}) {
    raw_server raw{reply};
    http_client_options o;
    o.max_response_bytes = 1000;
    http_client client{o};
    answer a;
    client.post(to(raw.port, "x"), a.callback());
    CAF_REQUIRE(a.ready());
    auto r = a.get();
    CAF_CHECK(!r.delivered);
    CAF_CHECK_EQUAL(r.error, "response too large");
  }
}

CAF_TEST(the destructor answers pending requests with shutting down) {
  scripted_server srv{{"held", "held2"}};
  answer in_flight, in_lane, queued, laneless_flight;
  {
    http_client_options o;
    o.max_in_flight = 2;
    http_client client{o};
    client.post(to(srv.port(), "held", "L"), in_flight.callback());
    client.post(to(srv.port(), "next", "L"), in_lane.callback());
    client.post(to(srv.port(), "held2"), laneless_flight.callback());
    client.post(to(srv.port(), "waits"), queued.callback());
    CAF_REQUIRE(srv.wait_arrival("held"));
    CAF_REQUIRE(srv.wait_arrival("held2"));
    auto s = client.stats();
    CAF_CHECK_EQUAL(s.in_flight, 2u);
    CAF_CHECK_EQUAL(s.queued, 2u);
  }
  for (auto* a : {&in_flight, &in_lane, &queued, &laneless_flight}) {
    CAF_REQUIRE(a->ready(0ms)); // answered before the destructor returned
    auto r = a->get();
    CAF_CHECK(!r.delivered);
    CAF_CHECK_EQUAL(r.error, "shutting down");
    CAF_CHECK_EQUAL(a->calls.load(), 1);
  }
}

CAF_TEST(stop answers pending requests and later posts at once on the posting thread) {
  scripted_server srv{{"held"}};
  answer pending, late;
  http_client client;
  client.post(to(srv.port(), "held"), pending.callback());
  CAF_REQUIRE(srv.wait_arrival("held"));
  client.stop();
  CAF_REQUIRE(pending.ready(0ms)); // answered before stop() returned
  CAF_CHECK_EQUAL(pending.get().error, "shutting down");
  client.post(to(srv.port(), "after"), late.callback());
  CAF_REQUIRE(late.ready(0ms)); // no thread is left: answered inside post()
  CAF_CHECK_EQUAL(late.get().error, "shutting down");
  client.stop(); // again: nothing happens
  auto s = client.stats();
  CAF_CHECK_EQUAL(s.posted, 2u);
  CAF_CHECK_EQUAL(s.failed, 2u);
}

CAF_TEST(many requests from many threads are each answered once) {
  scripted_server srv{{}};
  http_client_options o;
  o.max_in_flight = 8;
  o.threads = 2;
  http_client client{o};
  constexpr int per_thread = 50;
  std::atomic<int> answered{0}, delivered{0};
  std::promise<void> all;
  auto done = [&](outbound_response r) {
    if (r.delivered)
      ++delivered;
    if (++answered == 2 * per_thread)
      all.set_value();
  };
  std::vector<std::thread> posters;
  for (int t = 0; t < 2; ++t)
    posters.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i)
        client.post(to(srv.port(), std::to_string(i), i % 2 ? "lane" + std::to_string(t) : ""), done);
    });
  for (auto& p : posters)
    p.join();
  CAF_REQUIRE(all.get_future().wait_for(10s) == std::future_status::ready);
  CAF_CHECK_EQUAL(delivered.load(), 2 * per_thread);
  auto s = client.stats();
  CAF_CHECK_EQUAL(s.posted, 2u * per_thread);
  CAF_CHECK_EQUAL(s.delivered, 2u * per_thread);
  CAF_CHECK_EQUAL(s.in_flight, 0u);
}
