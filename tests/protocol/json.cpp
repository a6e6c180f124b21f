#define CAF_SUITE json
#include <caf/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "protocol/json.hpp"
#include "tests/protocol/common.hpp"

using namespace atrium::protocol;
using atrium::test::outcome;

namespace {

// Compact text of the parsed value, or the error's name.
std::string reparse(std::string_view text, std::size_t max_depth = default_max_json_depth) {
  auto doc = parse_json(text, max_depth);
  if (!doc)
    return outcome(doc);
  return to_json(*doc);
}

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string compact(std::string_view s) {
  std::string out;
  append_compact_json(out, s);
  return out;
}

std::string nested(std::size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

} // namespace

CAF_TEST(error names and caf errors) {
  std::set<std::string> names;
  for (int i = 1; i <= static_cast<int>(error::unexpected_attachment); ++i) {
    auto e = static_cast<error>(i);
    std::string name = to_string(e);
    CAF_CHECK_NOT_EQUAL(name, "unknown_protocol_error");
    names.insert(name);
    auto err = make_error(e);
    CAF_CHECK_EQUAL(err.code(), static_cast<std::uint8_t>(i));
    CAF_CHECK(err.category() == caf::atom("protocol"));
  }
  CAF_CHECK_EQUAL(names.size(), static_cast<std::size_t>(error::unexpected_attachment));
  CAF_CHECK_EQUAL(std::string{to_string(error::invalid_json)}, "invalid_json");
  // make_error is found by CAF for the enum, so results can be built from it directly.
  result<int> r = error::json_too_deep;
  CAF_CHECK_EQUAL(outcome(r), "json_too_deep");
}

CAF_TEST(parse_json keeps member order and writes compact text) {
  CAF_CHECK_EQUAL(reparse(R"({"b":1,"a":[true,false,null],"c":"x"})"),
                  R"({"b":1,"a":[true,false,null],"c":"x"})");
  CAF_CHECK_EQUAL(reparse(" { \"z\" : 1 ,\n\t\"a\" : [ 1 , 2 ] , \"m\":{ } }\r\n"),
                  R"({"z":1,"a":[1,2],"m":{}})");
  CAF_CHECK_EQUAL(reparse(R"([[],{},[[]],{"":""}])"), R"([[],{},[[]],{"":""}])");
}

CAF_TEST(parse_json accepts any root value) {
  CAF_CHECK_EQUAL(reparse("null"), "null");
  CAF_CHECK_EQUAL(reparse("true"), "true");
  CAF_CHECK_EQUAL(reparse("false"), "false");
  CAF_CHECK_EQUAL(reparse("42"), "42");
  CAF_CHECK_EQUAL(reparse(R"("s")"), R"("s")");
  auto doc = parse_json("null");
  CAF_REQUIRE(doc);
  CAF_CHECK(doc->IsNull());
}

CAF_TEST(parse_json refuses invalid json) {
  for (auto text : {"", "   ", "{", "[1,]", "{'a':1}", "{\"a\"}", "[1] x", "[1][2]", "01",
                    "NaN", "Infinity", "/* c */1", "[1]//", "undefined", "\"\\x\"",
                    "\"a\nb\"", "\"\xff\"", "\"\xc0\xaf\"", "[\"a\" \"b\"]", "{\"a\":1,}",
                    "1e400"})
    CAF_CHECK_EQUAL(reparse(text), "invalid_json");
  // A NUL byte ends the reader's input: it must not hide trailing garbage.
  CAF_CHECK_EQUAL(reparse(std::string_view{"[1]\0garbage", 11}), "invalid_json");
  CAF_CHECK_EQUAL(reparse(std::string_view{"[1]\0", 4}), "invalid_json");
  CAF_CHECK_EQUAL(reparse(std::string_view{"\"a\0b\"", 5}), "invalid_json");
}

CAF_TEST(parse_json does not read past the view) {
  std::string text = "[1]]";
  CAF_CHECK_EQUAL(reparse(std::string_view{text.data(), 3}), "[1]");
  text = "[12345";
  CAF_CHECK_EQUAL(reparse(std::string_view{text.data(), 3}), "invalid_json");
}

CAF_TEST(parse_json limits nesting depth) {
  CAF_CHECK_EQUAL(reparse(nested(default_max_json_depth)), nested(default_max_json_depth));
  CAF_CHECK_EQUAL(reparse(nested(default_max_json_depth + 1)), "json_too_deep");
  CAF_CHECK_EQUAL(reparse("[[1]]", 2), "[[1]]");
  CAF_CHECK_EQUAL(reparse("[[[1]]]", 2), "json_too_deep");
  CAF_CHECK_EQUAL(reparse(R"({"a":{"b":{}}})", 3), R"({"a":{"b":{}}})");
  CAF_CHECK_EQUAL(reparse(R"({"a":{"b":{}}})", 2), "json_too_deep");
  CAF_CHECK_EQUAL(reparse(R"([{"a":[1]}])", 2), "json_too_deep");
  CAF_CHECK_EQUAL(reparse("1", 0), "1");
  CAF_CHECK_EQUAL(reparse("[]", 0), "json_too_deep");
  // Refused before the end of input: unbalanced deep input is "too deep", not "invalid".
  CAF_CHECK_EQUAL(reparse(std::string(100000, '[')), "json_too_deep");
}

CAF_TEST(parse_json does not recurse) {
  // 100000 levels would overflow the stack of a recursive parser.
  auto deep = nested(100000);
  auto doc = parse_json(deep, std::numeric_limits<std::size_t>::max());
  CAF_CHECK_EQUAL(outcome(doc), "ok");
  CAF_CHECK_EQUAL(outcome(parse_json(std::string(100000, '['), 1000000)), "invalid_json");
}

CAF_TEST(to_json writes numbers as javascript does) {
  CAF_CHECK_EQUAL(reparse("[0,-1,2147483648,-9223372036854775808,18446744073709551615]"),
                  "[0,-1,2147483648,-9223372036854775808,18446744073709551615]");
  CAF_CHECK_EQUAL(reparse("[1.5,-0.25,0.1,100.0,1e21,1E2]"), "[1.5,-0.25,0.1,100,1e+21,100]");
  CAF_CHECK_EQUAL(reparse("1e-7"), "1e-7");
  rapidjson::Value v;
  v.SetDouble(std::nan(""));
  CAF_CHECK_EQUAL(to_json(v), "null");
  v.SetDouble(std::numeric_limits<double>::infinity());
  CAF_CHECK_EQUAL(to_json(v), "null");
}

CAF_TEST(to_json of values built by the program) {
  rapidjson::Document doc;
  doc.SetObject();
  auto& alloc = doc.GetAllocator();
  doc.AddMember("ok", true, alloc);
  rapidjson::Value arr{rapidjson::kArrayType};
  arr.PushBack(1, alloc).PushBack(rapidjson::Value{"a\"b", alloc}, alloc);
  doc.AddMember("list", arr, alloc);
  doc.AddMember("error", rapidjson::Value{"line\nbreak", alloc}, alloc);
  CAF_CHECK_EQUAL(to_json(doc), R"({"ok":true,"list":[1,"a\"b"],"error":"line\nbreak"})");
  // Strings with embedded NULs keep their length.
  rapidjson::Value s{"a\0b", 3, alloc};
  CAF_CHECK_EQUAL(to_json(s), R"("a\u0000b")");
}

