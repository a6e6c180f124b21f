#define CAF_SUITE server

// The public API on a real, multi-threaded actor system: what an application sees.

#include <chrono>
#include <condition_variable>
#include <algorithm>
#include <mutex>
#include <optional>
#include <set>

#include <caf/test/unit_test.hpp>

#include "actors/server_core.hpp"
#include "atrium/atrium.hpp"
#include "protocol/json.hpp"
#include "tests/actors/live_connection.hpp"

using namespace atrium;
using atrium::test::connect;
using atrium::test::handoff;
using atrium::test::waiting_connection;

CAF_TEST(an application drives sockets through the public API) {
  server_options opts;
  opts.threads = 2;
  server io{opts};
  io.of("/").on_connection([](socket& s) {
    s.join("a");
    s.emit("joined"); // sent after the join went to the supervisor
  });
  auto c1 = std::make_shared<waiting_connection>();
  auto c2 = std::make_shared<waiting_connection>();
  auto e1 = connect(io, c1);
  auto e2 = connect(io, c2);
  CAF_REQUIRE(e1 && e2);
  CAF_CHECK(connect(io, c1, "/nowhere") == nullptr);
  CAF_REQUIRE(c1->wait_for(R"(42["joined"])"));
  CAF_REQUIRE(c2->wait_for(R"(42["joined"])"));

  auto rooms = io.of("/").rooms();
  CAF_REQUIRE_EQUAL(rooms.count("a"), 1u);
  CAF_CHECK_EQUAL(rooms["a"].size(), 2u);
  CAF_CHECK_EQUAL(io.of("/").sids().size(), 2u);

  io.to("a").emit("news", {"from a plain thread"});
  CAF_CHECK(c1->wait_for(R"(42["news","from a plain thread"])"));
  CAF_CHECK(c2->wait_for(R"(42["news","from a plain thread"])"));

  io.of("/").in("a").disconnect_sockets();
  CAF_CHECK(c1->wait_for("41"));
  CAF_CHECK(c2->wait_for("41"));
  CAF_CHECK(c1->wait_released());
  CAF_CHECK(c2->wait_released());
  CAF_CHECK(io.of("/").sids().empty());
  // Leaving scope destroys the server: it must not wait for anything still alive.
}

namespace {

/// The ack id of the `question` packet `conn` got, waiting for it (bounded).
std::optional<std::uint64_t> question_id(waiting_connection& conn) {
  std::optional<std::uint64_t> id;
  std::unique_lock<std::mutex> guard{conn.mtx};
  conn.cv.wait_for(guard, std::chrono::seconds(5), [&] {
    for (auto& text : conn.texts)
      if (auto at = text.find(R"(["question")"); text.rfind("42", 0) == 0 && at != std::string::npos)
        id = std::stoull(text.substr(2, at - 2));
    return id.has_value();
  });
  return id;
}

sio::packet ack_packet(std::uint64_t id, std::string data) {
  sio::packet p;
  p.type = sio::packet_type::ack;
  p.id = id;
  p.data = std::move(data);
  return p;
}

} // namespace

CAF_TEST(cluster-wide operations work from outside any actor on a lone node) {
  server_options opts;
  opts.threads = 2;
  server io{opts};
  io.of("/").on_connection([](socket& s) { s.join("a"); s.emit("ready"); });
  auto c1 = std::make_shared<waiting_connection>();
  auto c2 = std::make_shared<waiting_connection>();
  auto e1 = connect(io, c1);
  auto e2 = connect(io, c2);
  CAF_REQUIRE(c1->wait_for(R"(42["ready"])") && c2->wait_for(R"(42["ready"])"));

  handoff<remote_sockets> found;
  io.of("/").to("a").fetch_sockets(std::chrono::seconds(1),
                                   [&](const remote_sockets& s) { found.put(s); });
  auto sockets = found.take();
  CAF_REQUIRE(sockets);
  CAF_CHECK_EQUAL(sockets->size(), 2u);

  handoff<std::set<std::string>> names;
  io.of("/").fetch_all_rooms(std::chrono::seconds(1),
                             [&](const std::set<std::string>& r) { names.put(r); });
  auto rooms = names.take();
  CAF_REQUIRE(rooms);
  CAF_CHECK_EQUAL(rooms->count("a"), 1u);
  CAF_CHECK_EQUAL(rooms->size(), 3u); // "a" and the two own-id rooms

  // Alone, a server-side emit has no other node to answer: complete, with no replies.
  handoff<std::pair<bool, size_t>> pings;
  io.of("/").server_side_emit("ping", {}, std::chrono::seconds(1), [&](gathered_replies& r) {
    pings.put({r.complete, r.replies.size()});
  });
  auto ping = pings.take();
  CAF_REQUIRE(ping);
  CAF_CHECK(ping->first);
  CAF_CHECK_EQUAL(ping->second, 0u);

  // A broadcast with acks: one packet id for both; one client answers, the other leaves,
  // which ends the wait before the timeout, marked incomplete.
  handoff<std::pair<bool, std::vector<std::string>>> acks;
  io.to("a").timeout(std::chrono::seconds(30)).emit_with_ack("question", {1}, [&](gathered_replies& r) {
    std::vector<std::string> texts;
    for (auto& p : r.replies)
      texts.push_back(protocol::to_json(p.array()));
    acks.put({r.complete, texts});
  });
  auto id1 = question_id(*c1);
  auto id2 = question_id(*c2);
  CAF_REQUIRE(id1 && id2);
  CAF_CHECK_EQUAL(*id1, *id2);
  e1->packet(ack_packet(*id1, R"(["yes"])"), {});
  e2->disconnected(disconnect_reason::client_namespace_disconnect);
  auto gathered = acks.take();
  CAF_REQUIRE(gathered);
  CAF_CHECK(!gathered->first);
  CAF_CHECK_EQUAL(gathered->second, (std::vector<std::string>{R"(["yes"])"}));
}
