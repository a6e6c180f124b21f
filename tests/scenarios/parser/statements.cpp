#define CAF_SUITE statements
#include <caf/test/unit_test.hpp>

#include "tests/scenarios/parser/common.hpp"

using namespace atrium::scenario;
using namespace atrium::scenario::test;

CAF_TEST(header defaults : title from the file name and both engines) {
  auto res = parse("some/dir/rooms-union.scenario", "node n1\n");
  CAF_REQUIRE(std::holds_alternative<script>(res));
  auto& s = std::get<script>(res);
  CAF_CHECK_EQUAL(s.file, "some/dir/rooms-union.scenario");
  CAF_CHECK_EQUAL(s.title, "rooms-union");
  CAF_REQUIRE_EQUAL(s.engines.size(), 2u);
  CAF_CHECK(s.engines[0] == engine_kind::live);
  CAF_CHECK(s.engines[1] == engine_kind::inprocess);
  CAF_REQUIRE_EQUAL(s.steps.size(), 1u);
  CAF_CHECK_EQUAL(s.steps[0].where.file, "some/dir/rooms-union.scenario");
  CAF_CHECK_EQUAL(s.steps[0].where.line, 1);
  CAF_CHECK_EQUAL(s.steps[0].within_ms, 5000u);
}

CAF_TEST(header : scenario title and engines) {
  auto res = parse("x.scenario", "# about\n"
                                 "scenario   A union is delivered once  \n"
                                 "engines inprocess\n"
                                 "\n"
                                 "node n1\n");
  CAF_REQUIRE(std::holds_alternative<script>(res));
  auto& s = std::get<script>(res);
  CAF_CHECK_EQUAL(s.title, "A union is delivered once");
  CAF_REQUIRE_EQUAL(s.engines.size(), 1u);
  CAF_CHECK(s.engines[0] == engine_kind::inprocess);
  CAF_REQUIRE_EQUAL(s.steps.size(), 1u);
  CAF_CHECK_EQUAL(s.steps[0].where.line, 5);
  auto both = parse("x.scenario", "engines inprocess live\nnode n1\n");
  CAF_REQUIRE(std::holds_alternative<script>(both));
  auto& e = std::get<script>(both).engines;
  CAF_REQUIRE_EQUAL(e.size(), 2u);
  CAF_CHECK(e[0] == engine_kind::inprocess);
  CAF_CHECK(e[1] == engine_kind::live);
  // The title is free text: `within 2s` at its end is part of it.
  auto t = parse("x.scenario", "scenario rooms are left within 2s\nnode n1\n");
  CAF_REQUIRE(std::holds_alternative<script>(t));
  CAF_CHECK_EQUAL(std::get<script>(t).title, "rooms are left within 2s");
  // No extension, no directory.
  auto plain = parse("plain", "node n1\n");
  CAF_REQUIRE(std::holds_alternative<script>(plain));
  CAF_CHECK_EQUAL(std::get<script>(plain).title, "plain");
}

CAF_TEST(nodes) {
  auto res = parse("x", "node n1\n"
                        "node edge-2_B --namespace /chat \"--host\" 127.0.0.1\n"
                        "stop n1\n"
                        "kill edge-2_B\n"
                        "restart n1\n");
  CAF_REQUIRE(std::holds_alternative<script>(res));
  auto& s = std::get<script>(res);
  CAF_REQUIRE_EQUAL(s.steps.size(), 5u);
  CAF_CHECK_EQUAL(describe(s.steps[0]), "node n1");
  CAF_CHECK_EQUAL(describe(s.steps[1]), "node edge-2_B <--namespace> </chat> <--host> <127.0.0.1>");
  CAF_CHECK_EQUAL(describe(s.steps[2]), "stop n1");
  CAF_CHECK_EQUAL(describe(s.steps[3]), "kill edge-2_B");
  CAF_CHECK_EQUAL(describe(s.steps[4]), "restart n1");
  for (int i = 0; i < 5; ++i)
    CAF_CHECK_EQUAL(s.steps[static_cast<size_t>(i)].where.line, i + 1);
}

