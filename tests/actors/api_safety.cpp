#define CAF_SUITE api_safety

// The public API's traps, each made safe: handlers' misuse of arguments, callbacks on the
// wrong thread, acks from anywhere, blocking calls inside the actors, configuring while
// serving, and objects outliving the server. On a real, multi-threaded actor system; the
// thread cases are meant for the TSan build too (tests/sanitize/run.sh runs this suite).

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <caf/test/unit_test.hpp>

#include "actors/server_core.hpp"
#include "actors/socket_actor.hpp"
#include "atrium/atrium.hpp"
#include "tests/actors/live_connection.hpp"

using namespace atrium;
using atrium::test::connect;
using atrium::test::handoff;
using atrium::test::two_threads;
using atrium::test::waiting_connection;

namespace {

sio::packet event_packet(std::string data, std::optional<std::uint64_t> id = {}) {
  sio::packet p;
  p.type = sio::packet_type::event;
  p.id = id;
  p.data = std::move(data);
  return p;
}

/// Whether the caller runs inside the socket `sid`'s actor (one of its handlers).
bool inside_socket(const namespace_core& core, const std::string& sid) {
  auto* running = running_socket(core);
  return running != nullptr && running->sid == sid;
}

template <class F>
bool refused(F&& configure) {
  try {
    configure();
  } catch (const std::logic_error&) {
    return true;
  }
  return false;
}

} // namespace

CAF_TEST(checked accessors answer for missing and mistyped arguments) {
  auto doc = parse_json(R"(["room", 3, 2.5, true, null, {"_placeholder":true,"num":0}])");
  CAF_REQUIRE(doc);
  payload p{std::move(*doc), {"bytes"}};
  CAF_CHECK(p.string(0) == std::optional<std::string_view>{"room"});
  CAF_CHECK(!p.string(1));
  CAF_CHECK(!p.string(9));
  CAF_CHECK(p.integer(1) == std::optional<std::int64_t>{3});
  CAF_CHECK(!p.integer(2));
  CAF_CHECK(p.number(2) == std::optional<double>{2.5});
  CAF_CHECK(p.boolean(3) == std::optional<bool>{true});
  CAF_CHECK(!p.boolean(4));
  CAF_REQUIRE(p.binary(5) != nullptr);
  CAF_CHECK_EQUAL(*p.binary(5), "bytes");
  CAF_CHECK(p.binary(0) == nullptr);
  CAF_CHECK(p.at(6) == nullptr);
  CAF_CHECK(p[6].IsNull()); // past the end: a null, not memory after the array
}

CAF_TEST(a handler reading a missing argument gets nothing and its socket lives on) {
  server io{two_threads()};
  io.on_connection([](socket& s) {
    s.on("join", [&s](event& ev) {
      auto room = ev.string(0);
      ev.ack(room ? args{std::string{*room}} : args{"no room given"});
    });
  });
  auto conn = std::make_shared<waiting_connection>();
  auto ep = connect(io, conn);
  CAF_REQUIRE(ep);
  ep->packet(event_packet(R"(["join"])", 1), {});
  CAF_CHECK(conn->wait_for(R"(431["no room given"])"));
  ep->packet(event_packet(R"(["join",7])", 2), {});
  CAF_CHECK(conn->wait_for(R"(432["no room given"])"));
  ep->packet(event_packet(R"(["join","a"])", 3), {});
  CAF_CHECK(conn->wait_for(R"(433["a"])"));
}

CAF_TEST(callbacks of an operator made from a socket run in that socket) {
  server io{two_threads()};
  auto core = server_access::core(io)->of("/");
  handoff<bool> acked_inside;
  handoff<bool> fetched_inside;
  io.on_connection([&](socket& s) {
    auto sid = s.id();
    s.join("a");
    // Nobody else is in "a": the wait ends at once, complete, on the collector's actor.
    s.to("a").timeout(std::chrono::seconds(5)).emit_with_ack("question", {},
                                                             [&, sid](gathered_replies&) {
                                                               acked_inside.put(
                                                                 inside_socket(*core, sid));
                                                             });
    s.to("a").fetch_sockets(std::chrono::seconds(5), [&, sid](const remote_sockets&) {
      fetched_inside.put(inside_socket(*core, sid));
    });
  });
  auto conn = std::make_shared<waiting_connection>();
  auto ep = connect(io, conn);
  CAF_REQUIRE(ep);
  auto acked = acked_inside.take();
  auto fetched = fetched_inside.take();
  CAF_REQUIRE(acked && fetched);
  CAF_CHECK(*acked);
  CAF_CHECK(*fetched);
}

