#define CAF_SUITE namespace_supervisor

#include "tests/actors/fixture.hpp"

using namespace atrium;
using namespace atrium::testing;

using strings = std::vector<std::string>;

CAF_TEST_FIXTURE_SCOPE(namespace_supervisor_tests, fixture)

CAF_TEST(a registered socket is in the room named by its own id) {
  auto s1 = add_member("s1");
  CAF_CHECK_EQUAL(rooms(), (membership_map{{"s1", {"s1"}}}));
  CAF_CHECK_EQUAL(sids(), (membership_map{{"s1", {"s1"}}}));
  CAF_CHECK_EQUAL(log, (strings{"create-room s1", "join-room s1 s1"}));
  // The own-id room is the socket's own entry: no room entry, no room actor.
  CAF_CHECK_EQUAL(state().rooms.count("s1"), 0u);
  CAF_CHECK(state().sockets.begin()->second.in_own_room);
}

CAF_TEST(join and leave keep rooms and sids in step) {
  auto s1 = add_member("s1");
  auto s2 = add_member("s2");
  join(s1, {"a", "b"});
  join(s2, {"a"});
  CAF_CHECK_EQUAL(rooms(), (membership_map{{"a", {"s1", "s2"}}, {"b", {"s1"}},
                                            {"s1", {"s1"}}, {"s2", {"s2"}}}));
  CAF_CHECK_EQUAL(sids(), (membership_map{{"s1", {"a", "b", "s1"}}, {"s2", {"a", "s2"}}}));
  leave(s1, "a");
  CAF_CHECK_EQUAL(rooms(), (membership_map{{"a", {"s2"}}, {"b", {"s1"}}, {"s1", {"s1"}},
                                            {"s2", {"s2"}}}));
  CAF_CHECK_EQUAL(sids(), (membership_map{{"s1", {"b", "s1"}}, {"s2", {"a", "s2"}}}));
}

CAF_TEST(room lifecycle publishes adapter events in causal order) {
  auto s1 = add_member("s1");
  auto s2 = add_member("s2");
  log.clear();
  join(s1, {"a"});
  join(s2, {"a"});
  join(s2, {"a"}); // already a member: nothing happens
  leave(s1, "a");
  leave(s1, "a"); // no longer a member: nothing happens
  leave(s2, "a");
  CAF_CHECK_EQUAL(log, (strings{"create-room a", "join-room a s1", "join-room a s2",
                                "leave-room a s1", "leave-room a s2", "delete-room a"}));
  CAF_CHECK_EQUAL(rooms().count("a"), 0u);
}

