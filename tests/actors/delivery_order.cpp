#define CAF_SUITE delivery_order

// Per-socket order under adversarial schedules. CAF's test coordinator runs one actor's
// message at a time, in whatever order the test picks: room actors that hand their members
// over in the reverse of the supervisor's order, shards that hear of a socket's own frame
// before the broadcast it follows, and thousands of random interleavings. Whatever the
// schedule, each socket must receive exactly what the supervisor's order says, once each.

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "atrium/socket.hpp"
#include "protocol/json.hpp"
#include "tests/actors/fixture.hpp"

using namespace atrium;
using namespace atrium::testing;

using strings = std::vector<std::string>;

namespace {

/// The news events a connection got, in order (CONNECT and other packets left out).
strings news_of(const recording_connection& conn) {
  strings result;
  for (auto& t : conn.texts)
    if (t.rfind(R"(42["news",)", 0) == 0)
      result.push_back(t);
  return result;
}

template <std::size_t Shards>
struct order_fixture : fixture {
  order_fixture() : fixture(Shards) {}

  /// Runs `a` until it has nothing left to do, leaving every other actor waiting.
  void drain(const caf::actor& a) {
    while (sched.prioritize(a))
      sched.run_once();
  }

  /// Runs everything, each step one message of an actor picked at random.
  void run_shuffled(std::mt19937& rng) {
    while (sched.has_job()) {
      std::uniform_int_distribution<std::size_t> pick(0, sched.jobs.size() - 1);
      std::swap(sched.jobs.front(), sched.jobs[pick(rng)]);
      sched.run_once();
    }
  }

  caf::actor room(const std::string& name) { return state().rooms.at(name).actor; }

  void send_broadcast(broadcast_options opts, const std::string& text) {
    self->send(supervisor, broadcast_atom::value, std::move(opts),
               packets::event("/", "news", args{text}), outlet_ptr{}, std::uint64_t{0});
  }

  /// A socket actor with a recording connection, connected.
  struct live_socket {
    std::shared_ptr<recording_connection> conn;
    caf::actor actor;
  };
  live_socket connect_socket() {
    live_socket s{std::make_shared<recording_connection>(), {}};
    s.actor = sys.spawn(socket_actor, std::shared_ptr<const namespace_core>(core),
                        connection_ptr{s.conn}, std::make_shared<const handshake>());
    consume_messages();
    return s;
  }
  void client_emits(const live_socket& s, std::string data, std::uint64_t ack_id) {
    sio::packet p;
    p.type = sio::packet_type::event;
    p.data = std::move(data);
    p.id = ack_id;
    self->send(s.actor, packet_atom::value, std::move(p), std::vector<std::string>{});
  }
};

using one_shard = order_fixture<1>;
using three_shards = order_fixture<3>;

} // namespace

CAF_TEST_FIXTURE_SCOPE(delivery_order_one_shard, one_shard)

CAF_TEST(room actors that run in reverse order still deliver in the supervisor order) {
  auto s1 = add_member("s1");
  auto s2 = add_member("s2");
  auto s3 = add_member("s3");
  join(s1, {"a", "b"});
  join(s2, {"a"});
  join(s3, {"b"});
  send_broadcast({{"a"}, {}}, "1");
  send_broadcast({{"b"}, {}}, "2");
  send_broadcast({{"a", "b"}, {}}, "3");
  send_broadcast({{"s1"}, {}}, "4"); // a private message: no room actor on its path
  send_broadcast({}, "5");           // the whole namespace: no room actor either
  send_broadcast({{"b"}, {}}, "6");
  drain(supervisor);
  // Room b hands its members over first, for 2, 3 and 6; only then room a, for 1 and 3.
  drain(room("b"));
  drain(core->shards->actors.front());
  CAF_CHECK(news_of(*s1.conn).empty()); // 1 is not complete: nothing may leave yet
  drain(room("a"));
  consume_messages();
  CAF_CHECK_EQUAL(news_of(*s1.conn),
                  (strings{news("1"), news("2"), news("3"), news("4"), news("5"), news("6")}));
  CAF_CHECK_EQUAL(news_of(*s2.conn), (strings{news("1"), news("3"), news("5")}));
  CAF_CHECK_EQUAL(news_of(*s3.conn), (strings{news("2"), news("3"), news("5"), news("6")}));
}

