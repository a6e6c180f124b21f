#define CAF_SUITE errors
#include <caf/test/unit_test.hpp>

#include <random>

#include "tests/scenarios/parser/common.hpp"

using namespace atrium::scenario;
using namespace atrium::scenario::test;

CAF_TEST(to_string says file line and message) {
  CAF_CHECK_EQUAL(to_string(parse_error{location{"a/b.scenario", 12}, "expected x after y"}),
                  "a/b.scenario:12: expected x after y");
}

CAF_TEST(unknown statements) {
  CAF_CHECK_EQUAL(error_of("node n1\n\n# c\nemitt alice x []\n"),
                  "t.scenario:4: unknown statement 'emitt' (expected one of: scenario, engines, "
                  "node, stop, kill, restart, client, disconnect, drop, emit, join, leave, io, as, "
                  "kick, expect)");
  CAF_CHECK_EQUAL(error_of("\"node\" n1\n"),
                  "t.scenario:1: expected a statement (one of: scenario, engines, node, stop, "
                  "kill, restart, client, disconnect, drop, emit, join, leave, io, as, kick, "
                  "expect) at the start of the line");
}

CAF_TEST(header errors) {
  CAF_CHECK_EQUAL(error_of("scenario a\nscenario b\nnode n1\n"),
                  "t.scenario:2: 'scenario' given twice (first on line 1)");
  CAF_CHECK_EQUAL(error_of("node n1\nscenario late\n"),
                  "t.scenario:2: 'scenario' must come before the first step");
  CAF_CHECK_EQUAL(error_of("scenario\nnode n1\n"), "t.scenario:1: expected a title after 'scenario'");
  CAF_CHECK_EQUAL(error_of("engines\nnode n1\n"),
                  "t.scenario:1: expected 'live' or 'inprocess' after 'engines'");
  CAF_CHECK_EQUAL(error_of("engines live remote\nnode n1\n"),
                  "t.scenario:1: unknown engine 'remote' (expected live or inprocess)");
  CAF_CHECK_EQUAL(error_of("engines live live\nnode n1\n"),
                  "t.scenario:1: engine 'live' listed twice");
  CAF_CHECK_EQUAL(error_of("engines live\nengines inprocess\nnode n1\n"),
                  "t.scenario:2: 'engines' given twice (first on line 1)");
  CAF_CHECK_EQUAL(error_of("node n1\nengines live\n"),
                  "t.scenario:2: 'engines' must come before the first step");
}

CAF_TEST(a script without steps) {
  CAF_CHECK_EQUAL(error_of(""), "t.scenario:1: expected at least one step (the script has none)");
  CAF_CHECK_EQUAL(error_of("# only\nscenario words\n\n"),
                  "t.scenario:3: expected at least one step (the script has none)");
}

CAF_TEST(node errors) {
  CAF_CHECK_EQUAL(error_of("node\n"), "t.scenario:1: expected a node name after 'node'");
  CAF_CHECK_EQUAL(error_of("node n.1\n"),
                  "t.scenario:1: invalid node name 'n.1' after 'node' (names use letters, "
                  "digits, '_' and '-')");
  CAF_CHECK_EQUAL(error_of("node n1\nnode n1\n"),
                  "t.scenario:2: node 'n1' already exists (line 1); use restart to start it "
                  "again");
  CAF_CHECK_EQUAL(error_after_prelude("stop"), "expected a node name after 'stop'");
  CAF_CHECK_EQUAL(error_after_prelude("kill n3"), "unknown node 'n3' (start it first: node n3)");
  CAF_CHECK_EQUAL(error_after_prelude("restart n1 now"), "unexpected 'now' after the node name");
}

