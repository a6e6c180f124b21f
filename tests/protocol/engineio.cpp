#define CAF_SUITE engineio
#include <caf/test/unit_test.hpp>

#include <string>

#include "protocol/engineio.hpp"
#include "tests/protocol/common.hpp"

using namespace atrium;
using atrium::test::outcome;

namespace {

// "<type char>|<data>|text" or "...|binary", or the error's name.
std::string show(const protocol::result<eio::packet>& res) {
  if (!res)
    return outcome(res);
  std::string out;
  out += static_cast<char>(res->type);
  out += '|';
  out += res->data;
  out += res->binary ? "|binary" : "|text";
  return out;
}

std::string show(const protocol::result<std::vector<eio::packet>>& res) {
  if (!res)
    return outcome(res);
  std::string out;
  for (auto& p : *res) {
    if (!out.empty())
      out += " ; ";
    out += show(protocol::result<eio::packet>{p});
  }
  return out;
}

const std::string bytes_1234{"\x01\x02\x03\x04", 4};

} // namespace

CAF_TEST(decode_text reads every packet type with and without payload) {
  CAF_CHECK_EQUAL(show(eio::decode_text("0")), "0||text");
  CAF_CHECK_EQUAL(show(eio::decode_text(R"(0{"sid":"x"})")), R"(0|{"sid":"x"}|text)");
  CAF_CHECK_EQUAL(show(eio::decode_text("1")), "1||text");
  CAF_CHECK_EQUAL(show(eio::decode_text("2")), "2||text");
  CAF_CHECK_EQUAL(show(eio::decode_text("2probe")), "2|probe|text");
  CAF_CHECK_EQUAL(show(eio::decode_text("3")), "3||text");
  CAF_CHECK_EQUAL(show(eio::decode_text("3probe")), "3|probe|text");
  CAF_CHECK_EQUAL(show(eio::decode_text("4")), "4||text");
  CAF_CHECK_EQUAL(show(eio::decode_text("4hello")), "4|hello|text");
  CAF_CHECK_EQUAL(show(eio::decode_text("5")), "5||text");
  CAF_CHECK_EQUAL(show(eio::decode_text("6")), "6||text");
}

CAF_TEST(decode_text maps type characters to the enum) {
  CAF_CHECK(eio::decode_text("0")->type == eio::packet_type::open);
  CAF_CHECK(eio::decode_text("1")->type == eio::packet_type::close);
  CAF_CHECK(eio::decode_text("2")->type == eio::packet_type::ping);
  CAF_CHECK(eio::decode_text("3")->type == eio::packet_type::pong);
  CAF_CHECK(eio::decode_text("4")->type == eio::packet_type::message);
  CAF_CHECK(eio::decode_text("5")->type == eio::packet_type::upgrade);
  CAF_CHECK(eio::decode_text("6")->type == eio::packet_type::noop);
}

CAF_TEST(decode_text keeps message payloads byte for byte) {
  CAF_CHECK_EQUAL(show(eio::decode_text("4€ \x1f\"x\"")), "4|€ \x1f\"x\"|text");
  CAF_CHECK_EQUAL(show(eio::decode_text(R"(42["message",1,"2",{"3":[true]}])")),
                  R"(4|2["message",1,"2",{"3":[true]}]|text)");
  // A type character followed by 'b' is a text message, not base64.
  CAF_CHECK_EQUAL(show(eio::decode_text("4bAQIDBA==")), "4|bAQIDBA==|text");
}

CAF_TEST(decode_text reads base64 binary messages) {
  auto res = eio::decode_text("bAQIDBA==");
  CAF_REQUIRE(res);
  CAF_CHECK(res->type == eio::packet_type::message);
  CAF_CHECK(res->binary);
  CAF_CHECK_EQUAL(res->data, bytes_1234);
  CAF_CHECK_EQUAL(show(eio::decode_text("b")), "4||binary");
}

CAF_TEST(decode_text refuses malformed packets) {
  CAF_CHECK_EQUAL(show(eio::decode_text("")), "empty_packet");
  // The official suite's invalid packet.
  CAF_CHECK_EQUAL(show(eio::decode_text("abc")), "unknown_packet_type");
  for (auto text : {"7", "8hello", "9", "/", " 4", "\x1e", "B", "x4"})
    CAF_CHECK_EQUAL(show(eio::decode_text(text)), "unknown_packet_type");
  CAF_CHECK_EQUAL(show(eio::decode_text(std::string_view{"\0", 1})), "unknown_packet_type");
  CAF_CHECK_EQUAL(show(eio::decode_text("bAQIDBA=")), "invalid_base64");
  CAF_CHECK_EQUAL(show(eio::decode_text("b!!!!")), "invalid_base64");
  CAF_CHECK_EQUAL(show(eio::decode_text("b AQIDBA==")), "invalid_base64");
}

CAF_TEST(decode_binary is always a binary message) {
  const std::string raw{"\x00\x01\xff\x1e", 4};
  auto p = eio::decode_binary(raw);
  CAF_CHECK(p.type == eio::packet_type::message);
  CAF_CHECK(p.binary);
  CAF_CHECK_EQUAL(p.data, raw);
  // v4 binary frames carry no type prefix: a leading '4' is data.
  CAF_CHECK_EQUAL(eio::decode_binary("4hello").data, "4hello");
  CAF_CHECK(eio::decode_binary("").data.empty());
}