CAF_TEST(a handler that broadcasts and then acks puts the event before the ack) {
  core->connection_handlers.push_back([](socket& s) {
    s.join(std::vector<std::string>{"r", "q"});
    s.on("pub", [&s](event& ev) {
      s.namespace_().to(ev[0].GetString()).emit("news", {"mine"});
      s.emit("after", {"emit"});
      ev.ack("done");
    });
  });
  auto s = connect_socket();
  auto other = add_member("other");
  join(other, {"r"});
  s.conn->texts.clear();
  client_emits(s, R"(["pub","r"])", 7);
  // The socket's actor runs first, then its shard hears of the emit and the ack before the
  // supervisor has even seen the broadcast.
  drain(s.actor);
  drain(core->shards->actors.front());
  CAF_CHECK(s.conn->texts.empty());
  drain(supervisor);
  drain(core->shards->actors.front());
  CAF_CHECK(s.conn->texts.empty()); // room r has not handed its members over
  consume_messages();
  CAF_CHECK_EQUAL(s.conn->texts,
                  (strings{news("mine"), R"(42["after","emit"])", R"(437["done"])"}));
  CAF_CHECK_EQUAL(news_of(*other.conn), (strings{news("mine")}));
}

CAF_TEST(a broadcast from a request callback counts as the socket own) {
  core->connection_handlers.push_back([](socket& s) {
    s.join("r");
    s.on("pub", [&s](event& ev) {
      auto reply = ev.take_ack();
      s.fetch_rooms([&s, reply](const membership_map&) {
        s.namespace_().to("r").emit("news", {"later"});
        reply("done");
      });
    });
  });
  auto s = connect_socket();
  s.conn->texts.clear();
  client_emits(s, R"(["pub"])", 5);
  // The callback runs, then the shard hears of its ack before the supervisor sees the emit.
  drain(s.actor);
  drain(supervisor);
  drain(s.actor);
  drain(core->shards->actors.front());
  consume_messages();
  CAF_CHECK_EQUAL(s.conn->texts, (strings{news("later"), R"(435["done"])"}));
}

CAF_TEST(a frame skips the shard only when the shard owes its socket nothing) {
  core->connection_handlers.push_back([](socket& s) {
    s.join("r");
    s.on("pub", [&s](event&) {
      s.namespace_().to("r").emit("news", {"1"});
      s.emit("a");
    });
    s.on("again", [&s](event&) { s.emit("b"); });
  });
  auto s = connect_socket();
  s.conn->texts.clear();
  client_emits(s, R"(["again"])", 1);
  drain(s.actor);
  // Nothing was owed: the socket's actor wrote "b" itself, no shard ran.
  CAF_CHECK_EQUAL(s.conn->texts, (strings{R"(42["b"])"}));
  s.conn->texts.clear();
  client_emits(s, R"(["pub"])", 2);
  client_emits(s, R"(["again"])", 3);
  // Both handlers run before the supervisor and the shard: "b" must queue behind "a", which
  // waits for the broadcast.
  drain(s.actor);
  CAF_CHECK(s.conn->texts.empty());
  consume_messages();
  CAF_CHECK_EQUAL(s.conn->texts, (strings{news("1"), R"(42["a"])", R"(42["b"])"}));
}

