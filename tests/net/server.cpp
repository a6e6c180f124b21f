// http_server in-process: a blocking HTTP client speaks long-polling Socket.IO to it.
#define CAF_SUITE net_server
#include <algorithm>
#include <caf/test/dsl.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "actors/boundary/socket_endpoint.hpp"
#include "atrium/http_server.hpp"

using namespace atrium;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct reply {
  int status = 0;
  std::string headers;
  std::string body;
};

// One request per connection ("Connection: close"): read until the server closes.
reply request(std::uint16_t port, const std::string& method, const std::string& target,
              const std::string& body = {}) {
  asio::io_context ioc;
  tcp::socket s{ioc};
  s.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n"
                    "Origin: http://example.test\r\nConnection: close\r\n";
  if (method == "POST")
    req += "Content-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  asio::write(s, asio::buffer(req));
  std::string raw;
  boost::system::error_code ec;
  char buf[4096];
  for (;;) {
    auto n = s.read_some(asio::buffer(buf), ec);
    raw.append(buf, n);
    if (ec)
      break;
  }
  reply r;
  auto end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || end == std::string::npos)
    return r;
  r.status = std::stoi(raw.substr(9, 3));
  r.headers = raw.substr(0, end);
  r.body = raw.substr(end + 4);
  return r;
}

std::string sid_of(const std::string& open_packet) {
  auto start = open_packet.find("\"sid\":\"") + 7;
  return open_packet.substr(start, open_packet.find('"', start) - start);
}

struct recording_socket : socket_endpoint {
  std::mutex& mtx;
  std::condition_variable& cv;
  std::vector<std::string>& log;
  recording_socket(std::mutex& m, std::condition_variable& c, std::vector<std::string>& l)
    : mtx(m), cv(c), log(l) {}
  connection_ptr conn;
  void packet(sio::packet p, std::vector<std::string>) override {
    if (p.data == R"(["bye"])")
      conn->close(); // the server ends the whole client, as socket.disconnect(true)
    std::lock_guard<std::mutex> guard{mtx};
    log.push_back("packet " + p.data);
    cv.notify_all();
  }
  void disconnected(disconnect_reason why) override {
    conn.reset();
    std::lock_guard<std::mutex> guard{mtx};
    log.push_back(std::string{"disconnected "} + to_string(why));
    cv.notify_all();
  }
};

/// The registry lives on the test's stack, beyond the server that borrows it.
std::shared_ptr<namespace_registry> unowned(namespace_registry& r) {
  return {std::shared_ptr<void>{}, &r};
}

struct recording_registry : namespace_registry {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<std::string> log;
  socket_endpoint_ptr connect(const std::string& nsp, connection_ptr conn, handshake_ptr hs,
                              std::string auth) override {
    if (nsp != "/")
      return nullptr;
    {
      std::lock_guard<std::mutex> guard{mtx};
      log.push_back("connect " + auth + " " + std::string{hs->query.at("transport")} + " "
                    + std::string{hs->headers.at("origin")});
    }
    auto p = std::make_shared<encoded_packet>();
    p->text = R"(40{"sid":"s1"})";
    conn->send(p);
    auto ep = std::make_shared<recording_socket>(mtx, cv, log);
    ep->conn = conn;
    return ep;
  }
  bool wait_for(const std::string& line) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, std::chrono::seconds(2), [&] {
      for (auto& l : log)
        if (l == line)
          return true;
      return false;
    });
  }
};

struct fixture {
  recording_registry registry;
  std::unique_ptr<net::http_server> server;
  std::uint16_t port = 0;

  fixture() {
    net::server_options opts;
    opts.host = "127.0.0.1";
    opts.port = 0;
    opts.threads = 2;
    opts.max_payload = 1000;
    server = std::make_unique<net::http_server>(opts, unowned(registry));
    server->start();
    port = server->port();
  }

