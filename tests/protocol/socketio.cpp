#define CAF_SUITE socketio
#include <caf/test/unit_test.hpp>

#include <string>

#include "protocol/socketio.hpp"
#include "tests/protocol/common.hpp"

using namespace atrium;
using atrium::test::outcome;
using sio::packet_type;

namespace {

// "<type> <nsp> id=<id> att=<n> <data>", or the error's name.
std::string show(const protocol::result<sio::packet>& res) {
  if (!res)
    return outcome(res);
  std::string out = std::to_string(static_cast<int>(res->type));
  out += ' ';
  out += res->nsp;
  if (res->id)
    out += " id=" + std::to_string(*res->id);
  if (res->attachments > 0)
    out += " att=" + std::to_string(res->attachments);
  if (!res->data.empty())
    out += ' ' + res->data;
  return out;
}

std::string dec(std::string_view text, const sio::limits& lim = {}) {
  return show(sio::decode(text, lim));
}

sio::packet make(packet_type t, std::string nsp, std::optional<std::uint64_t> id,
                 std::string data, std::size_t attachments = 0) {
  sio::packet p;
  p.type = t;
  p.nsp = std::move(nsp);
  p.id = id;
  p.data = std::move(data);
  p.attachments = attachments;
  return p;
}

const std::string ph0 = R"({"_placeholder":true,"num":0})";
const std::string ph1 = R"({"_placeholder":true,"num":1})";

} // namespace

CAF_TEST(spec examples decode) {
  CAF_CHECK_EQUAL(dec("0"), "0 /");
  CAF_CHECK_EQUAL(dec(R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})"),
                  R"(0 /admin {"sid":"oSO0OpakMV_3jnilAAAA"})");
  CAF_CHECK_EQUAL(dec(R"(4{"message":"Not authorized"})"), R"(4 / {"message":"Not authorized"})");
  CAF_CHECK_EQUAL(dec(R"(2["foo"])"), R"(2 / ["foo"])");
  CAF_CHECK_EQUAL(dec(R"(2/admin,["bar"])"), R"(2 /admin ["bar"])");
  CAF_CHECK_EQUAL(dec(R"(51-["baz",)" + ph0 + "]"), "5 / att=1 [\"baz\"," + ph0 + "]");
  CAF_CHECK_EQUAL(dec(R"(52-/admin,["baz",)" + ph0 + "," + ph1 + "]"),
                  "5 /admin att=2 [\"baz\"," + ph0 + "," + ph1 + "]");
  CAF_CHECK_EQUAL(dec(R"(212["foo"])"), R"(2 / id=12 ["foo"])");
  CAF_CHECK_EQUAL(dec(R"(3/admin,13["bar"])"), R"(3 /admin id=13 ["bar"])");
  CAF_CHECK_EQUAL(dec(R"(61-15["bar",)" + ph0 + "]"), "6 / id=15 att=1 [\"bar\"," + ph0 + "]");
  CAF_CHECK_EQUAL(dec("1"), "1 /");
  CAF_CHECK_EQUAL(dec("1/admin,"), "1 /admin");
  // The sample session's "461-/admin,1[...]" without its Engine.IO '4'.
  CAF_CHECK_EQUAL(dec(R"(61-/admin,1[)" + ph0 + "]"), "6 /admin id=1 att=1 [" + ph0 + "]");
  CAF_CHECK_EQUAL(dec("0/admin,"), "0 /admin");
  CAF_CHECK_EQUAL(dec(R"(3/admin,13[])"), R"(3 /admin id=13 [])");
}

CAF_TEST(decode sets the packet type enum) {
  CAF_CHECK(sio::decode("0")->type == packet_type::connect);
  CAF_CHECK(sio::decode("1")->type == packet_type::disconnect);
  CAF_CHECK(sio::decode(R"(2["a"])")->type == packet_type::event);
  CAF_CHECK(sio::decode(R"(3[])")->type == packet_type::ack);
  CAF_CHECK(sio::decode(R"(4{})")->type == packet_type::connect_error);
  CAF_CHECK(sio::decode(R"(50-["a"])")->type == packet_type::binary_event);
  CAF_CHECK(sio::decode(R"(60-[])")->type == packet_type::binary_ack);
  auto p = sio::decode("0");
  CAF_REQUIRE(p);
  CAF_CHECK(!p->id.has_value());
  CAF_CHECK(p->data.empty());
  CAF_CHECK_EQUAL(p->attachments, 0u);
}

