#define CAF_SUITE log
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <string>

#include <rapidjson/document.h>

#include "actors/boundary/log.hpp"

using namespace atrium;
using std::chrono::milliseconds;
using std::chrono::system_clock;

namespace {

// 2026-12-07T02:30:23.045Z
const system_clock::time_point when = system_clock::time_point{milliseconds{1796610623045}};

std::string json(std::string_view msg, log::fields fs) {
  return log::format_record(log::format::json, log::level::warn, msg, fs, {}, when);
}

} // namespace

CAF_TEST(json records carry time level msg and fields in order) {
  CAF_CHECK_EQUAL(json("closed session", {{"sid", "abc"}, {"port", 8080}, {"left", -2}}),
                  R"({"time":"2026-12-07T02:30:23.045Z","level":"warn","msg":"closed session",)"
                  R"("sid":"abc","port":8080,"left":-2})");
}

CAF_TEST(json escapes quotes backslashes and control characters) {
  auto line = json("a \"quoted\"\\ msg\n", {{"detail", std::string_view{"tab\there\x01\0z", 11}}});
  CAF_CHECK_EQUAL(line, R"({"time":"2026-12-07T02:30:23.045Z","level":"warn",)"
                        R"("msg":"a \"quoted\"\\ msg\n","detail":"tab\there\u0001\u0000z"})");
  CAF_CHECK(line.find('\n') == std::string::npos);
}

CAF_TEST(json stays valid whatever the bytes) {
  auto line = json("bad \xff\xfe utf-8", {{"addr", "\xc3("}});
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  CAF_REQUIRE(!doc.HasParseError());
  CAF_CHECK_EQUAL(std::string{doc["level"].GetString()}, "warn");
  CAF_CHECK_EQUAL(std::string{doc["msg"].GetString()}, "bad \xef\xbf\xbd\xef\xbf\xbd utf-8");
}

CAF_TEST(text keeps a given line and otherwise writes key = value) {
  auto text = [](log::fields fs, std::string_view given) {
    return log::format_record(log::format::text, log::level::info, "peer up", fs, given, when);
  };
  CAF_CHECK_EQUAL(text({{"peer", "127.0.0.1:7000"}}, "atrium cluster: peer 127.0.0.1:7000 up"),
                  "atrium cluster: peer 127.0.0.1:7000 up");
  CAF_CHECK_EQUAL(text({{"peer", "h:1"}, {"n", 3u}, {"why", "two words"}, {"e", ""}}, {}),
                  R"(atrium: peer up peer=h:1 n=3 why="two words" e="")");
  CAF_CHECK_EQUAL(text({}, "line one\nline two"), "line one line two");
}

CAF_TEST(levels and formats parse and filter) {
  CAF_CHECK(log::parse_level("debug") == log::level::debug);
  CAF_CHECK(!log::parse_level("verbose"));
  CAF_CHECK(log::parse_format("json") == log::format::json);
  CAF_CHECK(!log::parse_format("xml"));
  log::configure(log::level::error, log::format::text);
  CAF_CHECK(log::enabled(log::level::error));
  CAF_CHECK(!log::enabled(log::level::warn));
  log::configure(log::level::debug, log::format::json);
  CAF_CHECK(log::enabled(log::level::debug));
  CAF_CHECK(log::current_format() == log::format::json);
  log::configure(log::level::info, log::format::text);
  CAF_CHECK(!log::enabled(log::level::debug));
  CAF_CHECK(log::enabled(log::level::info));
}