CAF_TEST(clients and their options) {
  CAF_CHECK_EQUAL(step_after_prelude("client carol n1"), "client carol n1 / websocket");
  CAF_CHECK_EQUAL(step_after_prelude("client carol n2 /chat"), "client carol n2 /chat websocket");
  CAF_CHECK_EQUAL(step_after_prelude("client carol n1 transport=polling"),
                  "client carol n1 / polling");
  CAF_CHECK_EQUAL(step_after_prelude("client carol n1 / transport=upgrade"),
                  "client carol n1 / upgrade");
  CAF_CHECK_EQUAL(step_after_prelude("client carol n1 transport=websocket"),
                  "client carol n1 / websocket");
  CAF_CHECK_EQUAL(step_after_prelude("client carol n1 auth={\"token\": \"a b\"}  "),
                  "client carol n1 / websocket auth=<{\"token\": \"a b\"}>");
  CAF_CHECK_EQUAL(step_after_prelude("client carol n2 /chat transport=polling auth= {}"),
                  "client carol n2 /chat polling auth=<{}>");
  CAF_CHECK_EQUAL(
    step_after_prelude("client carol n1 auth={\"reject\":\"go away\"} refused \"go away\""),
    "client carol n1 / websocket auth=<{\"reject\":\"go away\"}> refused=<go away>");
  // `refused` inside the JSON is part of the JSON.
  CAF_CHECK_EQUAL(
    step_after_prelude("client carol n1 auth={\"reject\": \"refused \\\" refused\"} refused "
                       "\"refused \\\" refused\""),
    "client carol n1 / websocket auth=<{\"reject\": \"refused \\\" refused\"}> "
    "refused=<refused \" refused>");
  CAF_CHECK_EQUAL(step_after_prelude("client carol n2 /chat refused nope"),
                  "client carol n2 /chat websocket refused=<nope>");
}

CAF_TEST(disconnect drop and kick) {
  CAF_CHECK_EQUAL(step_after_prelude("disconnect alice"), "disconnect alice");
  CAF_CHECK_EQUAL(step_after_prelude("drop bob"), "drop bob");
  CAF_CHECK_EQUAL(step_after_prelude("kick alice"), "kick alice");
  CAF_CHECK_EQUAL(step_after_prelude("kick alice close"), "kick alice close");
}

CAF_TEST(client emit and the ack arrow) {
  CAF_CHECK_EQUAL(step_after_prelude("emit alice join [\"r\"]"),
                  "emit alice <join> <[\"r\"]>");
  CAF_CHECK_EQUAL(step_after_prelude("emit alice join [\"r\"] -> [{\"ok\":true}]"),
                  "emit alice <join> <[\"r\"]> -> <[{\"ok\":true}]>");
  CAF_CHECK_EQUAL(step_after_prelude("emit alice \"private message\" [\"$bob\", \"hi\"]"),
                  "emit alice <private message> <[\"$bob\", \"hi\"]>");
  // `->` inside a JSON string, or glued to other text, is not the arrow.
  CAF_CHECK_EQUAL(step_after_prelude("emit alice say [\"a -> b\", \" -> \"]"),
                  "emit alice <say> <[\"a -> b\", \" -> \"]>");
  CAF_CHECK_EQUAL(step_after_prelude("emit alice say [\"\\\" -> \"]->[1]"),
                  "error: t.scenario:5: expected a JSON array of arguments after the event name "
                  "(The document root must not be followed by other values. at column 11 of the "
                  "JSON text)");
  CAF_CHECK_EQUAL(step_after_prelude("emit alice say [1]\t->\t[2, [3]]"),
                  "emit alice <say> <[1]> -> <[2, [3]]>");
  CAF_CHECK_EQUAL(step_after_prelude("emit alice \"emit\" []"), "emit alice <emit> <[]>");
  // `later`: the ack is asked for but not waited for.
  CAF_CHECK_EQUAL(step_after_prelude("emit alice emit [{\"to\":[\"r\"]}] -> later"),
                  "emit alice <emit> <[{\"to\":[\"r\"]}]> -> later");
  CAF_CHECK_EQUAL(step_after_prelude("emit alice say [\"-> later\"]"),
                  "emit alice <say> <[\"-> later\"]>");
}

CAF_TEST(join and leave) {
  CAF_CHECK_EQUAL(step_after_prelude("join alice a"), "join alice <a>");
  CAF_CHECK_EQUAL(step_after_prelude("join alice a \"b c\" $bob #general user:42"),
                  "join alice <a> <b c> <$bob> <#general> <user:42>");
  CAF_CHECK_EQUAL(step_after_prelude("leave bob \"b c\""), "leave bob <b c>");
  CAF_CHECK_EQUAL(step_after_prelude("join alice \"say \\\"hi\\\" \\\\o/\""),
                  "join alice <say \"hi\" \\o/>");
}