CAF_TEST(official suite packets decode) {
  // What the v5 suite sends after the Engine.IO '4'.
  CAF_CHECK_EQUAL(dec("0"), "0 /");
  CAF_CHECK_EQUAL(dec(R"(0{"token":"123"})"), R"(0 / {"token":"123"})");
  CAF_CHECK_EQUAL(dec("0/custom,"), "0 /custom");
  CAF_CHECK_EQUAL(dec("0/custom"), "0 /custom");
  CAF_CHECK_EQUAL(dec(R"(0/custom,{"token":"abc"})"), R"(0 /custom {"token":"abc"})");
  CAF_CHECK_EQUAL(dec("0/random"), "0 /random");
  CAF_CHECK_EQUAL(dec("1"), "1 /");
  CAF_CHECK_EQUAL(dec("1/custom"), "1 /custom");
  CAF_CHECK_EQUAL(dec(R"(2["message","message to main namespace"])"),
                  R"(2 / ["message","message to main namespace"])");
  CAF_CHECK_EQUAL(dec(R"(2["message",1,"2",{"3":[true]}])"),
                  R"(2 / ["message",1,"2",{"3":[true]}])");
  CAF_CHECK_EQUAL(dec(R"(52-["message",)" + ph0 + "," + ph1 + "]"),
                  "5 / att=2 [\"message\"," + ph0 + "," + ph1 + "]");
  CAF_CHECK_EQUAL(dec(R"(2456["message-with-ack",1,"2",{"3":[false]}])"),
                  R"(2 / id=456 ["message-with-ack",1,"2",{"3":[false]}])");
  CAF_CHECK_EQUAL(dec(R"(52-789["message-with-ack",)" + ph0 + "," + ph1 + "]"),
                  "5 / id=789 att=2 [\"message-with-ack\"," + ph0 + "," + ph1 + "]");
}

CAF_TEST(official suite invalid packets are refused) {
  // "4abc": Engine.IO message "abc", an unknown Socket.IO type.
  CAF_CHECK_EQUAL(dec("abc"), "unknown_packet_type");
  // "42{}": an event whose payload is an object.
  CAF_CHECK_EQUAL(dec("2{}"), "invalid_payload");
  // "42abc[...]": no ack id, no namespace, so "abc[...]" must be JSON.
  CAF_CHECK_EQUAL(dec(R"(2abc["message-with-ack",1,"2",{"3":[false]}])"), "invalid_json");
}

CAF_TEST(unknown and empty packets are refused) {
  CAF_CHECK_EQUAL(dec(""), "empty_packet");
  for (auto text : {"7", "8[\"a\"]", "9", "a", "/", "-", " 2[\"a\"]", "\x1e"})
    CAF_CHECK_EQUAL(dec(text), "unknown_packet_type");
}

CAF_TEST(payload shapes are checked per type) {
  // CONNECT: absent or an object.
  CAF_CHECK_EQUAL(dec("0{}"), "0 / {}");
  for (auto text : {"0[]", "0\"x\"", "0null", "0true", "0/custom,[]", "0-1"})
    CAF_CHECK_EQUAL(dec(text), "invalid_payload");
  // DISCONNECT: no data at all.
  for (auto text : {"1{}", "1[]", "1/custom,{}", "1\"x\""})
    CAF_CHECK_EQUAL(dec(text), "invalid_payload");
  // EVENT: a non-empty array starting with a string.
  for (auto text : {"2", "2/custom,", "2[]", "2[1]", "2[null]", "2[[\"a\"]]", "2[{}]", "2\"a\"",
                    "22", "2/custom,12", "2{\"0\":\"a\"}"})
    CAF_CHECK_EQUAL(dec(text), "invalid_payload");
  // ACK: an array, possibly empty.
  CAF_CHECK_EQUAL(dec("31[]"), "3 / id=1 []");
  CAF_CHECK_EQUAL(dec("31[1,{}]"), "3 / id=1 [1,{}]");
  for (auto text : {"3", "31", "31{}", "31\"a\"", "3/custom,1"})
    CAF_CHECK_EQUAL(dec(text), "invalid_payload");
  // CONNECT_ERROR: an object.
  for (auto text : {"4", "4[]", "4\"Not authorized\"", "4/custom,"})
    CAF_CHECK_EQUAL(dec(text), "invalid_payload");
  // BINARY_EVENT / BINARY_ACK as EVENT / ACK.
  for (auto text : {"51-", "50-[]", "50-[1]", "50-{}", "60-{}", "60-", "61-/x,1"})
    CAF_CHECK_EQUAL(dec(text), "invalid_payload");
  CAF_CHECK_EQUAL(dec("60-[]"), "6 / []");
}