CAF_TEST(append_json_string escapes as json stringify) {
  CAF_CHECK_EQUAL(quoted(""), R"("")");
  CAF_CHECK_EQUAL(quoted("plain text/with slash"), R"("plain text/with slash")");
  CAF_CHECK_EQUAL(quoted("q\"b\\"), R"("q\"b\\")");
  CAF_CHECK_EQUAL(quoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  CAF_CHECK_EQUAL(quoted("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"");
  CAF_CHECK_EQUAL(quoted(std::string_view{"\0", 1}), R"("\u0000")");
  CAF_CHECK_EQUAL(quoted("\x1e"), R"("\u001e")");
  CAF_CHECK_EQUAL(quoted("héllo € 😀"), "\"héllo € 😀\"");
  std::string out = "[";
  append_json_string(out, "a");
  CAF_CHECK_EQUAL(out, R"([")" "a\"");
}

CAF_TEST(append_json_string replaces invalid utf8) {
  const std::string fffd = "\xef\xbf\xbd";
  CAF_CHECK_EQUAL(quoted("\xff"), "\"" + fffd + "\"");
  CAF_CHECK_EQUAL(quoted("a\x80z"), "\"a" + fffd + "z\"");
  CAF_CHECK_EQUAL(quoted("\xc0\xaf"), "\"" + fffd + fffd + "\""); // overlong '/'
  CAF_CHECK_EQUAL(quoted("\xed\xa0\x80"), "\"" + fffd + fffd + fffd + "\""); // surrogate
  CAF_CHECK_EQUAL(quoted("\xf4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");
  CAF_CHECK_EQUAL(quoted("\xe2\x82"), "\"" + fffd + fffd + "\""); // truncated
  // Every single byte, and every pair, gives text the parser accepts back.
  for (int i = 0; i < 256; ++i) {
    for (int j = 0; j < 256; j += 17) {
      std::string s{static_cast<char>(i), static_cast<char>(j)};
      auto doc = parse_json(quoted(s));
      CAF_REQUIRE(doc);
      CAF_REQUIRE(doc->IsString());
      if (is_valid_utf8(s))
        CAF_CHECK_EQUAL(std::string(doc->GetString(), doc->GetStringLength()), s);
    }
  }
}

CAF_TEST(is_valid_utf8 follows the unicode table) {
  CAF_CHECK(is_valid_utf8(""));
  CAF_CHECK(is_valid_utf8("ascii"));
  CAF_CHECK(is_valid_utf8("\xc2\x80"));
  CAF_CHECK(is_valid_utf8("\xe0\xa0\x80"));
  CAF_CHECK(is_valid_utf8("\xed\x9f\xbf"));
  CAF_CHECK(is_valid_utf8("\xf0\x90\x80\x80"));
  CAF_CHECK(is_valid_utf8("\xf4\x8f\xbf\xbf"));
  CAF_CHECK(!is_valid_utf8("\xc1\xbf"));
  CAF_CHECK(!is_valid_utf8("\xe0\x9f\xbf"));
  CAF_CHECK(!is_valid_utf8("\xed\xa0\x80"));
  CAF_CHECK(!is_valid_utf8("\xf0\x8f\xbf\xbf"));
  CAF_CHECK(!is_valid_utf8("\xf4\x90\x80\x80"));
  CAF_CHECK(!is_valid_utf8("\xf5\x80\x80\x80"));
  CAF_CHECK(!is_valid_utf8("\x80"));
  CAF_CHECK(!is_valid_utf8("a\xe2\x82"));
}

CAF_TEST(append_compact_json strips whitespace outside strings only) {
  CAF_CHECK_EQUAL(compact(R"([1,"a"])"), R"([1,"a"])");
  CAF_CHECK_EQUAL(compact(" [ 1 ,\n\t\"a b\" ]\r\n"), R"([1,"a b"])");
  CAF_CHECK_EQUAL(compact(R"([ "a \" b" , 1 ])"), R"(["a \" b",1])");
  CAF_CHECK_EQUAL(compact(R"([ "x\\" , "y z" ])"), R"(["x\\","y z"])");
  CAF_CHECK_EQUAL(compact(R"({ "k" : "\\\" v" })"), R"({"k":"\\\" v"})");
  CAF_CHECK_EQUAL(compact(R"([1.0, 1e2, -0])"), R"([1.0,1e2,-0])");
  std::string out = "42";
  append_compact_json(out, R"([ "x" ])");
  CAF_CHECK_EQUAL(out, R"(42["x"])");
}