CAF_TEST(server emits from the namespace) {
  CAF_CHECK_EQUAL(step_after_prelude("io n1 / emit news [1]"), "io n1 / emit <news> <[1]>");
  CAF_CHECK_EQUAL(step_after_prelude("io n2 /chat to a b except c emit news [\"x y\"]"),
                  "io n2 /chat to <a> <b> except <c> emit <news> <[\"x y\"]>");
  CAF_CHECK_EQUAL(step_after_prelude("io n1 / in a to b in $alice emit news []"),
                  "io n1 / to <a> <b> <$alice> emit <news> <[]>");
  CAF_CHECK_EQUAL(step_after_prelude("io n1 / except a b to c except d emit news []"),
                  "io n1 / to <c> except <a> <b> <d> emit <news> <[]>");
  // Quoted words are rooms, never keywords.
  CAF_CHECK_EQUAL(step_after_prelude("io n1 / to \"emit\" \"except\" emit \"to\" []"),
                  "io n1 / to <emit> <except> emit <to> <[]>");
}

CAF_TEST(server emits from a socket) {
  CAF_CHECK_EQUAL(step_after_prelude("as alice emit news [1]"), "as alice emit <news> <[1]>");
  CAF_CHECK_EQUAL(step_after_prelude("as alice to r except s emit \"a b\" [{\"k\": [1]}]"),
                  "as alice to <r> except <s> emit <a b> <[{\"k\": [1]}]>");
  CAF_CHECK_EQUAL(step_after_prelude("as bob to $alice emit \"private message\" [\"$bob\",1]"),
                  "as bob to <$alice> emit <private message> <[\"$bob\",1]>");
}

CAF_TEST(expectations on clients) {
  CAF_CHECK_EQUAL(step_after_prelude("expect alice news [1, \"two\"]"),
                  "expect alice <news> <[1, \"two\"]>");
  CAF_CHECK_EQUAL(step_after_prelude("expect bob \"private message\" [\"$alice\",\"hi\"]"),
                  "expect bob <private message> <[\"$alice\",\"hi\"]>");
  CAF_CHECK_EQUAL(step_after_prelude("expect alice nothing"), "expect alice nothing for 300");
  CAF_CHECK_EQUAL(step_after_prelude("expect alice nothing for 2s"),
                  "expect alice nothing for 2000");
  CAF_CHECK_EQUAL(step_after_prelude("expect alice nothing for 50ms"),
                  "expect alice nothing for 50");
  CAF_CHECK_EQUAL(step_after_prelude("expect alice disconnected"), "expect alice disconnected");
  CAF_CHECK_EQUAL(step_after_prelude("expect alice disconnected \"io server disconnect\""),
                  "expect alice disconnected <io server disconnect>");
  CAF_CHECK_EQUAL(step_after_prelude("expect alice disconnected \"transport close\""),
                  "expect alice disconnected <transport close>");
  CAF_CHECK_EQUAL(step_after_prelude("expect alice ack emit [{\"ok\":true}]"),
                  "expect alice ack <emit> <[{\"ok\":true}]>");
  CAF_CHECK_EQUAL(step_after_prelude("expect alice ack \"private message\" []"),
                  "expect alice ack <private message> <[]>");
  CAF_CHECK_EQUAL(step_after_prelude("expect alice ack ack [1] within 2s"),
                  "expect alice ack <ack> <[1]>");
  CAF_CHECK_EQUAL(within_after_prelude("expect alice ack emit [] within 2s"), 2000u);
  // Quoted, ack, nothing and disconnected are event names.
  CAF_CHECK_EQUAL(step_after_prelude("expect alice \"ack\" [1]"), "expect alice <ack> <[1]>");
  CAF_CHECK_EQUAL(step_after_prelude("expect alice \"nothing\" []"),
                  "expect alice <nothing> <[]>");
  CAF_CHECK_EQUAL(step_after_prelude("expect alice \"disconnected\" [null]"),
                  "expect alice <disconnected> <[null]>");
}

CAF_TEST(expectations on the adapter) {
  CAF_CHECK_EQUAL(step_after_prelude("expect adapter n1 / create-room $alice"),
                  "expect adapter n1 / create-room <$alice>");
  CAF_CHECK_EQUAL(step_after_prelude("expect adapter n1 / join-room $alice alice"),
                  "expect adapter n1 / join-room <$alice> alice");
  CAF_CHECK_EQUAL(step_after_prelude("expect adapter n2 /chat leave-room \"a b\" bob"),
                  "expect adapter n2 /chat leave-room <a b> bob");
  CAF_CHECK_EQUAL(step_after_prelude("expect adapter n1 / delete-room x"),
                  "expect adapter n1 / delete-room <x>");
  CAF_CHECK_EQUAL(step_after_prelude("expect adapter n1 / nothing"),
                  "expect adapter n1 / nothing");
  CAF_CHECK_EQUAL(step_after_prelude("expect rooms n1 / {\"r\": [\"alice\", \"bob\"], "
                                     "\"$alice\": [\"alice\"]}"),
                  "expect rooms n1 / <{\"r\": [\"alice\", \"bob\"], \"$alice\": [\"alice\"]}>");
  CAF_CHECK_EQUAL(step_after_prelude("expect sids n2 /chat {}"), "expect sids n2 /chat <{}>");
  CAF_CHECK_EQUAL(step_after_prelude("expect sids n1 / {\"alice\": []}"),
                  "expect sids n1 / <{\"alice\": []}>");
}