CAF_TEST(reserved event names are refused) {
  for (auto name : {"connect", "connect_error", "disconnect", "disconnecting", "newListener",
                    "removeListener"}) {
    CAF_CHECK_EQUAL(dec("2[\"" + std::string{name} + "\"]"), "invalid_payload");
    CAF_CHECK_EQUAL(dec("50-[\"" + std::string{name} + "\",1]"), "invalid_payload");
  }
  // Only as the event name: elsewhere they are ordinary strings.
  CAF_CHECK_EQUAL(dec(R"(2["x","disconnect"])"), R"(2 / ["x","disconnect"])");
  CAF_CHECK_EQUAL(dec(R"(3["disconnect"])"), R"(3 / ["disconnect"])");
  CAF_CHECK_EQUAL(dec(R"(2["connected"])"), R"(2 / ["connected"])");
  // Escapes are decoded before the comparison.
  CAF_CHECK_EQUAL(dec(R"(2["\u0063onnect"])"), "invalid_payload");
}

CAF_TEST(the reserved event names are socket io s six lifecycle names exactly) {
  for (auto name : {"connect", "connect_error", "disconnect", "disconnecting", "newListener",
                    "removeListener"})
    CAF_CHECK(sio::is_reserved_event(name));
  // Case, padding, prefixes and near misses are ordinary names.
  for (auto name : {"", "Connect", "CONNECT", "connect ", " connect", "connection", "connected",
                    "disconnect_error", "newlistener", "removelistener", "error", "message",
                    "connect_errors", "disconnectin"})
    CAF_CHECK(!sio::is_reserved_event(name));
  CAF_CHECK(!sio::is_reserved_event(std::string_view{"connect\0", 8}));
}

CAF_TEST(data that is not json is refused) {
  for (auto text : {"2[\"a\"", "2[\"a\"]x", "2[\"a\"][\"b\"]", "2[\"a\",]", "2['a']",
                    "0{token:1}", "2[\"a\"]]", "2[\"\xff\"]", "2[\"a\",NaN]", "0/custom,x"})
    CAF_CHECK_EQUAL(dec(text), "invalid_json");
  CAF_CHECK_EQUAL(dec(std::string_view{"2[\"a\"]\0x", 8}), "invalid_json");
  CAF_CHECK_EQUAL(dec(std::string_view{"2[\"a\0\"]", 7}), "invalid_json");
}

CAF_TEST(data is kept compact with member order and number text) {
  CAF_CHECK_EQUAL(dec("2[ \"a\" , { \"b\" : \"c d\" } ]\n"), R"(2 / ["a",{"b":"c d"}])");
  CAF_CHECK_EQUAL(dec(R"(2["e",{"z":1,"a":2,"m":[3]}])"), R"(2 / ["e",{"z":1,"a":2,"m":[3]}])");
  CAF_CHECK_EQUAL(dec(R"(2["e",1.0,1e2,-0,1E+2,0.10])"), R"(2 / ["e",1.0,1e2,-0,1E+2,0.10])");
  CAF_CHECK_EQUAL(dec(R"(2["e","a \" b\\","\u00e9"])"), R"(2 / ["e","a \" b\\","\u00e9"])");
  CAF_CHECK_EQUAL(dec("0 {\"token\" : \"1 2\"} "), R"(0 / {"token":"1 2"})");
}