CAF_TEST(a room actor lives exactly as long as its room) {
  auto s1 = add_member("s1");
  join(s1, {"a"});
  auto room = state().rooms.at("a").actor;
  CAF_REQUIRE(room);
  self->monitor(room);
  leave(s1, "a");
  bool ended = false;
  self->receive([&](const caf::down_msg& down) { ended = down.source == room.address(); },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(ended);
}

CAF_TEST(a union of rooms reaches each socket once) {
  auto s1 = add_member("s1");
  auto s2 = add_member("s2");
  auto s3 = add_member("s3");
  auto s4 = add_member("s4");
  join(s1, {"a", "b", "c"});
  join(s2, {"b", "c"});
  join(s3, {"c"});
  broadcast({{"a", "b", "c", "a"}, {}}, "u");
  CAF_CHECK_EQUAL(s1.conn->count(news("u")), 1u);
  CAF_CHECK_EQUAL(s2.conn->count(news("u")), 1u);
  CAF_CHECK_EQUAL(s3.conn->count(news("u")), 1u);
  CAF_CHECK_EQUAL(s4.conn->count(news("u")), 0u);
}

CAF_TEST(except removes every socket of the excepted rooms) {
  auto s1 = add_member("s1");
  auto s2 = add_member("s2");
  auto s3 = add_member("s3");
  join(s1, {"a", "vip"});
  join(s2, {"a"});
  join(s3, {"b", "vip"});
  broadcast({{"a", "b"}, {"vip"}}, "e");
  CAF_CHECK_EQUAL(s1.conn->count(news("e")), 0u);
  CAF_CHECK_EQUAL(s2.conn->count(news("e")), 1u);
  CAF_CHECK_EQUAL(s3.conn->count(news("e")), 0u);
}

CAF_TEST(an empty target is the whole namespace and except still applies) {
  auto s1 = add_member("s1");
  auto s2 = add_member("s2");
  auto s3 = add_member("s3");
  join(s3, {"muted"});
  broadcast({}, "all");
  CAF_CHECK_EQUAL(s1.conn->count(news("all")), 1u);
  CAF_CHECK_EQUAL(s2.conn->count(news("all")), 1u);
  CAF_CHECK_EQUAL(s3.conn->count(news("all")), 1u);
  // socket.broadcast: the sender's own-id room is excepted.
  broadcast({{}, {"s1", "muted"}}, "others");
  CAF_CHECK_EQUAL(s1.conn->count(news("others")), 0u);
  CAF_CHECK_EQUAL(s2.conn->count(news("others")), 1u);
  CAF_CHECK_EQUAL(s3.conn->count(news("others")), 0u);
}

CAF_TEST(the sender is left out of socket.to) {
  auto s1 = add_member("s1");
  auto s2 = add_member("s2");
  join(s1, {"a"});
  join(s2, {"a"});
  broadcast({{"a"}, {"s1"}}, "to");
  CAF_CHECK_EQUAL(s1.conn->count(news("to")), 0u);
  CAF_CHECK_EQUAL(s2.conn->count(news("to")), 1u);
}

CAF_TEST(a socket own id room carries private messages) {
  auto s1 = add_member("s1");
  auto s2 = add_member("s2");
  broadcast({{"s2"}, {}}, "psst");
  CAF_CHECK_EQUAL(s1.conn->count(news("psst")), 0u);
  CAF_CHECK_EQUAL(s2.conn->count(news("psst")), 1u);
  // A private message and a room in one union still arrive once.
  join(s2, {"a"});
  broadcast({{"s2", "a"}, {}}, "both");
  CAF_CHECK_EQUAL(s2.conn->count(news("both")), 1u);
}

CAF_TEST(a room named by a socket id may hold other sockets and outlives its owner) {
  auto s1 = add_member("s1");
  auto s2 = add_member("s2");
  log.clear();
  join(s2, {"s1"}); // the room exists already: no create-room
  // (A copy: CAF_CHECK_EQUAL keeps a reference past the end of the full expression.)
  auto members = rooms()["s1"];
  CAF_CHECK_EQUAL(members, (strings{"s1", "s2"}));
  broadcast({{"s1"}, {}}, "to-s1");
  CAF_CHECK_EQUAL(s1.conn->count(news("to-s1")), 1u);
  CAF_CHECK_EQUAL(s2.conn->count(news("to-s1")), 1u);
  broadcast({{}, {"s1"}}, "all-but-s1");
  CAF_CHECK_EQUAL(s1.conn->count(news("all-but-s1")), 0u);
  CAF_CHECK_EQUAL(s2.conn->count(news("all-but-s1")), 0u);
  leave_all(s1); // its owner goes: the room stays, with s2
  members = rooms()["s1"];
  CAF_CHECK_EQUAL(members, (strings{"s2"}));
  leave(s2, "s1");
  CAF_CHECK_EQUAL(rooms().count("s1"), 0u);
  CAF_CHECK_EQUAL(log, (strings{"join-room s1 s2", "leave-room s1 s1", "leave-room s1 s2",
                                "delete-room s1"}));
}

CAF_TEST(leaving every room removes the socket and prunes empty rooms) {
  auto s1 = add_member("s1");
  auto s2 = add_member("s2");
  join(s1, {"a", "b"});
  join(s2, {"b"});
  log.clear();
  leave_all(s1);
  // The own-id room first: Socket.IO leaves rooms in the order they were joined.
  CAF_CHECK_EQUAL(log, (strings{"leave-room s1 s1", "delete-room s1", "leave-room a s1",
                                "delete-room a", "leave-room b s1"}));
  CAF_CHECK_EQUAL(rooms(), (membership_map{{"b", {"s2"}}, {"s2", {"s2"}}}));
  CAF_CHECK_EQUAL(sids(), (membership_map{{"s2", {"b", "s2"}}}));
  CAF_CHECK_EQUAL(state().keys_by_sid.count("s1"), 0u);
  broadcast({{"a", "b"}, {}}, "after");
  CAF_CHECK_EQUAL(s1.conn->count(news("after")), 0u);
  CAF_CHECK_EQUAL(s2.conn->count(news("after")), 1u);
}

CAF_TEST(a broadcast from an adapter listener applies before the next change) {
  auto s1 = add_member("s1");
  // Greets each joiner of room "lobby" through the room itself, as the join happens.
  core->adapter_listeners.push_back([this](const adapter_event& e) {
    if (e.type == adapter_event_type::join_room && e.room == "lobby")
      broadcast_operator{core}.to("lobby").emit("welcome", args{e.sid});
  });
  auto s2 = add_member("s2");
  join(s1, {"lobby"});
  join(s2, {"lobby"});
  CAF_CHECK_EQUAL(s1.conn->count(R"(42["welcome","s1"])"), 1u);
  CAF_CHECK_EQUAL(s1.conn->count(R"(42["welcome","s2"])"), 1u);
  CAF_CHECK_EQUAL(s2.conn->count(R"(42["welcome","s1"])"), 0u);
  CAF_CHECK_EQUAL(s2.conn->count(R"(42["welcome","s2"])"), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
