#define CAF_SUITE recovery_store

#include <caf/test/unit_test.hpp>

#include "actors/recovery_store.hpp"

using namespace atrium;
using namespace std::chrono_literals;

namespace {

using clock_type = recovery_store::clock;
using strings = std::vector<std::string>;

packet_ptr packet(std::string text) {
  auto p = std::make_shared<encoded_packet>();
  p->text = std::move(text);
  return p;
}

recovery_options options(std::chrono::milliseconds window = 1000ms,
                         std::size_t bytes = 1u << 20) {
  recovery_options o;
  o.window = window;
  o.max_buffer_bytes = bytes;
  return o;
}

recovery_store::session session_of(std::string sid, strings rooms, clock_type::time_point at) {
  recovery_store::session s;
  s.sid = sid;
  s.pid = "pid-" + sid;
  rooms.push_back(sid);
  s.rooms = std::move(rooms);
  s.disconnected = at;
  return s;
}

strings texts(const std::vector<packet_ptr>& ps) {
  strings out;
  for (auto& p : ps)
    out.push_back(p->text);
  return out;
}

} // namespace

CAF_TEST(what a session missed after its offset is what its rooms got in order minus its exclusions) {
  recovery_store store{options()};
  auto t = clock_type::now();
  store.record("o1", packet("1"), {{"a"}, {}}, t);
  store.record("o2", packet("2"), {{"a"}, {}}, t);
  store.record("o3", packet("3"), {{"b"}, {}}, t);             // not its room
  store.record("o4", packet("4"), {{}, {}}, t);                // everyone
  store.record("o5", packet("5"), {{"a", "b"}, {"s1"}}, t);    // it sent this one
  store.record("o6", packet("6"), {{"s1"}, {}}, t);            // to its own id
  store.record("o7", packet("7"), {{"a"}, {"c"}}, t);          // except a room it is not in
  store.keep(session_of("s1", {"a"}, t));
  auto r = store.restore("pid-s1", "o1", t + 10ms);
  CAF_REQUIRE(r.result == recovery_store::outcome::recovered);
  CAF_CHECK_EQUAL(r.kept.sid, "s1");
  CAF_CHECK_EQUAL(texts(r.missed), (strings{"2", "4", "6", "7"}));
  // Once: the session is gone after it.
  CAF_CHECK(store.restore("pid-s1", "o1", t).result == recovery_store::outcome::unknown_session);
  CAF_CHECK_EQUAL(store.sessions(), 0u);
}

CAF_TEST(an unknown pid or offset and an expired window give no session) {
  recovery_store store{options(1000ms)};
  auto t = clock_type::now();
  store.record("o1", packet("1"), {}, t);
  store.keep(session_of("s1", {}, t));
  store.keep(session_of("s2", {}, t));
  store.keep(session_of("s3", {}, t));
  CAF_CHECK(store.restore("pid-x", "o1", t).result == recovery_store::outcome::unknown_session);
  CAF_CHECK(store.restore("pid-s1", "nope", t).result == recovery_store::outcome::unknown_offset);
  CAF_CHECK(store.restore("pid-s2", "o1", t + 1001ms).result == recovery_store::outcome::expired);
  CAF_CHECK(store.restore("pid-s3", "o1", t + 1000ms).result == recovery_store::outcome::recovered);
}

CAF_TEST(expiry forgets old packets and sessions and their bytes) {
  recovery_store store{options(1000ms)};
  auto t = clock_type::now();
  CAF_CHECK_EQUAL(store.bytes(), 0u);
  store.record("o1", packet(std::string(100, 'x')), {{"a"}, {}}, t);
  store.record("o2", packet("2"), {}, t + 600ms);
  store.keep(session_of("s1", {"a"}, t));
  store.keep(session_of("s2", {"a"}, t + 600ms));
  CAF_CHECK_GREATER(store.bytes(), 100u);
  store.expire(t + 1100ms);
  CAF_CHECK_EQUAL(store.packets(), 1u);
  CAF_CHECK_EQUAL(store.sessions(), 1u);
  // An offset gone with its packet cannot be resumed from.
  CAF_CHECK(store.restore("pid-s2", "o1", t + 1100ms).result
            == recovery_store::outcome::unknown_offset);
  store.expire(t + 2000ms);
  CAF_CHECK_EQUAL(store.packets(), 0u);
  CAF_CHECK_EQUAL(store.bytes(), 0u);
}

CAF_TEST(the buffer stays within its bytes and the oldest packets go first) {
  recovery_store store{options(60000ms, 4096)};
  auto t = clock_type::now();
  for (int i = 0; i < 100; ++i)
    store.record("o" + std::to_string(i), packet(std::string(200, 'x')), {}, t);
  CAF_CHECK_LESS_OR_EQUAL(store.bytes(), 4096u);
  CAF_CHECK_GREATER(store.packets(), 0u);
  CAF_CHECK_LESS(store.packets(), 100u);
  store.keep(session_of("s1", {}, t));
  CAF_CHECK(store.restore("pid-s1", "o0", t).result == recovery_store::outcome::unknown_offset);
  store.keep(session_of("s1", {}, t));
  auto r = store.restore("pid-s1", "o98", t);
  CAF_REQUIRE(r.result == recovery_store::outcome::recovered);
  CAF_CHECK_EQUAL(r.missed.size(), 1u);
}