CAF_TEST(namespaces) {
  CAF_CHECK_EQUAL(dec(R"(2/chat,["a"])"), R"(2 /chat ["a"])");
  CAF_CHECK_EQUAL(dec(R"(2/a/b,["a"])"), R"(2 /a/b ["a"])");
  CAF_CHECK_EQUAL(dec(R"(2/,["a"])"), R"(2 / ["a"])");
  CAF_CHECK_EQUAL(dec("0/caf\xc3\xa9,"), "0 /caf\xc3\xa9");
  // The name stops at the first comma.
  CAF_CHECK_EQUAL(dec(R"(2/chat,7["a,b"])"), R"(2 /chat id=7 ["a,b"])");
  // Without the comma everything up to the end is the name.
  CAF_CHECK_EQUAL(dec("1/admin"), "1 /admin");
  // Names are echoed back: no control characters, valid UTF-8.
  for (auto text : {"0/a\x1e" "b,", "0/a\x01,", "0/\xff,", "2/a\nb,[\"x\"]", "0/a\x7f"})
    CAF_CHECK_EQUAL(dec(text), "invalid_namespace");
}

CAF_TEST(ack ids) {
  CAF_CHECK_EQUAL(dec(R"(20["a"])"), R"(2 / id=0 ["a"])");
  CAF_CHECK_EQUAL(dec(R"(2007["a"])"), R"(2 / id=7 ["a"])");
  CAF_CHECK_EQUAL(dec(R"(2/chat,0["a"])"), R"(2 /chat id=0 ["a"])");
  CAF_CHECK_EQUAL(dec(R"(218446744073709551615["a"])"), R"(2 / id=18446744073709551615 ["a"])");
  // Digits after the type are an id for every type (as in the reference parser): "01" is
  // CONNECT with id 1 and no data, not CONNECT with the JSON data 1.
  CAF_CHECK_EQUAL(dec("01"), "0 / id=1");
  CAF_CHECK_EQUAL(dec("1/x,5"), "1 /x id=5");
  auto q = sio::decode("07{}");
  CAF_REQUIRE(q);
  CAF_CHECK_EQUAL(*q->id, 7u);
}

CAF_TEST(ack id overflow is refused) {
  CAF_CHECK_EQUAL(dec(R"(218446744073709551616["a"])"), "invalid_ack_id");
  CAF_CHECK_EQUAL(dec(R"(299999999999999999999["a"])"), "invalid_ack_id");
  CAF_CHECK_EQUAL(dec("2" + std::string(1000, '9') + R"(["a"])"), "invalid_ack_id");
  CAF_CHECK_EQUAL(dec(R"(3/x,118446744073709551616[])"), "invalid_ack_id");
  CAF_CHECK_EQUAL(dec("61-" + std::string(30, '1') + "[" + ph0 + "]"), "invalid_ack_id");
}

CAF_TEST(attachment counts) {
  CAF_CHECK_EQUAL(dec(R"(50-["a"])"), R"(5 / ["a"])");
  CAF_CHECK_EQUAL(dec(R"(510-["a"])"), R"(5 / att=10 ["a"])");
  for (auto text : {"5[\"a\"]", "5-[\"a\"]", "51[\"a\"]", "5a-[\"a\"]", "5 1-[\"a\"]", "5",
                    "51", "6/x,1-[]", "6-1-[]"})
    CAF_CHECK_EQUAL(dec(text), "invalid_attachment_count");
  CAF_CHECK_EQUAL(dec("5" + std::string(30, '9') + "-[\"a\"]"), "invalid_attachment_count");
  CAF_CHECK_EQUAL(dec(R"(518446744073709551616-["a"])"), "invalid_attachment_count");
  // Non-binary types have no count: "21-[...]" is ack id 1 then "-[...]".
  CAF_CHECK_EQUAL(dec(R"(21-["a"])"), "invalid_json");
}

CAF_TEST(attachment limit) {
  CAF_CHECK_EQUAL(dec(R"(511-["a"])"), "too_many_attachments");
  CAF_CHECK_EQUAL(dec(R"(518446744073709551615-["a"])"), "too_many_attachments");
  sio::limits lim;
  lim.max_attachments = 2;
  CAF_CHECK_EQUAL(dec(R"(52-["a"])", lim), R"(5 / att=2 ["a"])");
  CAF_CHECK_EQUAL(dec(R"(53-["a"])", lim), "too_many_attachments");
  CAF_CHECK_EQUAL(dec(R"(63-[])", lim), "too_many_attachments");
  lim.max_attachments = 0;
  CAF_CHECK_EQUAL(dec(R"(50-["a"])", lim), R"(5 / ["a"])");
  CAF_CHECK_EQUAL(dec(R"(51-["a"])", lim), "too_many_attachments");
}