CAF_TEST(client errors) {
  CAF_CHECK_EQUAL(error_after_prelude("client"), "expected a client name after 'client'");
  CAF_CHECK_EQUAL(error_after_prelude("client carol"), "expected a node name after the client name");
  CAF_CHECK_EQUAL(error_after_prelude("client carol n9"),
                  "unknown node 'n9' (start it first: node n9)");
  CAF_CHECK_EQUAL(error_after_prelude("client c@rol n1"),
                  "invalid client name 'c@rol' after 'client' (names use letters, digits, '_' "
                  "and '-')");
  CAF_CHECK_EQUAL(error_after_prelude("client adapter n1"),
                  "client name 'adapter' is reserved (expect adapter ... is another statement)");
  CAF_CHECK_EQUAL(error_after_prelude("client carol n1 chat"),
                  "unexpected 'chat' after the node name (expected a namespace, "
                  "transport=polling|websocket|upgrade, auth=JSON or refused \"MESSAGE\")");
  CAF_CHECK_EQUAL(error_after_prelude("client carol n1 transport=carrier-pigeon"),
                  "unknown transport 'carrier-pigeon' (expected transport=polling, "
                  "transport=websocket or transport=upgrade)");
  CAF_CHECK_EQUAL(error_after_prelude("client carol n1 transport=polling transport=polling"),
                  "transport= given twice");
  CAF_CHECK_EQUAL(error_after_prelude("client carol n1 transport=polling /chat"),
                  "unexpected '/chat' after 'transport=polling' (expected a namespace, "
                  "transport=polling|websocket|upgrade, auth=JSON or refused \"MESSAGE\")");
  CAF_CHECK_EQUAL(error_after_prelude("client carol n1 auth=[1]"),
                  "expected a JSON object after 'auth=', got '[1]'");
  CAF_CHECK_EQUAL(error_after_prelude("client carol n1 auth="), "expected a JSON object after 'auth='");
  CAF_CHECK_EQUAL(error_after_prelude("client carol n1 auth={} transport=polling"),
                  "expected a JSON object after 'auth=' (The document root must not be followed "
                  "by other values. at column 4 of the JSON text)");
  CAF_CHECK_EQUAL(error_after_prelude("client carol n1 auth={\"reject\":\"x\"} refused"),
                  "expected a refusal message after 'refused'");
  CAF_CHECK_EQUAL(error_after_prelude("client carol n1 refused \"a\" \"b\""),
                  "unexpected 'b' after the refusal message");
  CAF_CHECK_EQUAL(error_after_prelude("client carol n1 refused \"go away"),
                  "missing closing quote of \"go away");
}

CAF_TEST(client statement errors) {
  CAF_CHECK_EQUAL(error_after_prelude("disconnect"), "expected a client name after 'disconnect'");
  CAF_CHECK_EQUAL(error_after_prelude("drop carol"),
                  "unknown client 'carol' (connect it first: client carol NODE)");
  CAF_CHECK_EQUAL(error_after_prelude("disconnect alice now"),
                  "unexpected 'now' after the client name");
  CAF_CHECK_EQUAL(error_after_prelude("kick alice hard"),
                  "expected 'close' or nothing after the client name, got 'hard'");
  CAF_CHECK_EQUAL(error_after_prelude("kick alice close now"), "unexpected 'now' after 'close'");
  CAF_CHECK_EQUAL(error_after_prelude("emit alice"), "expected an event name after the client name");
  CAF_CHECK_EQUAL(error_after_prelude("emit alice news"),
                  "expected a JSON array of arguments after the event name");
  CAF_CHECK_EQUAL(error_after_prelude("emit alice news {\"a\":1}"),
                  "expected a JSON array of arguments after the event name, got '{\"a\":1}'");
  CAF_CHECK_EQUAL(error_after_prelude("emit alice news [1,]"),
                  "expected a JSON array of arguments after the event name (Invalid value. at "
                  "column 4 of the JSON text)");
  CAF_CHECK_EQUAL(error_after_prelude("emit alice news [1] ->"),
                  "expected a JSON array of acknowledgement arguments or 'later' after '->'");
  CAF_CHECK_EQUAL(error_after_prelude("emit alice news [1] -> 3"),
                  "expected a JSON array of acknowledgement arguments or 'later' after '->', "
                  "got '3'");
  CAF_CHECK_EQUAL(error_after_prelude("emit alice news [1] -> later [2]"),
                  "expected a JSON array of acknowledgement arguments or 'later' after '->' "
                  "(Invalid value. at column 1 of the JSON text)");
  CAF_CHECK_EQUAL(error_after_prelude("emit alice news -> [1]"),
                  "expected a JSON array of arguments after the event name");
  CAF_CHECK_EQUAL(error_after_prelude("emit alice disconnect []"),
                  "event name 'disconnect' is reserved by Socket.IO and cannot be emitted");
  CAF_CHECK_EQUAL(error_after_prelude("emit alice \"\" []"),
                  "expected an event name after the client name, got \"\"");
}