CAF_TEST(a frame stays behind an earlier one still on its way through the shard) {
  core->connection_handlers.push_back([](socket& s) {
    s.join("r");
    s.on("say", [&s](event& ev) { s.emit("said", {ev[0].GetString()}); });
  });
  auto s = connect_socket();
  s.conn->texts.clear();
  // A broadcast to the socket's room, then a selection join: the command carries that
  // broadcast's number, so the socket's next frame must wait for it and goes to the shard.
  send_broadcast({{"r"}, {}}, "1");
  self->send(supervisor, join_atom::value, broadcast_options{{"r"}, {}}, strings{"extra"});
  drain(supervisor);
  drain(room("r"));
  drain(s.actor);
  client_emits(s, R"(["say","first"])", 1);
  drain(s.actor);
  auto shard = core->shards->actors.front();
  // The shard carries out the broadcast (ticket and part) but has not read the frame yet.
  CAF_REQUIRE(sched.prioritize(shard));
  sched.run_once();
  CAF_REQUIRE(sched.prioritize(shard));
  sched.run_once();
  CAF_CHECK_EQUAL(s.conn->texts, (strings{news("1")}));
  client_emits(s, R"(["say","second"])", 2);
  drain(s.actor);
  consume_messages();
  CAF_CHECK_EQUAL(s.conn->texts,
                  (strings{news("1"), R"(42["said","first"])", R"(42["said","second"])"}));
}

CAF_TEST(a frame of a socket that broadcast to others only waits for that broadcast) {
  core->connection_handlers.push_back([](socket& s) {
    s.on("pub", [&s](event& ev) {
      s.to("r").emit("news", {"theirs"});
      ev.ack("done");
    });
  });
  auto s = connect_socket();
  auto other = add_member("other");
  join(other, {"r"});
  s.conn->texts.clear();
  client_emits(s, R"(["pub"])", 3);
  consume_messages();
  CAF_CHECK_EQUAL(s.conn->texts, (strings{R"(433["done"])"}));
  CAF_CHECK_EQUAL(news_of(*other.conn), (strings{news("theirs")}));
}

CAF_TEST(a disconnected selection gets its DISCONNECT after earlier broadcasts and none after) {
  core->connection_handlers.push_back([](socket& s) { s.join("doomed"); });
  auto s = connect_socket();
  s.conn->texts.clear();
  send_broadcast({{"doomed"}, {}}, "before");
  self->send(supervisor, disconnect_atom::value, broadcast_options{{"doomed"}, {}}, false);
  send_broadcast({{"doomed"}, {}}, "after");
  // The supervisor runs all three before the room actor and the socket get a turn: the
  // socket's DISCONNECT must still follow "before", and "after" must not reach it.
  drain(supervisor);
  drain(s.actor);
  drain(core->shards->actors.front());
  consume_messages();
  CAF_CHECK_EQUAL(s.conn->texts, (strings{news("before"), "41"}));
  CAF_CHECK_EQUAL(s.conn->released, (strings{"/"}));
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(delivery_order_three_shards, three_shards)

// Many sockets broadcast to a room they are all in and ack at once, under random schedules:
// each one's event reaches it before its ack, and every socket gets every socket's events,
// once each, in the order that socket sent them.
CAF_TEST(sockets that broadcast and ack all at once keep every order) {
  std::mt19937 rng{7};
  core->connection_handlers.push_back([](socket& s) {
    s.join("all");
    s.on("pub", [&s](event& ev) {
      auto round = ev[0].GetInt();
      s.namespace_().to("all").emit("news", {s.id(), round});
      ev.ack(round);
    });
  });
  constexpr int count = 24;
  constexpr int rounds = 12;
  std::vector<live_socket> all;
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    all.push_back(connect_socket());
    ids.push_back(deref<caf::stateful_actor<socket_state>>(all.back().actor).state.sid);
  }
  for (auto& s : all)
    s.conn->texts.clear();
  for (int round = 0; round < rounds; ++round) {
    for (auto& s : all)
      client_emits(s, R"(["pub",)" + std::to_string(round) + "]", 100 + round);
    run_shuffled(rng);
  }
  for (int i = 0; i < count; ++i) {
    std::map<std::string, int> last; // by sender: the last round received
    int own = 0;                     // own events received so far
    int acks = 0;
    for (auto& t : all[i].conn->texts) {
      if (t.rfind("43", 0) == 0) {
        ++acks;
        CAF_CHECK_GREATER_OR_EQUAL(own, acks); // the event came before its ack
        continue;
      }
      auto doc = protocol::parse_json(std::string_view{t}.substr(2));
      CAF_REQUIRE(doc && doc->IsArray() && doc->Size() == 3);
      std::string from = (*doc)[1].GetString();
      int round = (*doc)[2].GetInt();
      auto before = last.find(from);
      CAF_CHECK(before == last.end() ? round == 0 : round == before->second + 1);
      last[from] = round;
      if (from == ids[i])
        ++own;
    }
    CAF_CHECK_EQUAL(acks, rounds);
    CAF_CHECK_EQUAL(last.size(), static_cast<std::size_t>(count));
    for (auto& [from, round] : last)
      CAF_CHECK_EQUAL(round, rounds - 1);
  }
}

