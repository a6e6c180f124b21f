// The client against a real Atrium server (rooms app) on 127.0.0.1, in all three transports.
#define CAF_SUITE client_live
#include <caf/test/dsl.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "atrium/http_server.hpp"
#include "atrium/server.hpp"
#include "tools/atrium/rooms_app.hpp"
#include "tools/client/client.hpp"

using namespace atrium;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

constexpr auto wait_limit = 10s; // generous: two shared cores, a CAF scheduler and the server

const char* name(client::transport t) {
  switch (t) {
    case client::transport::polling:
      return "polling";
    case client::transport::websocket:
      return "websocket";
    case client::transport::upgrade:
      return "upgrade";
  }
  return "?";
}

constexpr client::transport all_transports[] = {
  client::transport::polling, client::transport::websocket, client::transport::upgrade};

/// What one client saw, filled on the io_context's thread.
struct recorder {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<client::inbound> packets;
  bool opened = false;
  int upgrades = 0;
  std::size_t packets_at_upgrade = 0;
  std::optional<std::string> closed;
  int closes = 0;
  // Runs (under mtx) for every packet before it is recorded.
  std::function<void(const client::inbound&)> hook;
};

client::callbacks callbacks_for(const std::shared_ptr<recorder>& r) {
  client::callbacks cbs;
  cbs.on_open = [r] {
    std::lock_guard<std::mutex> guard{r->mtx};
    r->opened = true;
    r->cv.notify_all();
  };
  cbs.on_upgrade = [r] {
    std::lock_guard<std::mutex> guard{r->mtx};
    ++r->upgrades;
    r->packets_at_upgrade = r->packets.size();
    r->cv.notify_all();
  };
  cbs.on_packet = [r](client::inbound in) {
    std::lock_guard<std::mutex> guard{r->mtx};
    if (r->hook)
      r->hook(in);
    r->packets.push_back(std::move(in));
    r->cv.notify_all();
  };
  cbs.on_close = [r](std::string why) {
    std::lock_guard<std::mutex> guard{r->mtx};
    r->closed = std::move(why);
    ++r->closes;
    r->cv.notify_all();
  };
  return cbs;
}

sio::packet make_event(std::string data, std::optional<std::uint64_t> id = {}) {
  sio::packet p;
  p.type = sio::packet_type::event;
  p.data = std::move(data);
  p.id = id;
  return p;
}

std::string emit_spec(const std::string& to, const std::string& event_name,
                      const std::string& args) {
  return R"(["emit",{"to":[)" + to + R"(],"except":[],"event":")" + event_name
         + R"(","args":)" + args + R"(,"self":true}])";
}

struct test_client {
  std::shared_ptr<recorder> rec = std::make_shared<recorder>();
  std::shared_ptr<client::connection> conn;
  client::transport mode = client::transport::upgrade;

  void emit(std::string data, std::optional<std::uint64_t> id = {},
            std::vector<std::string> attachments = {}) {
    conn->send(make_event(std::move(data), id), std::move(attachments));
  }

  /// Waits until a packet satisfies `pred`; returns it.
  template <class Pred>
  std::optional<client::inbound> wait_packet(Pred pred) {
    std::unique_lock<std::mutex> lock{rec->mtx};
    std::optional<client::inbound> found;
    rec->cv.wait_for(lock, wait_limit, [&] {
      for (auto& p : rec->packets)
        if (pred(p)) {
          found = p;
          return true;
        }
      return false;
    });
    return found;
  }

  /// CONNECT to "/" (optionally with auth); the socket id from the CONNECT reply.
  std::string connect_main(std::string auth = {}) {
    sio::packet p;
    p.type = sio::packet_type::connect;
    p.data = std::move(auth);
    conn->send(std::move(p));
    auto reply = wait_packet([](const client::inbound& in) {
      return in.packet.type == sio::packet_type::connect
             || in.packet.type == sio::packet_type::connect_error;
    });
    if (!reply || reply->packet.type != sio::packet_type::connect)
      return {};
    const std::string& d = reply->packet.data; // {"sid":"..."}
    auto start = d.find(R"("sid":")");
    if (start == std::string::npos)
      return {};
    start += 7;
    return d.substr(start, d.find('"', start) - start);
  }

  std::string ack(std::uint64_t id) {
    auto p = wait_packet([id](const client::inbound& in) {
      return in.packet.type == sio::packet_type::ack && in.packet.id == id;
    });
    return p ? p->packet.data : "<no ack>";
  }

  bool wait_event(const std::string& data) {
    return wait_packet([&](const client::inbound& in) {
             return in.packet.type == sio::packet_type::event && in.packet.data == data;
           })
      .has_value();
  }