CAF_TEST(decode_payload splits on the record separator) {
  CAF_CHECK_EQUAL(show(eio::decode_payload("4hello\x1e"
                                           "2\x1e"
                                           "4world",
                                           1000)),
                  "4|hello|text ; 2||text ; 4|world|text");
  CAF_CHECK_EQUAL(show(eio::decode_payload("4test1\x1e"
                                           "4test2\x1e"
                                           "4test3",
                                           1000)),
                  "4|test1|text ; 4|test2|text ; 4|test3|text");
  CAF_CHECK_EQUAL(show(eio::decode_payload("4hello", 1000)), "4|hello|text");
  CAF_CHECK_EQUAL(show(eio::decode_payload("3", 1000)), "3||text");
  CAF_CHECK_EQUAL(show(eio::decode_payload("1", 1000)), "1||text");
}

CAF_TEST(decode_payload reads mixed text and binary) {
  auto res = eio::decode_payload("4hello\x1e"
                                 "bAQIDBA==",
                                 1000);
  CAF_REQUIRE(res);
  CAF_REQUIRE_EQUAL(res->size(), 2u);
  CAF_CHECK_EQUAL(show(protocol::result<eio::packet>{(*res)[0]}), "4|hello|text");
  CAF_CHECK((*res)[1].binary);
  CAF_CHECK_EQUAL((*res)[1].data, bytes_1234);
}

CAF_TEST(decode_payload refuses any invalid segment) {
  CAF_CHECK_EQUAL(show(eio::decode_payload("abc", 1000)), "unknown_packet_type");
  CAF_CHECK_EQUAL(show(eio::decode_payload("", 1000)), "empty_packet");
  CAF_CHECK_EQUAL(show(eio::decode_payload("4a\x1e", 1000)), "empty_packet");
  CAF_CHECK_EQUAL(show(eio::decode_payload("\x1e"
                                           "4a",
                                           1000)),
                  "empty_packet");
  CAF_CHECK_EQUAL(show(eio::decode_payload("4a\x1e\x1e"
                                           "4b",
                                           1000)),
                  "empty_packet");
  CAF_CHECK_EQUAL(show(eio::decode_payload("4a\x1e"
                                           "x\x1e"
                                           "4b",
                                           1000)),
                  "unknown_packet_type");
  CAF_CHECK_EQUAL(show(eio::decode_payload("4a\x1e"
                                           "b!!!",
                                           1000)),
                  "invalid_base64");
}

CAF_TEST(decode_payload enforces max_payload) {
  std::string body = "4" + std::string(99, 'x'); // 100 bytes
  CAF_CHECK_EQUAL(outcome(eio::decode_payload(body, 100)), "ok");
  CAF_CHECK_EQUAL(outcome(eio::decode_payload(body, 99)), "payload_too_large");
  CAF_CHECK_EQUAL(outcome(eio::decode_payload(body, 0)), "payload_too_large");
  // The limit is checked before the segments: even a malformed body is "too large".
  CAF_CHECK_EQUAL(outcome(eio::decode_payload("abc", 2)), "payload_too_large");
}

CAF_TEST(encode_text writes type then data) {
  using eio::packet_type;
  CAF_CHECK_EQUAL(eio::encode_text({packet_type::open, R"({"sid":"x"})", false}),
                  R"(0{"sid":"x"})");
  CAF_CHECK_EQUAL(eio::encode_text({packet_type::close, "", false}), "1");
  CAF_CHECK_EQUAL(eio::encode_text({packet_type::ping, "", false}), "2");
  CAF_CHECK_EQUAL(eio::encode_text({packet_type::pong, "probe", false}), "3probe");
  CAF_CHECK_EQUAL(eio::encode_text({packet_type::message, "hello", false}), "4hello");
  CAF_CHECK_EQUAL(eio::encode_text({packet_type::upgrade, "", false}), "5");
  CAF_CHECK_EQUAL(eio::encode_text({packet_type::noop, "", false}), "6");
  CAF_CHECK_EQUAL(eio::encode_text({packet_type::message, bytes_1234, true}), "bAQIDBA==");
  CAF_CHECK_EQUAL(eio::encode_text({packet_type::message, "", true}), "b");
}

CAF_TEST(encode_text and decode_text round trip) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  std::vector<eio::packet> packets{
    {eio::packet_type::open, R"({"sid":"a"})", false},
    {eio::packet_type::close, "", false},
    {eio::packet_type::ping, "probe", false},
    {eio::packet_type::pong, "", false},
    {eio::packet_type::message, "héllo", false},
    {eio::packet_type::upgrade, "", false},
    {eio::packet_type::noop, "", false},
    {eio::packet_type::message, all, true},
    {eio::packet_type::message, "", true},
  };
  for (auto& p : packets) {
    auto back = eio::decode_text(eio::encode_text(p));
    CAF_REQUIRE(back);
    CAF_CHECK(back->type == p.type);
    CAF_CHECK_EQUAL(back->data, p.data);
    CAF_CHECK_EQUAL(back->binary, p.binary);
  }
}

CAF_TEST(segments are joined by the record separator) {
  std::string out;
  eio::append_text_segment(out, "4hello");
  CAF_CHECK_EQUAL(out, "4hello");
  eio::append_binary_segment(out, bytes_1234);
  CAF_CHECK_EQUAL(out, "4hello\x1e"
                       "bAQIDBA==");
  eio::append_text_segment(out, "2");
  CAF_CHECK_EQUAL(out, "4hello\x1e"
                       "bAQIDBA==\x1e"
                       "2");
  std::string bin;
  eio::append_binary_segment(bin, bytes_1234);
  CAF_CHECK_EQUAL(bin, "bAQIDBA==");
  // What the server writes, the decoder reads back.
  CAF_CHECK_EQUAL(show(eio::decode_payload(out, 1000)), "4|hello|text ; 4|\x01\x02\x03\x04|binary ; 2||text");
}