  std::string base() const { return "/socket.io/?EIO=4&transport=polling"; }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(net_server_tests, fixture)

CAF_TEST(a polling client connects a namespace and sends an event) {
  auto open = request(port, "GET", base());
  CAF_REQUIRE_EQUAL(open.status, 200);
  CAF_CHECK_NOT_EQUAL(open.headers.find("Access-Control-Allow-Origin: http://example.test"),
                      std::string::npos);
  auto sid = sid_of(open.body);
  auto with_sid = base() + "&sid=" + sid;
  CAF_CHECK_EQUAL(request(port, "POST", with_sid, R"(40{"k":1})").body, "ok");
  CAF_CHECK(registry.wait_for(R"(connect {"k":1} polling http://example.test)"));
  CAF_CHECK_EQUAL(request(port, "GET", with_sid).body, R"(40{"sid":"s1"})");
  CAF_CHECK_EQUAL(request(port, "POST", with_sid, R"(42["hi",1])" "\x1e" R"(42/other,["x"])").body,
                  "ok");
  CAF_CHECK(registry.wait_for(R"(packet ["hi",1])"));
  CAF_CHECK_EQUAL(request(port, "POST", with_sid, R"(44/random,{"message":"Invalid namespace"})" "\x1e" "40/random").body, "ok");
  CAF_CHECK_EQUAL(request(port, "GET", with_sid).body, R"(44/random,{"message":"Invalid namespace"})");
  CAF_CHECK_EQUAL(request(port, "POST", with_sid, "41").body, "ok");
  CAF_CHECK(registry.wait_for("disconnected client namespace disconnect"));
}

CAF_TEST(a CONNECT for a namespace already connected is ignored) {
  auto sid = sid_of(request(port, "GET", base()).body);
  auto with_sid = base() + "&sid=" + sid;
  // One body of repeated CONNECTs must not create (and replace) a socket each.
  CAF_CHECK_EQUAL(request(port, "POST", with_sid, "40\x1e" "40\x1e" "40").body, "ok");
  CAF_CHECK_EQUAL(request(port, "GET", with_sid).body, R"(40{"sid":"s1"})");
  CAF_CHECK_EQUAL(request(port, "POST", with_sid, R"(42["after"])").body, "ok");
  CAF_CHECK(registry.wait_for(R"(packet ["after"])"));
  std::lock_guard<std::mutex> guard{registry.mtx};
  auto connects = std::count_if(registry.log.begin(), registry.log.end(), [](auto& line) {
    return line.rfind("connect ", 0) == 0;
  });
  CAF_CHECK_EQUAL(connects, 1);
}

CAF_TEST(requests the protocol refuses) {
  CAF_CHECK_EQUAL(request(port, "GET", "/nowhere").status, 404);
  CAF_CHECK_EQUAL(request(port, "GET", "/socket.io/?EIO=3&transport=polling").status, 400);
  CAF_CHECK_EQUAL(request(port, "GET", "/socket.io/?EIO=4&transport=x").status, 400);
  CAF_CHECK_EQUAL(request(port, "POST", base(), "40").status, 400);
  CAF_CHECK_EQUAL(request(port, "GET", base() + "&sid=nope").status, 400);
  CAF_CHECK_EQUAL(request(port, "OPTIONS", base()).status, 204);
  auto sid = sid_of(request(port, "GET", base()).body);
  // maxPayload is 1000 here: a bigger body is refused and closes the session.
  CAF_CHECK_EQUAL(request(port, "POST", base() + "&sid=" + sid, "4" + std::string(1200, 'a')).status,
                  413);
  CAF_CHECK_EQUAL(request(port, "GET", base() + "&sid=" + sid).status, 400);
  // A decode error closes the session and its namespaces hear `parse error`.
  sid = sid_of(request(port, "GET", base()).body);
  CAF_CHECK_EQUAL(request(port, "POST", base() + "&sid=" + sid, "40").body, "ok");
  CAF_CHECK_EQUAL(request(port, "POST", base() + "&sid=" + sid, "42{}").body, "ok");
  CAF_CHECK(registry.wait_for("disconnected parse error"));
  CAF_CHECK_EQUAL(request(port, "GET", base() + "&sid=" + sid).status, 400);
}

CAF_TEST(a server side close disconnects each namespace before the transport) {
  auto sid = sid_of(request(port, "GET", base()).body);
  auto with_sid = base() + "&sid=" + sid;
  CAF_CHECK_EQUAL(request(port, "POST", with_sid, "40").body, "ok");
  CAF_CHECK_EQUAL(request(port, "GET", with_sid).body, R"(40{"sid":"s1"})");
  CAF_CHECK_EQUAL(request(port, "POST", with_sid, R"(42["bye"])").body, "ok");
  CAF_CHECK(registry.wait_for("disconnected server namespace disconnect"));
  // The DISCONNECT alone, then the close packet on the next GET (the official client must
  // handle the first before it sees the second), then the session is gone.
  CAF_CHECK_EQUAL(request(port, "GET", with_sid).body, "41");
  CAF_CHECK_EQUAL(request(port, "GET", with_sid).body, "1");
  CAF_CHECK_EQUAL(request(port, "GET", with_sid).status, 400);
}

CAF_TEST(stop closes every session promptly and only once) {
  auto sid = sid_of(request(port, "GET", base()).body);
  CAF_CHECK_EQUAL(request(port, "POST", base() + "&sid=" + sid, "40").body, "ok");
  CAF_CHECK(registry.wait_for(R"(connect {} polling http://example.test)"));
  CAF_CHECK_EQUAL(request(port, "GET", base() + "&sid=" + sid).body, R"(40{"sid":"s1"})");
  auto t0 = std::chrono::steady_clock::now();
  server->stop();
  server->stop();
  CAF_CHECK_LESS(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  CAF_CHECK(registry.wait_for("disconnected server shutting down"));
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

/// A server of its own, for options the shared fixture does not use.
struct custom_server {
  recording_registry registry;
  std::unique_ptr<net::http_server> server;
  std::uint16_t port = 0;

  explicit custom_server(net::server_options opts) {
    opts.host = "127.0.0.1";
    opts.port = 0;
    server = std::make_unique<net::http_server>(opts, unowned(registry));
    server->start();
    port = server->port();
  }

  /// A polling session connected to "/", its CONNECT reply collected; the target with its sid.
  std::string connected() {
    auto target = std::string{"/socket.io/?EIO=4&transport=polling"};
    target += "&sid=" + sid_of(request(port, "GET", target).body);
    CAF_CHECK_EQUAL(request(port, "POST", target, "40").body, "ok");
    CAF_CHECK_EQUAL(request(port, "GET", target).body, R"(40{"sid":"s1"})");
    return target;
  }
};

} // namespace

CAF_TEST(an event past the rate that asks for an ack is answered with the refusal) {
  net::server_options opts;
  opts.max_events_per_second = 1; // one at once, then one a second
  opts.rate_limited_ack = R"({ "refused" : "slow down" })";
  custom_server s{opts};
  auto target = s.connected();
  CAF_CHECK_EQUAL(request(s.port, "POST", target,
                          R"(421["a"])" "\x1e" R"(422["b"])" "\x1e" R"(42["c"])" "\x1e"
                          R"(42/other,3["d"])").body,
                  "ok");
  CAF_CHECK(s.registry.wait_for(R"(packet ["a"])"));
  // The application never sees "b" or "c"; "b" asked for an ack and gets the refusal, compact;
  // "d" is for a namespace the client is not in: ignored, as before any limit.
  CAF_CHECK_EQUAL(request(s.port, "GET", target).body, R"(432[{"refused":"slow down"}])");
  std::lock_guard<std::mutex> guard{s.registry.mtx};
  CAF_CHECK_EQUAL(std::count(s.registry.log.begin(), s.registry.log.end(), R"(packet ["b"])"), 0);
  CAF_CHECK_EQUAL(std::count(s.registry.log.begin(), s.registry.log.end(), R"(packet ["c"])"), 0);
}

CAF_TEST(a rate limited ack that is not json is refused at start) {
  net::server_options opts;
  opts.host = "127.0.0.1";
  opts.port = 0;
  opts.rate_limited_ack = "{ok:false}";
  recording_registry registry;
  net::http_server server{opts, unowned(registry)};
  bool refused = false;
  try {
    server.start();
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  CAF_CHECK(refused);
}

CAF_TEST(a polling client that stops polling is closed at the stall timeout) {
  net::server_options opts;
  opts.stall_timeout_ms = 200;
  opts.ping_interval_ms = 60000; // only the stall rule can close it within the wait below
  custom_server s{opts};
  auto target = std::string{"/socket.io/?EIO=4&transport=polling"};
  target += "&sid=" + sid_of(request(s.port, "GET", target).body);
  // The CONNECT reply waits for the client, which never comes back for it.
  CAF_CHECK_EQUAL(request(s.port, "POST", target, "40").body, "ok");
  CAF_CHECK(s.registry.wait_for("disconnected transport error"));
  CAF_CHECK_EQUAL(request(s.port, "GET", target).status, 400);
}