CAF_TEST(membership errors) {
  CAF_CHECK_EQUAL(error_after_prelude("join alice"), "expected a room name after the client name");
  CAF_CHECK_EQUAL(error_after_prelude("join carol r"),
                  "unknown client 'carol' (connect it first: client carol NODE)");
  CAF_CHECK_EQUAL(error_after_prelude("leave alice a b"),
                  "'leave' takes one room (socket.leave(room)); write one leave per room");
  CAF_CHECK_EQUAL(error_after_prelude("join alice a \"\""), "expected a room name, got \"\"");
  CAF_CHECK_EQUAL(error_after_prelude("join alice $carol"),
                  "unknown client 'carol' (connect it first: client carol NODE)");
  CAF_CHECK_EQUAL(error_after_prelude("join alice $"), "expected a client name after '$' in room '$'");
  CAF_CHECK_EQUAL(error_after_prelude("join alice \"a\"b"), "expected a blank after the closing quote of \"a\"");
  CAF_CHECK_EQUAL(error_after_prelude("join alice \"a\\nb\""),
                  "unknown escape in a quoted word (only \\\" and \\\\ are allowed)");
  CAF_CHECK_EQUAL(error_after_prelude("join alice r within 2s"),
                  "'within DURATION' is allowed at the end of expect statements only (quote a "
                  "room called \"within\")");
}

CAF_TEST(server emit errors) {
  CAF_CHECK_EQUAL(error_after_prelude("io"), "expected a node name after 'io'");
  CAF_CHECK_EQUAL(error_after_prelude("io n1"),
                  "expected a namespace (starting with '/') after the node name");
  CAF_CHECK_EQUAL(error_after_prelude("io n1 chat emit x []"),
                  "expected a namespace (starting with '/') after the node name, got 'chat'");
  CAF_CHECK_EQUAL(error_after_prelude("io n1 /"), "expected 'emit EVENT JSON-ARRAY' after the namespace");
  CAF_CHECK_EQUAL(error_after_prelude("io n1 / r emit x []"),
                  "expected 'to', 'in', 'except' or 'emit' after the namespace, got 'r'");
  CAF_CHECK_EQUAL(error_after_prelude("io n1 / to emit x []"), "expected a room name after 'to'");
  CAF_CHECK_EQUAL(error_after_prelude("io n1 / to a except emit x []"),
                  "expected a room name after 'except'");
  CAF_CHECK_EQUAL(error_after_prelude("io n1 / to a in"), "expected a room name after 'in'");
  CAF_CHECK_EQUAL(error_after_prelude("io n1 / to a b"), "expected 'emit EVENT JSON-ARRAY' after the rooms");
  CAF_CHECK_EQUAL(error_after_prelude("io n1 / to a emit"), "expected an event name after 'emit'");
  CAF_CHECK_EQUAL(error_after_prelude("io n1 / to a emit x"),
                  "expected a JSON array of arguments after the event name");
  CAF_CHECK_EQUAL(error_after_prelude("io n1 / emit x [1] -> [2]"),
                  "expected a JSON array of arguments after the event name (The document root "
                  "must not be followed by other values. at column 5 of the JSON text)");
  CAF_CHECK_EQUAL(error_after_prelude("as"), "expected a client name after 'as'");
  CAF_CHECK_EQUAL(error_after_prelude("as alice"), "expected 'emit EVENT JSON-ARRAY' after the client name");
  CAF_CHECK_EQUAL(error_after_prelude("as alice to $zed emit x []"),
                  "unknown client 'zed' (connect it first: client zed NODE)");
  CAF_CHECK_EQUAL(error_after_prelude("as alice emit connect []"),
                  "event name 'connect' is reserved by Socket.IO and cannot be emitted");
}