  /// The close reason, or "<open>".
  std::string wait_closed(std::chrono::milliseconds limit = wait_limit) {
    std::unique_lock<std::mutex> lock{rec->mtx};
    rec->cv.wait_for(lock, limit, [&] { return rec->closed.has_value(); });
    return rec->closed.value_or("<open>");
  }

  bool wait_opened() {
    std::unique_lock<std::mutex> lock{rec->mtx};
    return rec->cv.wait_for(lock, wait_limit, [&] { return rec->opened; });
  }

  bool wait_upgraded() {
    std::unique_lock<std::mutex> lock{rec->mtx};
    return rec->cv.wait_for(lock, wait_limit, [&] { return rec->upgrades > 0; });
  }
};

atrium::server_options two_actor_threads() {
  atrium::server_options opts;
  opts.threads = 2;
  return opts;
}

struct fixture {
  std::unique_ptr<atrium::server> io = std::make_unique<atrium::server>(two_actor_threads());
  std::unique_ptr<net::http_server> http;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread runner;
  std::vector<std::shared_ptr<client::connection>> conns;
  std::mutex run_mtx;
  std::condition_variable run_cv;
  bool ran_out = false;

  fixture() {
    app::install_rooms_app(io->of("/"), app::client_policy::trusted());
    net::server_options opts;
    opts.host = "127.0.0.1";
    opts.port = 0;
    // Short heartbeats: every test also checks that the client answers pings in time.
    opts.ping_interval_ms = 100;
    opts.ping_timeout_ms = 200;
    http = std::make_unique<net::http_server>(opts, *io);
    http->start();
    runner = std::thread{[this] {
      ioc.run();
      std::lock_guard<std::mutex> guard{run_mtx};
      ran_out = true;
      run_cv.notify_all();
    }};
  }

  ~fixture() {
    for (auto& c : conns)
      c->abort();
    // Aborted sessions leave nothing pending: the io_context runs out of work by itself.
    work.reset();
    {
      std::unique_lock<std::mutex> lock{run_mtx};
      if (!run_cv.wait_for(lock, wait_limit, [this] { return ran_out; }))
        CAF_FAIL("the io_context still has work after every connection was aborted");
    }
    ioc.stop();
    runner.join();
    http->stop();
    if (io)
      io->shutdown();
  }

  test_client open(client::transport mode) {
    test_client c;
    c.mode = mode;
    client::options opts;
    opts.port = http->port();
    opts.mode = mode;
    c.conn = client::connection::open(ioc, opts, callbacks_for(c.rec));
    conns.push_back(c.conn);
    return c;
  }

  /// A second client that hears the namespace's disconnections (rooms app `watch`).
  test_client watcher() {
    auto w = open(client::transport::websocket);
    w.connect_main();
    w.emit(R"(["watch"])", 1);
    CAF_CHECK_EQUAL(w.ack(1), R"([{"ok":true}])");
    return w;
  }
};

bool saw_disconnect_of(test_client& watcher, const std::string& sid) {
  auto needle = R"("type":"disconnect","id":")" + sid + '"';
  return watcher
    .wait_packet([&](const client::inbound& in) {
      return in.packet.type == sio::packet_type::event
             && in.packet.data.rfind(R"(["adapter-event",)", 0) == 0
             && in.packet.data.find(needle) != std::string::npos;
    })
    .has_value();
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(client_live_tests, fixture)

CAF_TEST(connect join ack and broadcast in every transport) {
  for (auto mode : all_transports) {
    CAF_MESSAGE("transport " << name(mode));
    auto c = open(mode);
    auto sid = c.connect_main();
    CAF_CHECK(!sid.empty());
    CAF_CHECK(!c.conn->sid().empty());
    std::string room = std::string{"\"r-"} + name(mode) + '"';
    c.emit(R"(["join",)" + room + "]", 1);
    CAF_CHECK_EQUAL(c.ack(1), R"([{"ok":true}])");
    c.emit(emit_spec(room, "news", R"(["hi"])"), 2);
    CAF_CHECK(c.wait_event(R"(["news","hi"])"));
    CAF_CHECK_EQUAL(c.ack(2), R"([{"ok":true}])");
    if (mode == client::transport::upgrade) {
      CAF_CHECK(c.wait_upgraded());
      CAF_CHECK(c.conn->upgraded());
    } else {
      CAF_CHECK(!c.conn->upgraded());
    }
    c.conn->close();
    CAF_CHECK_EQUAL(c.wait_closed(), "client close");
  }
}

