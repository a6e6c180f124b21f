#define CAF_SUITE binary_json
#include <caf/test/unit_test.hpp>

#include <string>

#include "protocol/binary_json.hpp"
#include "protocol/json.hpp"

using namespace atrium::protocol;

namespace {

rapidjson::Document json(std::string_view text) {
  auto doc = parse_json(text);
  CAF_REQUIRE(static_cast<bool>(doc));
  return std::move(*doc);
}

} // namespace

CAF_TEST(placeholders become base64 objects) {
  auto doc = json(R"(["a",{"_placeholder":true,"num":1},{"x":[{"_placeholder":true,"num":0}]}])");
  CAF_CHECK_EQUAL(to_json_with_binary(doc, {"hi", std::string{"\0\xff", 2}}),
                  R"(["a",{"$binary":"AP8="},{"x":[{"$binary":"aGk="}]}])");
}

CAF_TEST(a placeholder naming no attachment is written as null) {
  auto doc = json(R"([{"_placeholder":true,"num":3}])");
  CAF_CHECK_EQUAL(to_json_with_binary(doc, {"a"}), "[null]");
}

CAF_TEST(base64 objects become placeholders numbered in order) {
  auto doc = json(R"([{"$binary":"aGk="},1,{"k":{"$binary":""}}])");
  auto res = from_json_with_binary(doc);
  CAF_REQUIRE(static_cast<bool>(res));
  CAF_CHECK_EQUAL(res->json, R"([{"_placeholder":true,"num":0},1,{"k":{"_placeholder":true,"num":1}}])");
  CAF_REQUIRE_EQUAL(res->attachments.size(), 2u);
  CAF_CHECK_EQUAL(res->attachments[0], "hi");
  CAF_CHECK_EQUAL(res->attachments[1], "");
}

CAF_TEST(objects with more than the binary member stay json) {
  auto doc = json(R"([{"$binary":"aGk=","other":1},{"$binary":5}])");
  auto res = from_json_with_binary(doc);
  CAF_REQUIRE(static_cast<bool>(res));
  CAF_CHECK_EQUAL(res->json, R"([{"$binary":"aGk=","other":1},{"$binary":5}])");
  CAF_CHECK(res->attachments.empty());
}

CAF_TEST(bad base64 and smuggled placeholders are refused) {
  CAF_CHECK(!from_json_with_binary(json(R"([{"$binary":"!!"}])")));
  CAF_CHECK(!from_json_with_binary(json(R"([{"_placeholder":true,"num":0}])")));
}

CAF_TEST(round trip) {
  auto doc = json(R"([{"$binary":"AAEC"},"text",[{"$binary":"/w=="}]])");
  auto res = from_json_with_binary(doc);
  CAF_REQUIRE(static_cast<bool>(res));
  CAF_CHECK_EQUAL(to_json_with_binary(json(res->json), res->attachments), to_json(doc));
}