CAF_TEST(expectation errors) {
  CAF_CHECK_EQUAL(error_after_prelude("expect"),
                  "expected a client name, 'adapter', 'rooms', 'sids' or 'peers' after 'expect'");
  CAF_CHECK_EQUAL(error_after_prelude("expect carol x []"),
                  "unknown client 'carol' (connect it first: client carol NODE)");
  CAF_CHECK_EQUAL(error_after_prelude("expect al!ce x []"),
                  "invalid client name 'al!ce' after 'expect' (names use letters, digits, '_' and "
                  "'-')");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice"),
                  "expected an event name, 'ack', 'nothing' or 'disconnected' after the client "
                  "name");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice ack"),
                  "expected the name of the event it acknowledges after 'ack'");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice ack emit"),
                  "expected a JSON array of acknowledgement arguments after the event name");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice ack \"\" []"),
                  "expected the name of the event it acknowledges after 'ack', got \"\"");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice news"),
                  "expected a JSON array of arguments after the event name");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice news \"x\""),
                  "expected a JSON array of arguments after the event name, got '\"x\"'");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice nothing soon"),
                  "expected 'for DURATION' or nothing after 'nothing', got 'soon'");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice nothing for"),
                  "expected a duration such as 300ms or 2s after 'for'");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice nothing for 2m"),
                  "expected a duration such as 300ms or 2s after 'for', got '2m'");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice nothing for 0ms"),
                  "expected a duration such as 300ms or 2s after 'for', got '0ms'");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice nothing for 3601s"),
                  "expected a duration such as 300ms or 2s after 'for', got '3601s'");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice nothing for 1s 2s"),
                  "unexpected '2s' after the duration");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice disconnected \"server gone\""),
                  "unknown disconnect reason 'server gone' (expected one of: \"io server "
                  "disconnect\", \"io client disconnect\", \"ping timeout\", \"transport close\", "
                  "\"transport error\", \"parse error\")");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice disconnected \"ping timeout\" now"),
                  "unexpected 'now' after the reason");
}

CAF_TEST(within errors) {
  CAF_CHECK_EQUAL(error_after_prelude("expect alice news [1] within"),
                  "expected a duration such as 300ms or 2s after 'within'");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice news [1] within 2"),
                  "expected a duration such as 300ms or 2s after 'within'");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice news [1] within 0s"),
                  "expected a duration such as 300ms or 2s after 'within'");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice nothing within 2s"),
                  "'within' does not apply to 'nothing' (write 'for DURATION' on a client)");
  CAF_CHECK_EQUAL(error_after_prelude("expect adapter n1 / nothing within 2s"),
                  "'within' does not apply to 'nothing' (write 'for DURATION' on a client)");
  CAF_CHECK_EQUAL(error_after_prelude("emit alice x [] within 2s"),
                  "'within DURATION' is allowed at the end of expect statements only (quote a "
                  "room called \"within\")");
  CAF_CHECK_EQUAL(error_after_prelude("expect alice news [1] within 1s within 2s"),
                  "expected a JSON array of arguments after the event name (The document root "
                  "must not be followed by other values. at column 5 of the JSON text)");
}

CAF_TEST(adapter and state expectation errors) {
  CAF_CHECK_EQUAL(error_after_prelude("expect adapter"), "expected a node name after 'expect adapter'");
  CAF_CHECK_EQUAL(error_after_prelude("expect adapter n1"),
                  "expected a namespace (starting with '/') after the node name");
  CAF_CHECK_EQUAL(error_after_prelude("expect adapter n1 /"),
                  "expected an adapter event (create-room, delete-room, join-room, leave-room) or "
                  "'nothing' after the namespace");
  CAF_CHECK_EQUAL(error_after_prelude("expect adapter n1 / join r alice"),
                  "unknown adapter event 'join' (expected create-room, delete-room, join-room, "
                  "leave-room or nothing)");
  CAF_CHECK_EQUAL(error_after_prelude("expect adapter n1 / create-room"),
                  "expected a room name after 'create-room'");
  CAF_CHECK_EQUAL(error_after_prelude("expect adapter n1 / create-room r alice"),
                  "unexpected 'alice' after the room name");
  CAF_CHECK_EQUAL(error_after_prelude("expect adapter n1 / join-room r"),
                  "expected a client name after the room name");
  CAF_CHECK_EQUAL(error_after_prelude("expect adapter n1 / leave-room r alice bob"),
                  "unexpected 'bob' after the client name");
  CAF_CHECK_EQUAL(error_after_prelude("expect adapter n1 / nothing else"),
                  "unexpected 'else' after 'nothing'");
  CAF_CHECK_EQUAL(error_after_prelude("expect rooms n1 /"),
                  "expected a JSON object of room members ({\"room\": [\"name\", ...]}) after the "
                  "namespace");
  CAF_CHECK_EQUAL(error_after_prelude("expect rooms n1 / {\"r\": \"alice\"}"),
                  "expected a JSON object of room members ({\"room\": [\"name\", ...]}) after the "
                  "namespace, got '{\"r\": \"alice\"}'");
  CAF_CHECK_EQUAL(error_after_prelude("expect sids n1 / {\"alice\": [1]}"),
                  "expected a JSON object of socket rooms ({\"name\": [\"room\", ...]}) after the "
                  "namespace, got '{\"alice\": [1]}'");
  CAF_CHECK_EQUAL(error_after_prelude("expect sids n1 / []"),
                  "expected a JSON object of socket rooms ({\"name\": [\"room\", ...]}) after the "
                  "namespace, got '[]'");
  CAF_CHECK_EQUAL(error_after_prelude("expect sids n3 / {}"), "unknown node 'n3' (start it first: node n3)");
}