// Across nodes (cluster_recovery.cpp): offsets are "<origin>-<n>"; `cluster_wide` packets are
// on every node, in each origin's order.

CAF_TEST(the node that kept a session tells per origin the last cluster-wide offset it saw) {
  recovery_store store{options(1000ms, 400)};
  auto t = clock_type::now();
  store.record("A-1", packet("a1"), {}, t, true);
  store.record("B-1", packet("b1"), {}, t, true);
  store.record("A-2", packet("a2"), {}, t, false); // A's own, local only
  for (int i = 0; i < 20; ++i)                     // pushes B-1 out of the bounded buffer
    store.record("A-" + std::to_string(i + 3), packet("x"), {}, t, true);
  CAF_CHECK(!store.holds("B-1"));
  store.keep(session_of("s1", {}, t));
  auto last = "A-" + std::to_string(22);
  auto r = store.restore("pid-s1", last, t);
  CAF_REQUIRE(r.result == recovery_store::outcome::recovered);
  CAF_CHECK_EQUAL(r.upto.size(), 2u);
  CAF_CHECK_EQUAL(r.upto["A"], last);
  CAF_CHECK_EQUAL(r.upto["B"], "B-1"); // gone from the buffer, still the last seen
  CAF_CHECK_EQUAL(recovery_store::origin_of("x-y-12"), "x-y");
}

CAF_TEST(what a node adds is its cluster-wide packets after each origin offset) {
  recovery_store store{options()};
  auto t = clock_type::now();
  store.record("A-1", packet("a1"), {{"r"}, {}}, t, true);
  store.record("B-1", packet("b1"), {{"r"}, {}}, t, true);
  store.record("A-2", packet("a2"), {{"r"}, {}}, t, true);
  store.record("B-2", packet("b2"), {{"r"}, {}}, t, true);
  store.record("B-3", packet("b3"), {{"other"}, {}}, t, true); // not its room
  store.record("B-4", packet("b4"), {{"r"}, {}}, t, false);    // local here: not its node's
  store.record("C-7", packet("c7"), {{"r"}, {}}, t, true);     // an origin it did not name
  store.record("D-5", packet("d5"), {{"r"}, {}}, t, true);     // its offset is not here
  store.record("A-3", packet("a3"), {{"r"}, {"s1"}}, t, true); // it is excluded
  store.record("A-4", packet("a4"), {{}, {}}, t, true);        // to everyone
  recovery_store::origin_offsets upto{{"A", "A-2"}, {"B", "B-1"}, {"D", "D-4"}};
  CAF_CHECK_EQUAL(texts(store.since(upto, {"r", "s1"})), (strings{"b2", "c7", "d5", "a4"}));
  CAF_CHECK_EQUAL(texts(store.since({}, {"r", "s1"})),
                  (strings{"a1", "b1", "a2", "b2", "c7", "d5", "a4"}));
}

CAF_TEST(a store handed to another node answers there as it would have at home) {
  recovery_store home{options(1000ms)};
  auto t = clock_type::now();
  home.record("A-1", packet("a1"), {{"r"}, {}}, t, true);
  home.record("A-2", packet("a2"), {{"r"}, {}}, t + 100ms, false);
  home.record("A-3", packet("a3"), {{"r"}, {"x"}}, t + 200ms, true);
  auto s = session_of("s1", {"r"}, t + 100ms);
  s.data = std::make_shared<const std::string>(R"({"user":1})");
  home.keep(s);
  home.keep(session_of("s2", {"x"}, t));
  auto state = home.exported(t + 300ms);
  // Elsewhere, with another clock: ages carry over, not time points.
  auto there = clock_type::now() + 5s;
  auto adopted = recovery_store::adopted(options(1000ms), std::move(state), there);
  CAF_CHECK_EQUAL(adopted.sessions(), 2u);
  CAF_CHECK_EQUAL(adopted.packets(), 3u);
  CAF_CHECK_EQUAL(adopted.latest().at("A"), "A-3");
  auto r = adopted.restore("pid-s1", "A-1", there);
  CAF_REQUIRE(r.result == recovery_store::outcome::recovered);
  CAF_CHECK_EQUAL(r.kept.sid, "s1");
  CAF_REQUIRE(r.kept.data != nullptr);
  CAF_CHECK_EQUAL(*r.kept.data, R"({"user":1})");
  CAF_CHECK_EQUAL(texts(r.missed), (strings{"a2", "a3"}));
  CAF_CHECK_EQUAL(r.missed[0]->offset, "A-2");
  // s2 left 300 ms before the hand-off: 701 ms later its window is over.
  CAF_CHECK(adopted.restore("pid-s2", "A-1", there + 701ms).result
            == recovery_store::outcome::expired);
  adopted.expire(there + 750ms); // a1 was recorded 300 ms before the hand-off, a2 200 ms
  CAF_CHECK_EQUAL(adopted.packets(), 2u);
}