CAF_TEST(within at the end of expectations) {
  CAF_CHECK_EQUAL(within_after_prelude("expect alice news [1]"), 5000u);
  CAF_CHECK_EQUAL(within_after_prelude("expect alice news [1] within 2s"), 2000u);
  CAF_CHECK_EQUAL(step_after_prelude("expect alice news [1]   within  250ms  "),
                  "expect alice <news> <[1]>");
  CAF_CHECK_EQUAL(within_after_prelude("expect alice news [1]   within  250ms  "), 250u);
  CAF_CHECK_EQUAL(within_after_prelude("expect alice disconnected within 1s"), 1000u);
  CAF_CHECK_EQUAL(within_after_prelude("expect alice disconnected \"ping timeout\" within 9s"),
                  9000u);
  CAF_CHECK_EQUAL(within_after_prelude("expect adapter n1 / leave-room r alice within 3s"),
                  3000u);
  CAF_CHECK_EQUAL(within_after_prelude("expect rooms n1 / {} within 100ms"), 100u);
  // Inside JSON or quoted, `within` is text.
  CAF_CHECK_EQUAL(step_after_prelude("expect alice news [\"within 2s\"]"),
                  "expect alice <news> <[\"within 2s\"]>");
  CAF_CHECK_EQUAL(within_after_prelude("expect alice news [\"within 2s\"]"), 5000u);
  CAF_CHECK_EQUAL(step_after_prelude("expect adapter n1 / create-room \"within\""),
                  "expect adapter n1 / create-room <within>");
  // Not an expectation: the words are rooms.
  CAF_CHECK_EQUAL(step_after_prelude("join alice within"), "join alice <within>");
  CAF_CHECK_EQUAL(step_after_prelude("join alice \"within\" 2s"), "join alice <within> <2s>");
}

CAF_TEST(comments and blank lines are skipped but counted) {
  auto res = parse("x", "# a comment\n"
                        "   # an indented comment with \"quotes and [json\n"
                        "\n"
                        "  \t \n"
                        "node n1   \r\n"
                        "\tclient alice n1\t\n"
                        "join alice #general\n"
                        "#join alice never\n");
  CAF_REQUIRE(std::holds_alternative<script>(res));
  auto& s = std::get<script>(res);
  CAF_REQUIRE_EQUAL(s.steps.size(), 3u);
  CAF_CHECK_EQUAL(s.steps[0].where.line, 5);
  CAF_CHECK_EQUAL(describe(s.steps[0]), "node n1");
  CAF_CHECK_EQUAL(s.steps[1].where.line, 6);
  CAF_CHECK_EQUAL(describe(s.steps[1]), "client alice n1 / websocket");
  CAF_CHECK_EQUAL(s.steps[2].where.line, 7);
  // `#` after the start of a line is text, not a comment.
  CAF_CHECK_EQUAL(describe(s.steps[2]), "join alice <#general>");
}

CAF_TEST(no trailing newline and a byte order mark) {
  auto res = parse("x", "\xef\xbb\xbfnode n1\nclient alice n1");
  CAF_REQUIRE(std::holds_alternative<script>(res));
  CAF_CHECK_EQUAL(std::get<script>(res).steps.size(), 2u);
}

CAF_TEST(a client may connect again under its name) {
  CAF_CHECK_EQUAL(step_after_prelude("client alice n2 /chat"), "client alice n2 /chat websocket");
}

CAF_TEST(json texts are kept as written) {
  CAF_CHECK_EQUAL(step_after_prelude("expect alice e [ 1.50 ,\"\\u00e9\", {\"a\" : null} ]"),
                  "expect alice <e> <[ 1.50 ,\"\\u00e9\", {\"a\" : null} ]>");
  CAF_CHECK_EQUAL(step_after_prelude("expect alice e [\"caf\xc3\xa9\"]"),
                  "expect alice <e> <[\"caf\xc3\xa9\"]>");
}

CAF_TEST(expect peers) {
  CAF_CHECK_EQUAL(step_after_prelude("expect peers n1 2"), "expect_peers n1 2");
  CAF_CHECK_EQUAL(within_after_prelude("expect peers n1 0 within 8s"), 8000u);
  CAF_CHECK_EQUAL(error_after_prelude("expect peers n1 two"),
                  "expected the number of peer nodes after the node name, got 'two'");
  CAF_CHECK_EQUAL(error_after_prelude("expect peers n9 1"),
                  "unknown node 'n9' (start it first: node n9)");
}