CAF_TEST(the first error wins and later lines do not matter) {
  CAF_CHECK_EQUAL(error_of("node n1\njoin\nbogus\n"),
                  "t.scenario:2: expected a client name after 'join'");
}

CAF_TEST(binary garbage is refused without throwing) {
  CAF_CHECK_EQUAL(error_of(std::string{"node n1\nclient a n1\0x\n", 22}, "g"),
                  "g:2: unexpected control character 0x00 (a scenario is text)");
  CAF_CHECK_EQUAL(error_of("node n1\rclient a n1\n", "g"),
                  "g:1: unexpected control character 0x0d (a scenario is text)");
  CAF_CHECK_EQUAL(error_of("node n\xff\n", "g"), "g:1: the line is not valid UTF-8 text");
  CAF_CHECK_EQUAL(error_of("node n1\njoin a \xc3\n", "g"), "g:2: the line is not valid UTF-8 text");
  CAF_CHECK_EQUAL(error_of("node \xed\xa0\x80\n", "g"), "g:1: the line is not valid UTF-8 text");
  CAF_CHECK_EQUAL(error_of("node \xc0\xaf\n", "g"), "g:1: the line is not valid UTF-8 text");
  // Random bytes: whatever comes back, it comes back.
  std::mt19937 gen{42};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    auto len = gen() % 200;
    const char* seeds[] = {"node n1\n", "client a n1 auth=", "expect a x [", "\"", " -> ",
                           " within 2s", "io n1 / to ", "emit a x [\"", "\\", "{", "$a "};
    for (std::size_t i = 0; i < len; ++i) {
      if (gen() % 4 == 0)
        text += seeds[gen() % (sizeof(seeds) / sizeof(seeds[0]))];
      else
        text += static_cast<char>(gen() % 256);
    }
    auto res = parse("fuzz", text);
    if (auto err = std::get_if<parse_error>(&res)) {
      CAF_CHECK(err->where.line >= 1);
      CAF_CHECK(!err->message.empty());
    }
  }
}

CAF_TEST(huge lines and deep json are handled) {
  std::string deep = "node n1\nclient a n1\nexpect a x " + std::string(200000, '[')
                     + std::string(200000, ']') + "\n";
  auto res = parse("big", deep);
  CAF_CHECK(std::holds_alternative<script>(res));
  std::string unclosed = "node n1\nclient a n1\nexpect a x " + std::string(500000, '[') + "\n";
  CAF_CHECK_EQUAL(error_of(unclosed, "big").substr(0, 64),
                  "big:3: expected a JSON array of arguments after the event name (");
  std::string rooms = "node n1\nclient a n1\njoin a";
  for (int i = 0; i < 100000; ++i)
    rooms += " r" + std::to_string(i);
  auto many = parse("big", rooms);
  CAF_REQUIRE(std::holds_alternative<script>(many));
  auto& m = std::get<membership>(std::get<script>(many).steps.back().body);
  CAF_CHECK_EQUAL(m.rooms.size(), 100000u);
  CAF_CHECK_EQUAL(error_of("node n1\nclient a n1\njoin a \"" + std::string(1000000, 'x'), "big")
                    .substr(0, 40),
                  "big:3: missing closing quote of \"xxxxxxx");
}