CAF_TEST(placeholders must refer to announced attachments) {
  CAF_CHECK_EQUAL(dec("51-[\"a\"," + ph1 + "]"), "unexpected_attachment");
  CAF_CHECK_EQUAL(dec("50-[\"a\"," + ph0 + "]"), "unexpected_attachment");
  CAF_CHECK_EQUAL(dec("61-[" + ph1 + "]"), "unexpected_attachment");
  // Not in a packet that announces none.
  CAF_CHECK_EQUAL(dec("2[\"a\"," + ph0 + "]"), "unexpected_attachment");
  CAF_CHECK_EQUAL(dec("3[" + ph0 + "]"), "unexpected_attachment");
  CAF_CHECK_EQUAL(dec("0{\"auth\":" + ph0 + "}"), "unexpected_attachment");
  // num must be a non-negative integer.
  for (auto num : {"-1", "0.0", "0.5", "\"0\"", "null", "true", "[0]", "{}", "1e0"})
    CAF_CHECK_EQUAL(dec(R"(51-["a",{"_placeholder":true,"num":)" + std::string{num} + "}]"),
                    "unexpected_attachment");
  CAF_CHECK_EQUAL(dec(R"(51-["a",{"_placeholder":true}])"), "unexpected_attachment");
  CAF_CHECK_EQUAL(dec(R"(52-["a",{"_placeholder":true,"num":0,"num":5}])"),
                  "unexpected_attachment");
  // Deep inside the data too.
  CAF_CHECK_EQUAL(dec(R"(51-["a",{"x":[[{"_placeholder":true,"num":0}]]}])"),
                  R"(5 / att=1 ["a",{"x":[[{"_placeholder":true,"num":0}]]}])");
  CAF_CHECK_EQUAL(dec(R"(51-["a",{"x":[[{"_placeholder":true,"num":3}]]}])"),
                  "unexpected_attachment");
}

CAF_TEST(what is not a placeholder is data) {
  CAF_CHECK_EQUAL(dec(R"(51-["a",{"num":0,"_placeholder":true}])"),
                  R"(5 / att=1 ["a",{"num":0,"_placeholder":true}])");
  CAF_CHECK_EQUAL(dec(R"(2["a",{"_placeholder":false,"num":9}])"),
                  R"(2 / ["a",{"_placeholder":false,"num":9}])");
  CAF_CHECK_EQUAL(dec(R"(2["a",{"num":-3},{"x":{"num":"y"}}])"),
                  R"(2 / ["a",{"num":-3},{"x":{"num":"y"}}])");
  CAF_CHECK_EQUAL(dec(R"(2["_placeholder",true,"num",0])"), R"(2 / ["_placeholder",true,"num",0])");
  CAF_CHECK_EQUAL(dec(R"(2["a",{"p":{"_placeholder":true}}])"), "unexpected_attachment");
  CAF_CHECK_EQUAL(dec(R"(2["a",{"_placeholder":{"_placeholder":1},"num":0}])"),
                  R"(2 / ["a",{"_placeholder":{"_placeholder":1},"num":0}])");
  // Announced attachments need not all be referenced (the reference parser does not check).
  CAF_CHECK_EQUAL(dec(R"(52-["a",)" + ph1 + "]"), "5 / att=2 [\"a\"," + ph1 + "]");
}

CAF_TEST(json depth is limited) {
  auto deep = [](std::size_t levels) { // an event whose whole data nests `levels` deep
    return "2[\"a\"," + std::string(levels - 1, '[') + std::string(levels - 1, ']') + "]";
  };
  CAF_CHECK_EQUAL(outcome(sio::decode(deep(protocol::default_max_json_depth))), "ok");
  CAF_CHECK_EQUAL(dec(deep(protocol::default_max_json_depth + 1)), "json_too_deep");
  sio::limits lim;
  lim.max_json_depth = 3;
  CAF_CHECK_EQUAL(dec(R"(2["a",[[1]]])", lim), R"(2 / ["a",[[1]]])");
  CAF_CHECK_EQUAL(dec(R"(2["a",[[[1]]]])", lim), "json_too_deep");
  CAF_CHECK_EQUAL(dec(R"(2["a",{"b":{"c":{}}}])", lim), "json_too_deep");
  lim.max_json_depth = 0;
  CAF_CHECK_EQUAL(dec(R"(2["a"])", lim), "json_too_deep");
  CAF_CHECK_EQUAL(dec("0", lim), "0 /");
  // No recursion and no unbounded growth: refused at the limit.
  CAF_CHECK_EQUAL(dec("2" + std::string(1000000, '[')), "json_too_deep");
  lim.max_json_depth = std::numeric_limits<std::size_t>::max();
  CAF_CHECK_EQUAL(dec("2" + std::string(200000, '[')), "json_too_deep");
  CAF_CHECK_EQUAL(dec("2" + std::string(200000, '['), lim), "invalid_json");
  CAF_CHECK_EQUAL(outcome(sio::decode("2[\"a\"," + std::string(200000, '[') + std::string(200000, ']') + "]", lim)), "ok");
}

