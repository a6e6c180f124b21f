// The small pure pieces of net/: request targets, session ids, polling payloads, WebSocket keys,
// the rate limit of the close log.
#define CAF_SUITE net_units
#include <caf/test/dsl.hpp>

#include <set>

#include "net/polling.hpp"
#include "actors/boundary/random_id.hpp"
#include "net/close_log.hpp"
#include "net/url.hpp"
#include "net/websocket_key.hpp"

using namespace atrium;
using namespace atrium::net;

CAF_TEST(targets split into path and decoded query) {
  auto t = parse_target("/socket.io/?EIO=4&transport=polling&t=a%20b+c&x=%zz&empty&sid=");
  CAF_CHECK_EQUAL(t.path, "/socket.io/");
  CAF_CHECK_EQUAL(t.query["EIO"], "4");
  CAF_CHECK_EQUAL(t.query["transport"], "polling");
  CAF_CHECK_EQUAL(t.query["t"], "a b c");
  CAF_CHECK_EQUAL(t.query["x"], "%zz");
  CAF_CHECK_EQUAL(t.query.count("empty"), 1u);
  CAF_CHECK_EQUAL(t.query["sid"], "");
  CAF_CHECK_EQUAL(parse_target("/engine.io").path, "/engine.io");
  CAF_CHECK(parse_target("/engine.io").query.empty());
  CAF_CHECK_EQUAL(url_decode("%"), "%");
  CAF_CHECK_EQUAL(url_decode("%4"), "%4");
  CAF_CHECK_EQUAL(url_decode("%41"), "A");
}

CAF_TEST(session ids are long url - safe and distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    auto id = random_id();
    CAF_REQUIRE_EQUAL(id.size(), 22u); // 128 bits
    for (char c : id)
      CAF_CHECK(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    seen.insert(id);
  }
  CAF_CHECK_EQUAL(seen.size(), 2000u);
}

CAF_TEST(socket ids are url - safe distinct and fit std::string inline) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    auto id = random_socket_id();
    CAF_REQUIRE_EQUAL(id.size(), 15u); // 88 bits
    CAF_CHECK(has_socket_id_form(id));
    CAF_CHECK_EQUAL(id.capacity(), std::string{}.capacity()); // no heap block of its own
    for (char c : id)
      CAF_CHECK(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    seen.insert(id);
  }
  CAF_CHECK_EQUAL(seen.size(), 2000u);
}

CAF_TEST(only names of 15 url - safe characters have the form of a socket id) {
  CAF_CHECK(has_socket_id_form("ABCDEFGHIJKLMN_"));
  CAF_CHECK(has_socket_id_form("abc-123_XYZ-789"));
  CAF_CHECK(!has_socket_id_form("ABCDEFGHIJKLMN"));   // 14
  CAF_CHECK(!has_socket_id_form("ABCDEFGHIJKLMNOP")); // 16
  CAF_CHECK(!has_socket_id_form("ABCDEFGHIJKLMN."));
  CAF_CHECK(!has_socket_id_form(""));
}

CAF_TEST(a batch becomes one polling payload) {
  auto p = std::make_shared<encoded_packet>();
  p->text = R"(451-["x",{"_placeholder":true,"num":0}])";
  p->attachments.push_back(std::string("\x01\x02\x03\x04", 4));
  frame_batch batch;
  batch.push_back(static_frame("2"));
  append_frames(batch, p);
  batch.push_back(make_frame("4hello"));
  CAF_CHECK_EQUAL(batch.size(), 4u);
  CAF_CHECK_EQUAL(encode_payload(batch),
                  "2\x1e" R"(451-["x",{"_placeholder":true,"num":0}])" "\x1e" "bAQIDBA==\x1e" "4hello");
  // The frames share the packet: nothing was copied.
  CAF_CHECK_EQUAL(static_cast<const void*>(batch[1].bytes.data()),
                  static_cast<const void*>(p->text.data()));
  CAF_CHECK_EQUAL(p.use_count(), 3);
}

CAF_TEST(a websocket key is the base64 of 16 bytes and nothing else) {
  CAF_CHECK(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ==")); // RFC 6455's example
  CAF_CHECK(valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAA=="));
  CAF_CHECK(valid_websocket_key("+/+/+/+/+/+/+/+/+/+/+w=="));
  for (auto key : {"", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZQ===",
                   "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQAA", // 18 bytes
                   "dGhlIHNhbXBsZSBub25j", "c2hvcnQ=",                    // 15 and 5 bytes
                   "dGhlIHNhbXBsZSBub25jZ-==", "dGhlIHNhbXBsZSBub25jZ_==", // URL-safe alphabet
                   "dGhlIHNhbXBsZSBub25jZ ==", "not base64 at all!!!!!==", "dGhlIHNhbXBsZSBub25jZQ==x"})
    CAF_CHECK(!valid_websocket_key(std::string_view{key}));
}

CAF_TEST(an upgrade request needs exactly one valid websocket key) {
  namespace http = boost::beast::http;
  auto request = [](std::initializer_list<const char*> keys) {
    http_request req{http::verb::get, "/socket.io/?EIO=4&transport=websocket", 11};
    for (auto k : keys)
      req.insert(http::field::sec_websocket_key, k);
    return req;
  };
  CAF_CHECK(valid_websocket_key(request({"dGhlIHNhbXBsZSBub25jZQ=="})));
  CAF_CHECK(!valid_websocket_key(request({})));
  CAF_CHECK(!valid_websocket_key(request({""})));
  CAF_CHECK(!valid_websocket_key(request({"c2hvcnQ="})));
  CAF_CHECK(!valid_websocket_key(request({"dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ=="})));
}

CAF_TEST(close log lines are rate limited per cause and say how many were left out) {
  auto t0 = line_budget::clock::time_point{} + std::chrono::hours(1);
  line_budget budget{close_log_rate, close_log_burst, t0};
  std::uint64_t left_out = 99;
  for (int i = 0; i < 10; ++i) {
    CAF_CHECK(budget.admit(t0, left_out));
    CAF_CHECK_EQUAL(left_out, 0u);
  }
  for (int i = 0; i < 500; ++i)
    CAF_CHECK(!budget.admit(t0, left_out));
  CAF_CHECK(budget.admit(t0 + std::chrono::seconds(1), left_out));
  CAF_CHECK_EQUAL(left_out, 500u);
  CAF_CHECK(!budget.admit(t0 + std::chrono::seconds(1), left_out));
  CAF_CHECK(budget.admit(t0 + std::chrono::seconds(2), left_out));
  CAF_CHECK_EQUAL(left_out, 1u);
  CAF_CHECK_EQUAL(std::string{to_string(close_cause::stalled)}, "slow consumer (stalled)");
  CAF_CHECK_EQUAL(std::string{to_string(close_cause::queue_full)}, "slow consumer (queue full)");
}
