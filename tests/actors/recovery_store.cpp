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