CAF_TEST(encode writes the exact wire text) {
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::connect, "/", std::nullopt, "")), "0");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::connect, "/", std::nullopt, R"({"sid":"x"})")),
                  R"(0{"sid":"x"})");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::connect, "/custom", std::nullopt, R"({"sid":"abc"})")),
                  R"(0/custom,{"sid":"abc"})");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::disconnect, "/", std::nullopt, "")), "1");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::disconnect, "/admin", std::nullopt, "")), "1/admin,");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::event, "/", std::nullopt, R"(["foo"])")), R"(2["foo"])");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::event, "/custom", 12, R"(["a"])")), R"(2/custom,12["a"])");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::event, "/", 12, R"(["foo"])")), R"(212["foo"])");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::ack, "/admin", 13, R"(["bar"])")), R"(3/admin,13["bar"])");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::ack, "/", 456, R"([1,"2",{"3":[false]}])")),
                  R"(3456[1,"2",{"3":[false]}])");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::connect_error, "/random", std::nullopt,
                                   R"({"message":"Invalid namespace"})")),
                  R"(4/random,{"message":"Invalid namespace"})");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::connect_error, "/", std::nullopt,
                                   R"({"message":"Not authorized"})")),
                  R"(4{"message":"Not authorized"})");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::binary_event, "/", std::nullopt, "[\"x\"," + ph0 + "]", 1)),
                  "51-[\"x\"," + ph0 + "]");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::binary_event, "/admin", std::nullopt,
                                   "[\"baz\"," + ph0 + "," + ph1 + "]", 2)),
                  "52-/admin,[\"baz\"," + ph0 + "," + ph1 + "]");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::binary_event, "/", std::nullopt,
                                   "[\"message-back\"," + ph0 + "," + ph1 + "]", 2)),
                  "52-[\"message-back\"," + ph0 + "," + ph1 + "]");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::binary_ack, "/", 15, "[\"bar\"," + ph0 + "]", 1)),
                  "61-15[\"bar\"," + ph0 + "]");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::binary_ack, "/", 789, "[" + ph0 + "," + ph1 + "]", 2)),
                  "62-789[" + ph0 + "," + ph1 + "]");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::binary_ack, "/admin", 1, "[" + ph0 + "]", 1)),
                  "61-/admin,1[" + ph0 + "]");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::binary_event, "/", std::nullopt, R"(["x"])", 0)),
                  R"(50-["x"])");
  // An empty namespace is the main one; the largest id is written in full.
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::event, "", 0, R"(["a"])")), R"(20["a"])");
  CAF_CHECK_EQUAL(sio::encode(make(packet_type::ack, "/", UINT64_MAX, "[]")), "318446744073709551615[]");
}