CAF_TEST(binary attachments travel both ways in every transport) {
  std::string small{"\0\1\2\xff\xfe bytes", 11};
  std::string big(200 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>(i * 7 + 3);
  for (auto mode : all_transports) {
    CAF_MESSAGE("transport " << name(mode));
    auto c = open(mode);
    CAF_CHECK(!c.connect_main().empty());
    std::string room = std::string{"\"b-"} + name(mode) + '"';
    c.emit(R"(["join",)" + room + "]", 1);
    CAF_CHECK_EQUAL(c.ack(1), R"([{"ok":true}])");
    c.emit(emit_spec(room, "bin",
                     R"(["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"),
           2, {small, big});
    auto got = c.wait_packet([](const client::inbound& in) {
      return in.packet.type == sio::packet_type::binary_event;
    });
    CAF_REQUIRE(got.has_value());
    CAF_CHECK_EQUAL(got->packet.data,
                    R"(["bin","x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
    CAF_REQUIRE_EQUAL(got->attachments.size(), 2u);
    CAF_CHECK(got->attachments[0] == small);
    CAF_CHECK(got->attachments[1] == big);
    CAF_CHECK_EQUAL(c.ack(2), R"([{"ok":true}])");
    c.conn->close();
    CAF_CHECK_EQUAL(c.wait_closed(), "client close");
  }
}

CAF_TEST(nothing sent around the upgrade is lost or reordered) {
  constexpr int total = 200;
  // Emits in flight at once: the stream of emits (each answered by an ack that releases the
  // next) spans the whole upgrade; the first `window` wait for the handshake itself.
  for (int window : {1, 10, 100}) {
    CAF_MESSAGE("window " << window);
    auto c = open(client::transport::upgrade);
    std::weak_ptr<client::connection> weak = c.conn;
    auto next = std::make_shared<int>(0);
    auto send_next = [weak, next] {
      auto conn = weak.lock();
      if (!conn || *next >= total)
        return;
      int i = (*next)++;
      auto data = emit_spec("", "n", "[" + std::to_string(i) + "]");
      conn->send(make_event(std::move(data), static_cast<std::uint64_t>(1000 + i)));
    };
    {
      std::lock_guard<std::mutex> guard{c.rec->mtx};
      c.rec->hook = [send_next](const client::inbound& in) {
        if (in.packet.type == sio::packet_type::ack && in.packet.id && *in.packet.id >= 1000)
          send_next();
      };
      sio::packet connect;
      connect.type = sio::packet_type::connect;
      c.conn->send(connect);
      for (int i = 0; i < window; ++i)
        send_next();
    }
    std::unique_lock<std::mutex> lock{c.rec->mtx};
    auto numbered = [&] {
      std::vector<std::string> seen;
      for (auto& p : c.rec->packets)
        if (p.packet.type == sio::packet_type::event && p.packet.data.rfind(R"(["n",)", 0) == 0)
          seen.push_back(p.packet.data);
      return seen;
    };
    CAF_CHECK(c.rec->cv.wait_for(lock, wait_limit, [&] {
      return numbered().size() >= static_cast<std::size_t>(total);
    }));
    auto seen = numbered();
    CAF_CHECK_EQUAL(seen.size(), static_cast<std::size_t>(total));
    for (std::size_t i = 0; i < seen.size(); ++i)
      if (seen[i] != R"(["n",)" + std::to_string(i) + "]") {
        CAF_FAIL("event " << i << " is " << seen[i]);
      }
    CAF_CHECK_EQUAL(c.rec->upgrades, 1);
    CAF_MESSAGE("packets received before the upgrade: " << c.rec->packets_at_upgrade);
    CAF_CHECK(!c.rec->closed.has_value());
    lock.unlock();
    CAF_CHECK(c.conn->upgraded());
    c.conn->close();
    CAF_CHECK_EQUAL(c.wait_closed(), "client close");
  }
}

CAF_TEST(the heartbeat keeps idle sessions alive in every transport) {
  std::vector<test_client> clients;
  for (auto mode : all_transports) {
    clients.push_back(open(mode));
    CAF_CHECK(!clients.back().connect_main().empty());
  }
  // pingInterval is 100 ms: ten intervals without any traffic but the heartbeat.
  CAF_CHECK_EQUAL(clients.front().wait_closed(1000ms), "<open>");
  for (auto& c : clients) {
    CAF_MESSAGE("transport " << name(c.mode));
    CAF_CHECK_EQUAL(c.wait_closed(0ms), "<open>");
    c.emit(R"(["rooms"])", 5);
    CAF_CHECK(c.ack(5).rfind("[[", 0) == 0);
  }
}

CAF_TEST(close and abort disconnect the socket on the server) {
  auto w = watcher();
  for (auto mode : all_transports) {
    CAF_MESSAGE("close, transport " << name(mode));
    auto c = open(mode);
    auto sid = c.connect_main();
    CAF_REQUIRE(!sid.empty());
    if (mode == client::transport::upgrade)
      CAF_CHECK(c.wait_upgraded());
    c.conn->close();
    CAF_CHECK_EQUAL(c.wait_closed(), "client close");
    CAF_CHECK(saw_disconnect_of(w, sid));
  }
  for (auto mode : all_transports) {
    CAF_MESSAGE("abort, transport " << name(mode));
    auto c = open(mode);
    auto sid = c.connect_main();
    CAF_REQUIRE(!sid.empty());
    c.conn->abort();
    CAF_CHECK_EQUAL(c.wait_closed(), "abort");
    CAF_CHECK(saw_disconnect_of(w, sid));
    std::lock_guard<std::mutex> guard{c.rec->mtx};
    CAF_CHECK_EQUAL(c.rec->closes, 1);
  }
}

CAF_TEST(server packets the server decides on reach the client) {
  for (auto mode : all_transports) {
    CAF_MESSAGE("transport " << name(mode));
    // A refusing middleware: CONNECT_ERROR {"message":...}.
    auto refused = open(mode);
    CAF_CHECK(refused.connect_main(R"({"reject":"not today"})").empty());
    auto err = refused.wait_packet([](const client::inbound& in) {
      return in.packet.type == sio::packet_type::connect_error;
    });
    CAF_REQUIRE(err.has_value());
    CAF_CHECK(err->packet.data.find("not today") != std::string::npos);
    refused.conn->close();
    // A server-side disconnect(true): DISCONNECT, then the session ends.
    auto c = open(mode);
    CAF_REQUIRE(!c.connect_main().empty());
    // A server that closes a session while the client switches transports may lose the
    // DISCONNECT (it waits for a GET on the polling transport the client has just left).
    if (mode == client::transport::upgrade)
      CAF_CHECK(c.wait_upgraded());
    c.emit(R"(["server-disconnect",{"close":true}])");
    CAF_CHECK(c.wait_packet([](const client::inbound& in) {
                 return in.packet.type == sio::packet_type::disconnect;
               })
                .has_value());
    CAF_CHECK_EQUAL(c.wait_closed(), "transport close");
  }
}

CAF_TEST(one io_context carries many connections) {
  constexpr int per_transport = 30;
  std::vector<test_client> clients;
  for (auto mode : all_transports)
    for (int i = 0; i < per_transport; ++i)
      clients.push_back(open(mode));
  for (auto& c : clients) {
    sio::packet p;
    p.type = sio::packet_type::connect;
    c.conn->send(p);
  }
  int connected = 0;
  for (auto& c : clients)
    if (c.wait_packet([](const client::inbound& in) {
           return in.packet.type == sio::packet_type::connect;
         }).has_value())
      ++connected;
  CAF_CHECK_EQUAL(connected, 3 * per_transport);
  for (auto& c : clients)
    c.conn->close();
  int closed = 0;
  for (auto& c : clients)
    if (c.wait_closed() == "client close")
      ++closed;
  CAF_CHECK_EQUAL(closed, 3 * per_transport);
}

CAF_TEST(a server that is not there ends the session) {
  client::options opts;
  opts.port = 1; // nothing listens there
  for (auto mode : all_transports) {
    auto rec = std::make_shared<recorder>();
    opts.mode = mode;
    auto conn = client::connection::open(ioc, opts, callbacks_for(rec));
    conns.push_back(conn);
    std::unique_lock<std::mutex> lock{rec->mtx};
    CAF_CHECK(rec->cv.wait_for(lock, wait_limit, [&] { return rec->closed.has_value(); }));
    CAF_CHECK_EQUAL(rec->closed.value_or("<open>"), "transport error");
    CAF_CHECK(!rec->opened);
  }
}

CAF_TEST(a transport outlives the server it serves) {
  auto before = open(client::transport::websocket);
  CAF_REQUIRE(before.wait_opened());
  CAF_REQUIRE(!before.connect_main().empty());
  io.reset();
  // The transport still answers: a namespace of a server that is gone is none at all.
  auto after = open(client::transport::websocket);
  CAF_REQUIRE(after.wait_opened());
  CAF_CHECK(after.connect_main().empty());
  // ~fixture then stops the transport, which disconnects `before`'s socket: the actors it
  // reaches must still be there (the transport keeps them) until the transport lets go.
}

CAF_TEST_FIXTURE_SCOPE_END()