// Random membership, random unions, excepts and private messages, run under many random
// schedules: what each socket receives must equal, in order, what the supervisor's order of
// joins, leaves and broadcasts selects for it.
CAF_TEST(random schedules deliver every socket its broadcasts once each in order) {
  std::mt19937 rng{20261204};
  constexpr int sockets = 12;
  const strings room_names{"a", "b", "c", "d"};
  std::vector<member> members;
  std::vector<std::set<std::string>> joined(sockets);
  for (int i = 0; i < sockets; ++i) {
    members.push_back(add_member("s" + std::to_string(i)));
    joined[i].insert(members.back().sid);
  }
  std::vector<strings> expected(sockets);
  auto pick_rooms = [&](std::size_t max) {
    std::vector<std::string> chosen;
    std::uniform_int_distribution<std::size_t> count(0, max);
    for (auto n = count(rng); n > 0; --n) {
      std::uniform_int_distribution<std::size_t> which(0, room_names.size() + sockets - 1);
      auto i = which(rng);
      chosen.push_back(i < room_names.size() ? room_names[i]
                                             : "s" + std::to_string(i - room_names.size()));
    }
    return chosen;
  };
  int sent = 0;
  for (int round = 0; round < 60; ++round) {
    // A few membership changes and broadcasts, all queued before anything runs.
    for (int step = 0; step < 8; ++step) {
      std::uniform_int_distribution<int> kind(0, 3);
      std::uniform_int_distribution<int> who(0, sockets - 1);
      auto i = who(rng);
      std::uniform_int_distribution<std::size_t> which(0, room_names.size() - 1);
      auto room = room_names[which(rng)];
      switch (kind(rng)) {
        case 0:
          self->send(supervisor, join_atom::value, members[i].key, strings{room});
          joined[i].insert(room);
          break;
        case 1:
          self->send(supervisor, leave_atom::value, members[i].key, room);
          joined[i].erase(room);
          break;
        default: {
          broadcast_options opts{pick_rooms(3), pick_rooms(1)};
          auto text = std::to_string(++sent);
          for (int s = 0; s < sockets; ++s) {
            auto in = [&](const std::vector<std::string>& names) {
              return std::any_of(names.begin(), names.end(),
                                 [&](const std::string& n) { return joined[s].count(n) > 0; });
            };
            if ((opts.rooms.empty() || in(opts.rooms)) && !in(opts.except))
              expected[s].push_back(news(text));
          }
          send_broadcast(std::move(opts), text);
        }
      }
    }
    run_shuffled(rng);
  }
  for (int s = 0; s < sockets; ++s)
    CAF_CHECK_EQUAL(news_of(*members[s].conn), expected[s]);
  CAF_CHECK_GREATER(sent, 200);
}

CAF_TEST_FIXTURE_SCOPE_END()