CAF_TEST(encode and decode round trip) {
  std::vector<sio::packet> packets{
    make(packet_type::connect, "/", std::nullopt, ""),
    make(packet_type::connect, "/custom", std::nullopt, R"({"token":"abc"})"),
    make(packet_type::connect, "/custom", std::nullopt, ""),
    make(packet_type::disconnect, "/", std::nullopt, ""),
    make(packet_type::disconnect, "/x", std::nullopt, ""),
    make(packet_type::event, "/", std::nullopt, R"(["hello",1,{"a":[true,null]}])"),
    make(packet_type::event, "/chat", 0, R"(["a"])"),
    make(packet_type::event, "/", UINT64_MAX, R"(["a"])"),
    make(packet_type::ack, "/", 3, "[]"),
    make(packet_type::ack, "/chat", 42, R"([{"ok":true}])"),
    make(packet_type::connect_error, "/", std::nullopt, R"({"message":"no"})"),
    make(packet_type::binary_event, "/", std::nullopt, "[\"b\"," + ph0 + "," + ph1 + "]", 2),
    make(packet_type::binary_event, "/n", 9, "[\"b\"," + ph0 + "]", 1),
    make(packet_type::binary_ack, "/", 5, "[" + ph0 + "]", 1),
    make(packet_type::binary_ack, "/n", 5, "[]", 0),
  };
  for (auto& p : packets) {
    auto text = sio::encode(p);
    auto back = sio::decode(text);
    CAF_CHECK_EQUAL(outcome(back), "ok");
    if (!back)
      continue;
    CAF_CHECK(back->type == p.type);
    CAF_CHECK_EQUAL(back->nsp, p.nsp);
    CAF_CHECK(back->id == p.id);
    CAF_CHECK_EQUAL(back->data, p.data);
    CAF_CHECK_EQUAL(back->attachments, p.attachments);
    CAF_CHECK_EQUAL(sio::encode(*back), text);
  }
}

CAF_TEST(collector without attachments completes at once) {
  sio::attachment_collector c;
  CAF_CHECK(!c.waiting());
  auto header = sio::decode(R"(50-["a"])");
  CAF_REQUIRE(header);
  CAF_CHECK(c.start(*header));
  CAF_CHECK(!c.waiting());
  std::vector<std::string> atts{"stale"};
  auto p = c.take_packet(atts);
  CAF_CHECK(atts.empty());
  CAF_CHECK_EQUAL(p.data, R"(["a"])");
}

CAF_TEST(collector gathers announced attachments in order) {
  sio::attachment_collector c;
  auto header = sio::decode(R"(52-789["message-with-ack",)" + ph0 + "," + ph1 + "]");
  CAF_REQUIRE(header);
  CAF_CHECK(!c.start(*header));
  CAF_CHECK(c.waiting());
  CAF_CHECK(!c.add(std::string{"\x01\x02\x03", 3}));
  CAF_CHECK(c.waiting());
  CAF_CHECK(c.add(std::string{"\x04\x05\x06", 3}));
  CAF_CHECK(!c.waiting());
  std::vector<std::string> atts{"stale", "stale", "stale"};
  auto p = c.take_packet(atts);
  CAF_REQUIRE_EQUAL(atts.size(), 2u);
  CAF_CHECK_EQUAL(atts[0], std::string("\x01\x02\x03", 3));
  CAF_CHECK_EQUAL(atts[1], std::string("\x04\x05\x06", 3));
  CAF_CHECK(p.type == packet_type::binary_event);
  CAF_CHECK_EQUAL(*p.id, 789u);
  CAF_CHECK_EQUAL(p.attachments, 2u);
  // The collector is reset and can serve the next packet.
  CAF_CHECK(!c.waiting());
  CAF_CHECK(!c.add("ignored")); // nothing announced: not taken
  auto next = sio::decode("61-/admin,1[" + ph0 + "]");
  CAF_REQUIRE(next);
  CAF_CHECK(!c.start(*next));
  CAF_CHECK(c.add("z"));
  std::vector<std::string> atts2;
  auto q = c.take_packet(atts2);
  CAF_REQUIRE_EQUAL(atts2.size(), 1u);
  CAF_CHECK_EQUAL(atts2[0], "z");
  CAF_CHECK_EQUAL(q.nsp, "/admin");
  CAF_CHECK(q.type == packet_type::binary_ack);
}

CAF_TEST(collector restarted mid way drops the old frames) {
  sio::attachment_collector c;
  auto two = sio::decode("52-[\"a\"," + ph0 + "," + ph1 + "]");
  CAF_REQUIRE(two);
  CAF_CHECK(!c.start(*two));
  CAF_CHECK(!c.add("first"));
  auto one = sio::decode("51-[\"b\"," + ph0 + "]");
  CAF_REQUIRE(one);
  CAF_CHECK(!c.start(*one));
  CAF_CHECK(c.add("only"));
  std::vector<std::string> atts;
  auto p = c.take_packet(atts);
  CAF_REQUIRE_EQUAL(atts.size(), 1u);
  CAF_CHECK_EQUAL(atts[0], "only");
  CAF_CHECK_EQUAL(p.data, "[\"b\"," + ph0 + "]");
}