CAF_TEST(a responder answers from any thread once and does nothing after its socket) {
  auto io = std::make_unique<server>(two_threads());
  handoff<responder> held;
  io->on_connection([&](socket& s) {
    s.on("later", [&](event& ev) { held.put(ev.take_ack()); });
  });
  auto conn = std::make_shared<waiting_connection>();
  auto ep = connect(*io, conn);
  CAF_REQUIRE(ep);

  ep->packet(event_packet(R"(["later"])", 4), {});
  auto answer = held.take();
  CAF_REQUIRE(answer && *answer);
  std::thread other{[r = *answer] {
    r({"from another thread"});
    r({"twice"}); // the first call answers
  }};
  other.join();
  CAF_CHECK(conn->wait_for(R"(434["from another thread"])"));

  held.value.reset();
  ep->packet(event_packet(R"(["later"])", 5), {});
  auto orphan = held.take();
  CAF_REQUIRE(orphan && *orphan);
  // The server and every actor go; the responder must not reach into the freed socket.
  ep.reset();
  io.reset();
  (*orphan)({"too late"});
  std::lock_guard<std::mutex> guard{conn->mtx};
  CAF_CHECK(std::find(conn->texts.begin(), conn->texts.end(), R"(435["too late"])")
            == conn->texts.end());
  CAF_CHECK(std::find(conn->texts.begin(), conn->texts.end(), R"(434["twice"])")
            == conn->texts.end());
}

CAF_TEST(blocking snapshots refuse inside the actors instead of deadlocking) {
  // One worker: a handler that waited for the supervisor would wait for itself.
  server_options opts;
  opts.threads = 1;
  server io{opts};
  auto main = io.of("/");
  handoff<std::string> from_listener;
  handoff<std::string> from_handler;
  auto attempt = [&main](handoff<std::string>& out) {
    try {
      main.rooms();
      out.put("returned");
    } catch (const std::logic_error&) {
      out.put("refused");
    }
  };
  main.on_adapter_event([&](const adapter_event& e) {
    if (e.type == adapter_event_type::create_room && e.room == "x")
      attempt(from_listener);
  });
  main.on_connection([&](socket& s) {
    attempt(from_handler);
    s.join("x");
  });
  auto conn = std::make_shared<waiting_connection>();
  auto ep = connect(io, conn);
  CAF_REQUIRE(ep);
  CAF_CHECK_EQUAL(from_handler.take().value_or("deadlocked"), "refused");
  CAF_CHECK_EQUAL(from_listener.take().value_or("deadlocked"), "refused");
  // Outside the actors it still works.
  CAF_CHECK_EQUAL(main.rooms().count("x"), 1u);
}

CAF_TEST(a namespace that serves clients can no longer be configured) {
  server io{two_threads()};
  auto main = io.of("/");
  main.on_connection([](socket&) {});
  auto conn = std::make_shared<waiting_connection>();
  auto ep = connect(io, conn);
  CAF_REQUIRE(ep);
  CAF_CHECK(refused([&] { main.on_connection([](socket&) {}); }));
  CAF_CHECK(refused([&] { main.use([](const handshake&) { return std::nullopt; }); }));
  CAF_CHECK(refused([&] { main.on_event("x", [](event&) {}); }));
  CAF_CHECK(refused([&] { io.on_connection([](socket&) {}); }));
  // A namespace made later is open until a client reaches it, or the transport starts.
  auto late = io.of("/late");
  late.on_connection([](socket&) {});
  server_access::core(io)->serving();
  CAF_CHECK(refused([&] { late.on_connection([](socket&) {}); }));
  auto later = io.of("/later");
  later.on_connection([](socket&) {}); // made after the transport started: still open
  auto conn2 = std::make_shared<waiting_connection>();
  CAF_REQUIRE(connect(io, conn2, "/later"));
  CAF_CHECK(refused([&] { later.on_adapter_event([](const adapter_event&) {}); }));
}

CAF_TEST(a namespace handle outlives its server) {
  auto io = std::make_unique<server>(two_threads());
  auto main = io->of("/");
  auto news = main.to("news");
  io.reset();
  CAF_CHECK(main.rooms().empty());
  CAF_CHECK(main.sids().empty());
  main.emit("x");
  news.emit("y");
  news.disconnect_sockets();
  main.fetch_sockets(std::chrono::seconds(1), [](const remote_sockets&) {});
  CAF_CHECK_EQUAL(main.name(), "/");
}
