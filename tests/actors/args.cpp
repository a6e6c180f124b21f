#define CAF_SUITE args

#include <caf/test/unit_test.hpp>

#include "actors/packets.hpp"
#include "atrium/args.hpp"
#include "protocol/json.hpp"

using namespace atrium;

CAF_TEST(args encode JSON values in order) {
  args a{"a\"b", 1, -2, true, nullptr, 1.5, raw_json{R"({"k":[1]})"}};
  CAF_CHECK_EQUAL(a.elements(), R"("a\"b",1,-2,true,null,1.5,{"k":[1]})");
  CAF_CHECK(a.attachments().empty());
}

CAF_TEST(binary values become numbered placeholders) {
  args a{binary{"\x01\x02"}, "x", binary{"\x03"}};
  CAF_CHECK_EQUAL(a.elements(), R"({"_placeholder":true,"num":0},"x",{"_placeholder":true,"num":1})");
  CAF_CHECK_EQUAL(a.attachments().size(), 2u);
  auto p = packets::event("/chat", "file", a);
  CAF_CHECK_EQUAL(p->text,
                  R"(452-/chat,["file",{"_placeholder":true,"num":0},"x",{"_placeholder":true,"num":1}])");
  CAF_CHECK_EQUAL(p->attachments, a.attachments());
}

namespace {

// Copies the text: the check macros keep references past the full expression.
std::string text_of(const packet_ptr& p) {
  return p->text;
}

} // namespace

CAF_TEST(packets carry namespace and ack ids) {
  CAF_CHECK_EQUAL(text_of(packets::event("/", "e", {})), R"(42["e"])");
  CAF_CHECK_EQUAL(text_of(packets::event("/", "e", {1}, 12)), R"(4212["e",1])");
  CAF_CHECK_EQUAL(text_of(packets::ack("/custom", 3, {"x"})), R"(43/custom,3["x"])");
  CAF_CHECK_EQUAL(text_of(packets::ack("/", 3, {})), "433[]");
  CAF_CHECK_EQUAL(text_of(packets::connect("/", "abc")), R"(40{"sid":"abc"})");
  CAF_CHECK_EQUAL(text_of(packets::connect_error("/x", "Invalid namespace")),
                  R"(44/x,{"message":"Invalid namespace"})");
  CAF_CHECK_EQUAL(text_of(packets::disconnect("/chat")), "41/chat,");
}

CAF_TEST(received arguments re-emit unchanged) {
  auto doc = protocol::parse_json(R"([{"_placeholder":true,"num":0},"t"])");
  CAF_REQUIRE(doc);
  payload p{std::move(*doc), std::vector<std::string>{"bytes"}};
  CAF_REQUIRE(p.binary_of(p[0]) != nullptr);
  CAF_CHECK_EQUAL(*p.binary_of(p[0]), "bytes");
  CAF_CHECK(p.binary_of(p[1]) == nullptr);
  auto again = p.to_args();
  CAF_CHECK_EQUAL(again.elements(), R"({"_placeholder":true,"num":0},"t")");
  CAF_CHECK_EQUAL(again.attachments(), (std::vector<std::string>{"bytes"}));
}
