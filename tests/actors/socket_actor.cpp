#define CAF_SUITE socket_actor

#include <algorithm>

#include "tests/actors/fixture.hpp"

using namespace atrium;
using namespace atrium::testing;

using strings = std::vector<std::string>;

namespace {

sio::packet event_packet(std::string data, std::optional<std::uint64_t> id = std::nullopt) {
  sio::packet p;
  p.type = sio::packet_type::event;
  p.data = std::move(data);
  p.id = id;
  return p;
}

struct socket_fixture : fixture {
  std::shared_ptr<recording_connection> conn = std::make_shared<recording_connection>();
  caf::actor sock;

  /// Spawns a socket actor for `conn` and lets it connect.
  void connect(handshake hs = {}) {
    sock = sys.spawn(socket_actor, std::shared_ptr<const namespace_core>(core),
                     connection_ptr{conn}, std::make_shared<const handshake>(std::move(hs)));
    consume_messages();
  }

  socket_state& st() { return deref<caf::stateful_actor<socket_state>>(sock).state; }

  void client_emits(std::string data, std::optional<std::uint64_t> id = std::nullopt) {
    self->send(sock, packet_atom::value, event_packet(std::move(data), id),
               std::vector<std::string>{});
    consume_messages();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(socket_actor_tests, socket_fixture)

CAF_TEST(the CONNECT reply precedes anything the connection handler emits) {
  core->connection_handlers.push_back([](socket& s) { s.emit("hello", {"you"}); });
  connect();
  auto sid = st().sid;
  CAF_CHECK_EQUAL(sid.size(), 15u);
  CAF_CHECK_EQUAL(conn->texts, (strings{R"(40{"sid":")" + sid + R"("})",
                                        R"(42["hello","you"])"}));
  CAF_CHECK_EQUAL(rooms(), (membership_map{{sid, {sid}}}));
}

CAF_TEST(a middleware refusal sends CONNECT_ERROR and registers nothing) {
  core->middlewares.push_back([](const handshake& hs) -> std::optional<connect_refusal> {
    if (hs.auth == R"({"token":"bad"})")
      return connect_refusal{"not allowed", R"({"code":7})"};
    return std::nullopt;
  });
  handshake hs;
  hs.auth = R"({"token":"bad"})";
  connect(hs);
  CAF_CHECK_EQUAL(conn->texts, (strings{R"(44{"message":"not allowed","data":{"code":7}})"}));
  CAF_CHECK_EQUAL(conn->released, (strings{"/"}));
  CAF_CHECK(rooms().empty());
}

CAF_TEST(events reach their handlers and acks answer the client once) {
  core->connection_handlers.push_back([](socket& s) {
    s.on("sum", [](event& ev) {
      ev.ack(ev[0].GetInt() + ev[1].GetInt());
      ev.ack("ignored: an ack is answered once");
    });
  });
  connect();
  client_emits(R"(["sum",2,3])", 7);
  CAF_CHECK_EQUAL(conn->texts.back(), "437[5]");
  CAF_CHECK_EQUAL(conn->count("ignored"), 0u);
}

CAF_TEST(catch-all then namespace then own listeners run for every socket) {
  core->event_handlers["greet"].push_back([this](event& ev) {
    log.push_back("namespace greet " + std::string{ev[0].GetString()});
    ev.ack("hi");
  });
  core->disconnecting_handlers.push_back([this](socket& s, disconnect_reason) {
    log.push_back("namespace disconnecting " + std::to_string(s.rooms().size()));
  });
  core->disconnect_handlers.push_back([this](socket& s, disconnect_reason) {
    log.push_back("namespace disconnect " + std::to_string(s.rooms().size()));
  });
  core->connection_handlers.push_back([this](socket& s) {
    s.on("greet", [this](event&) { log.push_back("socket greet"); });
    s.on_any([this](event& ev) { log.push_back("any " + ev.name()); });
    s.on_disconnecting([this](disconnect_reason) { log.push_back("socket disconnecting"); });
    s.on_disconnect([this](disconnect_reason) { log.push_back("socket disconnect"); });
  });
  connect();
  log.clear();
  client_emits(R"(["greet","ann"])", 4);
  client_emits(R"(["other"])");
  CAF_CHECK_EQUAL(conn->texts.back(), R"(434["hi"])");
  CAF_CHECK_EQUAL(log, (strings{"any greet", "namespace greet ann", "socket greet", "any other"}));
  log.clear();
  self->send(sock, socket_command::closed_by(disconnect_reason::transport_close));
  consume_messages();
  strings handlers;
  std::copy_if(log.begin(), log.end(), std::back_inserter(handlers), [](const std::string& l) {
    return l.find("disconnect") != std::string::npos;
  });
  CAF_CHECK_EQUAL(handlers, (strings{"namespace disconnecting 1", "socket disconnecting",
                                     "namespace disconnect 0", "socket disconnect"}));
}

CAF_TEST(a join acknowledged to the client holds for the next broadcast) {
  core->connection_handlers.push_back([](socket& s) {
    s.on("join", [&s](event& ev) {
      s.join(ev[0].GetString());
      ev.ack(true);
    });
  });
  connect();
  client_emits(R"(["join","a"])", 1);
  CAF_CHECK_EQUAL(conn->texts.back(), "431[true]");
  CAF_CHECK_EQUAL(st().rooms, (std::set<std::string>{st().sid, "a"}));
  broadcast({{"a"}, {}}, "in-a");
  CAF_CHECK_EQUAL(conn->count(news("in-a")), 1u);
}

CAF_TEST(disconnecting sees the rooms and disconnect sees none) {
  core->connection_handlers.push_back([this](socket& s) {
    s.join(std::vector<std::string>{"a", "b"});
    s.on_disconnecting([this, &s](disconnect_reason why) {
      log.push_back(std::string{"disconnecting "} + to_string(why) + " "
                    + std::to_string(s.rooms().size()));
    });
    s.on_disconnect([this, &s](disconnect_reason why) {
      log.push_back(std::string{"disconnect "} + to_string(why) + " "
                    + std::to_string(s.rooms().size()));
    });
  });
  connect();
  auto sid = st().sid;
  log.clear();
  self->send(sock, socket_command::closed_by(disconnect_reason::transport_close));
  consume_messages();
  // The handlers run on the socket actor, the adapter events on the supervisor: compare each
  // side's own order. Rooms are left in name order, so the sid's place varies.
  CAF_REQUIRE_EQUAL(log.size(), 8u);
  strings handlers{log.begin(), log.begin() + 2};
  CAF_CHECK_EQUAL(handlers, (strings{"disconnecting transport close 3",
                                     "disconnect transport close 0"}));
  strings adapter{log.begin() + 2, log.end()};
  for (auto& room : strings{"a", "b", sid}) {
    auto leave = std::find(adapter.begin(), adapter.end(), "leave-room " + room + " " + sid);
    auto gone = std::find(adapter.begin(), adapter.end(), "delete-room " + room);
    CAF_CHECK(leave != adapter.end() && gone == leave + 1);
  }
  CAF_CHECK(rooms().empty());
  CAF_CHECK(sids().empty());
}

CAF_TEST(room changes are told in the socket actor in its order however they came) {
  core->room_handlers.push_back([this](socket& s, const std::string& room, bool joined) {
    log.push_back(std::string{joined ? "join " : "leave "} + room + " "
                  + std::to_string(s.rooms().size()));
  });
  core->connection_handlers.push_back([this](socket& s) {
    s.join("a");
    s.on("go", [this, &s](event&) {
      log.push_back("go");
      s.join(std::vector<std::string>{"b", "a"}); // "a" is no change
      s.leave("a");
      s.leave("nowhere");
    });
  });
  connect();
  client_emits(R"(["go"])");
  // A socketsJoin / socketsLeave of the supervisor reaches the socket as a command.
  self->send(supervisor, join_atom::value, broadcast_options{{"b"}, {}}, strings{"c", "b"});
  consume_messages();
  self->send(supervisor, leave_atom::value, broadcast_options{{"b"}, {}}, strings{"c"});
  consume_messages();
  strings told;
  std::copy_if(log.begin(), log.end(), std::back_inserter(told), [](const std::string& l) {
    return l.rfind("join ", 0) == 0 || l.rfind("leave ", 0) == 0 || l == "go";
  });
  CAF_CHECK_EQUAL(told, (strings{"join a 2", "go", "join b 3", "leave a 2", "join c 3",
                                 "leave c 2"}));
  // Leaving by disconnecting is not told: the disconnect says it.
  log.clear();
  self->send(sock, socket_command::closed_by(disconnect_reason::transport_close));
  consume_messages();
  CAF_CHECK(std::none_of(log.begin(), log.end(), [](const std::string& l) {
    return l.rfind("leave ", 0) == 0;
  }));
}

CAF_TEST(a server-side disconnect tells the client and releases the namespace) {
  core->connection_handlers.push_back([](socket& s) {
    s.join("a");
    s.on("bye", [&s](event&) { s.disconnect(); });
  });
  connect();
  client_emits(R"(["bye"])");
  CAF_CHECK_EQUAL(conn->texts.back(), "41");
  CAF_CHECK_EQUAL(conn->released, (strings{"/"}));
  CAF_CHECK(!conn->closed);
  CAF_CHECK(rooms().empty());
}

CAF_TEST(the supervisor disconnects a selection of sockets) {
  core->connection_handlers.push_back([](socket& s) { s.join("doomed"); });
  connect();
  auto bystander = add_member("bystander");
  self->send(supervisor, disconnect_atom::value, broadcast_options{{"doomed"}, {}}, true);
  consume_messages();
  CAF_CHECK_EQUAL(conn->texts.back(), "41");
  CAF_CHECK(conn->closed);
  CAF_CHECK_EQUAL(rooms(), (membership_map{{"bystander", {"bystander"}}}));
}

CAF_TEST(an emit with ack gets the reply or a timeout) {
  std::vector<std::string> replies;
  core->connection_handlers.push_back([&replies](socket& s) {
    auto record = [&replies](std::optional<payload> reply) {
      replies.push_back(reply ? protocol::to_json(reply->array()) : "timeout");
    };
    s.timeout(std::chrono::seconds(5)).emit_with_ack("question", {1}, record);
    s.timeout(std::chrono::seconds(5)).emit_with_ack("question", {2}, record);
  });
  connect();
  CAF_CHECK_EQUAL(conn->count(R"(420["question",1])"), 1u);
  CAF_CHECK_EQUAL(conn->count(R"(421["question",2])"), 1u);
  sio::packet answer;
  answer.type = sio::packet_type::ack;
  answer.id = 0;
  answer.data = R"(["yes"])";
  self->send(sock, packet_atom::value, answer, std::vector<std::string>{});
  consume_messages();
  CAF_CHECK_EQUAL(replies, (strings{R"(["yes"])"}));
  trigger_timeouts();
  consume_messages();
  CAF_CHECK_EQUAL(replies, (strings{R"(["yes"])", "timeout"}));
}

CAF_TEST(once remove_all_listeners and off_any decide which listeners run) {
  core->connection_handlers.push_back([this](socket& s) {
    s.once("ping", [this](event&) { log.push_back("once ping"); });
    s.on("ping", [this](event&) { log.push_back("ping"); });
    s.on_any([this](event& ev) { log.push_back("any " + ev.name()); });
    s.on("stop", [this, &s](event&) {
      s.remove_all_listeners("ping");
      s.off_any();
    });
  });
  connect();
  log.clear();
  client_emits(R"(["ping"])");
  client_emits(R"(["ping"])");
  client_emits(R"(["stop"])");
  client_emits(R"(["ping"])");
  CAF_CHECK_EQUAL(log, (strings{"any ping", "once ping", "ping", "any ping", "ping", "any stop"}));
}

CAF_TEST(a per-event middleware can stop an event before every listener) {
  core->connection_handlers.push_back([this](socket& s) {
    s.use([this](event& ev) -> std::optional<std::string> {
      log.push_back("use " + ev.name());
      if (ev.name() == "forbidden")
        return "not allowed";
      return std::nullopt;
    });
    s.on_any([this](event& ev) { log.push_back("any " + ev.name()); });
    s.on("forbidden", [this](event&) { log.push_back("forbidden ran"); });
    s.on_error([this](const std::string& why) { log.push_back("error " + why); });
  });
  connect();
  log.clear();
  client_emits(R"(["forbidden"])");
  client_emits(R"(["fine"])");
  CAF_CHECK_EQUAL(log, (strings{"use forbidden", "error not allowed", "use fine", "any fine"}));
}

CAF_TEST(a volatile emit may be dropped and an ordinary one may not) {
  core->connection_handlers.push_back([](socket& s) {
    s.as_volatile().emit("position", {1});
    s.emit("chat", {"hi"});
    s.as_volatile().timeout(std::chrono::seconds(1)).emit_with_ack("poll", {}, nullptr);
  });
  connect();
  auto at = [this](const std::string& text) {
    auto i = std::find(conn->texts.begin(), conn->texts.end(), text);
    CAF_REQUIRE(i != conn->texts.end());
    return conn->urgencies[static_cast<std::size_t>(i - conn->texts.begin())];
  };
  CAF_CHECK(at(R"(42["position",1])") == urgency::droppable);
  CAF_CHECK(at(R"(42["chat","hi"])") == urgency::now);
  CAF_CHECK(at(R"(420["poll"])") == urgency::droppable);
}

CAF_TEST(a reserved event name is refused and never sent) {
  std::vector<std::string> errors;
  core->connection_handlers.push_back([&errors](socket& s) {
    s.join("r");
    s.on("try", [&s, &errors](event& ev) {
      auto attempt = [&errors](auto&& f) {
        try {
          f();
        } catch (const std::invalid_argument& e) {
          errors.push_back(e.what());
        }
      };
      for (auto name : {"connect", "connect_error", "disconnect", "disconnecting",
                        "newListener", "removeListener"}) {
        attempt([&] { s.emit(name); });
        attempt([&] { s.namespace_().to("r").emit(name); });
        attempt([&] { s.emit_with_ack(name, {}, [](std::optional<payload>) {}); });
      }
      s.namespace_().to("r").emit("fine");
      ev.ack("done");
    });
  });
  connect();
  conn->texts.clear();
  client_emits(R"(["try"])", 1);
  CAF_CHECK_EQUAL(errors.size(), 18u);
  CAF_CHECK_EQUAL(errors.front(), R"("connect" is a reserved event name)");
  CAF_CHECK_EQUAL(conn->texts, (strings{R"(42["fine"])", R"(431["done"])"}));
  // From outside any actor the caller gets the exception.
  auto refused = [](auto&& f) {
    try {
      f();
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  CAF_CHECK(refused([&] { broadcast_operator{core}.emit("disconnect"); }));
  CAF_CHECK(refused([&] {
    broadcast_operator{core}.timeout(std::chrono::seconds(1)).emit_with_ack("connect", {},
                                           [](gathered_replies&) {});
  }));
  consume_messages();
  CAF_CHECK_EQUAL(conn->texts.size(), 2u);
}

CAF_TEST(an exiting supervisor takes its sockets and room actors with it) {
  core->connection_handlers.push_back([](socket& s) { s.join("a"); });
  connect();
  auto room = state().rooms.at("a").actor;
  CAF_REQUIRE(room);
  self->monitor(sock);
  self->monitor(room);
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  consume_messages();
  size_t down = 0;
  for (int i = 0; i < 2; ++i)
    self->receive([&](const caf::down_msg&) { ++down; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK_EQUAL(down, 2u);
}

CAF_TEST_FIXTURE_SCOPE_END()
