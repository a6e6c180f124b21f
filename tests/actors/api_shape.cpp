#define CAF_SUITE api_shape

// The parts of the public API shaped after Socket.IO's server API that need a real actor
// system: asynchronous middleware, socket.data, and the remote sockets fetch_sockets returns.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "actors/server_core.hpp"
#include "atrium/atrium.hpp"
#include "tests/actors/live_connection.hpp"

using namespace atrium;
using atrium::test::connect;
using atrium::test::handoff;
using atrium::test::two_threads;
using atrium::test::waiting_connection;

CAF_TEST(an asynchronous middleware decides later from another thread and sets the data) {
  server io{two_threads()};
  std::mutex mtx;
  std::vector<std::thread> lookups; // a database look-up, say
  std::vector<std::string> order;
  io.use([&](connect_request request) {
    std::lock_guard<std::mutex> guard{mtx};
    order.push_back("async " + request.handshake().auth);
    lookups.emplace_back([request] {
      if (request.handshake().auth.find("deny") != std::string::npos) {
        request.refuse({"denied", R"({"retry":false})"});
        return;
      }
      request.set_data(raw_json{R"({"user":"ann"})"});
      request.accept();
    });
  });
  io.use([&](const handshake& hs) -> std::optional<connect_refusal> {
    std::lock_guard<std::mutex> guard{mtx};
    order.push_back("sync " + hs.auth);
    return std::nullopt;
  });
  io.on_connection([](socket& s) { s.emit("hello", {raw_json{s.data()}}); });

  auto admitted = std::make_shared<waiting_connection>();
  auto denied = std::make_shared<waiting_connection>();
  auto e1 = connect(io, admitted);
  auto e2 = connect(io, denied, "/", R"({"deny":true})");
  CAF_REQUIRE(e1 && e2);
  CAF_CHECK(admitted->wait_for(R"(42["hello",{"user":"ann"}])"));
  CAF_CHECK(denied->wait_for(R"(44{"message":"denied","data":{"retry":false}})"));
  CAF_CHECK(denied->wait_released());
  {
    std::lock_guard<std::mutex> guard{mtx};
    for (auto& t : lookups)
      t.join();
    // The synchronous one ran only for the client the asynchronous one let in, after it.
    // (The two clients' middlewares run on their own actors, in either order.)
    auto at = [&](const std::string& entry) {
      return std::find(order.begin(), order.end(), entry) - order.begin();
    };
    auto none = static_cast<std::ptrdiff_t>(order.size());
    CAF_CHECK_EQUAL(order.size(), 3u);
    CAF_CHECK(at("async {}") < at("sync {}"));
    CAF_CHECK(at("sync {}") < none);
    CAF_CHECK(at(R"(async {"deny":true})") < none);
    CAF_CHECK_EQUAL(at(R"(sync {"deny":true})"), none);
  }
  std::lock_guard<std::mutex> guard{denied->mtx};
  for (auto& text : denied->texts)
    CAF_CHECK(text.rfind("40", 0) != 0); // never connected
}

CAF_TEST(fetch_sockets returns remote sockets with their data that can be reached) {
  server io{two_threads()};
  io.on_connection([](socket& s) {
    s.set_data(raw_json{R"({"role":"editor"})"});
    s.join("a");
    s.emit("ready");
  });
  auto conn = std::make_shared<waiting_connection>();
  auto ep = connect(io, conn);
  CAF_REQUIRE(ep);
  CAF_REQUIRE(conn->wait_for(R"(42["ready"])"));

  handoff<remote_sockets> found;
  io.to("a").fetch_sockets(std::chrono::seconds(1), [&](const remote_sockets& s) { found.put(s); });
  auto sockets = found.take();
  CAF_REQUIRE(sockets && sockets->size() == 1u);
  auto& remote = sockets->front();
  CAF_CHECK_EQUAL(remote.data, R"({"role":"editor"})");
  remote.join("b");
  remote.emit("direct", {1});
  CAF_CHECK(conn->wait_for(R"(42["direct",1])"));
  auto rooms = io.of("/").rooms();
  CAF_CHECK_EQUAL(rooms.count("b"), 1u);
  remote.leave("b");
  remote.disconnect();
  CAF_CHECK(conn->wait_for("41"));
  CAF_CHECK(io.of("/").sids().empty());
}

CAF_TEST(a socket timer runs in its actor and never after it disconnected) {
  server io{two_threads()};
  std::atomic<int> ran_late{0};
  io.on_connection([&ran_late](socket& s) {
    auto& auth = s.handshake().auth;
    if (auth.find("leave") != std::string::npos) {
      s.after(std::chrono::milliseconds{20}, [&ran_late](socket&) { ++ran_late; });
      s.disconnect();
    } else if (auth.find("witness") != std::string::npos) {
      // Due well after the leaving socket's timer: once it fired, that one was due too
      // (CAF's clock dispatches timeouts in the order they are due).
      s.after(std::chrono::milliseconds{200}, [](socket& later) { later.emit("witnessed"); });
    } else {
      s.after(std::chrono::milliseconds{20}, [id = s.id()](socket& later) {
        later.emit("expired", {later.id() == id ? "same socket" : "another socket"});
        later.disconnect();
      });
    }
  });
  auto timed = std::make_shared<waiting_connection>();
  auto leaving = std::make_shared<waiting_connection>();
  auto witness = std::make_shared<waiting_connection>();
  auto e1 = connect(io, timed);
  auto e2 = connect(io, leaving, "/", R"({"leave":true})");
  CAF_REQUIRE(e1 && e2);
  auto e3 = connect(io, witness, "/", R"({"witness":true})");
  CAF_REQUIRE(e3);
  CAF_CHECK(timed->wait_for(R"(42["expired","same socket"])"));
  CAF_CHECK(timed->wait_for("41"));
  CAF_CHECK(leaving->wait_for("41"));
  CAF_CHECK(witness->wait_for(R"(42["witnessed"])"));
  CAF_CHECK_EQUAL(ran_late.load(), 0);
}

CAF_TEST(close_connection ends the socket without a DISCONNECT so that clients reconnect) {
  server io{two_threads()};
  handoff<std::string> reason;
  io.on_connection([&reason](socket& s) {
    s.on_disconnect([&reason](disconnect_reason why) { reason.put(to_string(why)); });
    s.emit("bye");
    s.close_connection();
    s.emit("after the close");
  });
  auto conn = std::make_shared<waiting_connection>();
  auto endpoint = connect(io, conn);
  CAF_REQUIRE(endpoint);
  CAF_CHECK(conn->wait_closed());
  CAF_CHECK(conn->wait_released());
  CAF_CHECK_EQUAL(reason.take().value_or("none"), "forced close");
  std::lock_guard<std::mutex> guard{conn->mtx};
  CAF_CHECK_EQUAL(conn->texts.back(), R"(42["bye"])");
  for (auto& text : conn->texts)
    CAF_CHECK(text.rfind("41", 0) != 0);
}
