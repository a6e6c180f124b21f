#define CAF_SUITE base64
#include <caf/test/unit_test.hpp>

#include <string>

#include "protocol/base64.hpp"

using namespace atrium::protocol;

namespace {

std::string encode(std::string_view bytes) {
  std::string out;
  append_base64(out, bytes);
  return out;
}

// "<nullopt>" or the decoded bytes, so that a failing check prints something readable.
std::string decode(std::string_view text) {
  auto res = decode_base64(text);
  return res ? *res : std::string{"<nullopt>"};
}

} // namespace

CAF_TEST(rfc 4648 test vectors encode) {
  CAF_CHECK_EQUAL(encode(""), "");
  CAF_CHECK_EQUAL(encode("f"), "Zg==");
  CAF_CHECK_EQUAL(encode("fo"), "Zm8=");
  CAF_CHECK_EQUAL(encode("foo"), "Zm9v");
  CAF_CHECK_EQUAL(encode("foob"), "Zm9vYg==");
  CAF_CHECK_EQUAL(encode("fooba"), "Zm9vYmE=");
  CAF_CHECK_EQUAL(encode("foobar"), "Zm9vYmFy");
}

CAF_TEST(rfc 4648 test vectors decode) {
  auto empty = decode_base64("");
  CAF_REQUIRE(empty.has_value());
  CAF_CHECK(empty->empty());
  CAF_CHECK_EQUAL(decode("Zg=="), "f");
  CAF_CHECK_EQUAL(decode("Zm8="), "fo");
  CAF_CHECK_EQUAL(decode("Zm9v"), "foo");
  CAF_CHECK_EQUAL(decode("Zm9vYg=="), "foob");
  CAF_CHECK_EQUAL(decode("Zm9vYmE="), "fooba");
  CAF_CHECK_EQUAL(decode("Zm9vYmFy"), "foobar");
}

CAF_TEST(engine.io spec example) {
  const std::string bytes{"\x01\x02\x03\x04", 4};
  CAF_CHECK_EQUAL(encode(bytes), "AQIDBA==");
  CAF_CHECK_EQUAL(decode("AQIDBA=="), bytes);
}

CAF_TEST(append keeps what is already there) {
  std::string out = "b";
  append_base64(out, "foo");
  CAF_CHECK_EQUAL(out, "bZm9v");
  append_base64(out, "f");
  CAF_CHECK_EQUAL(out, "bZm9vZg==");
}

CAF_TEST(every byte value and every tail length round trip) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  for (std::size_t len = 0; len <= all.size(); ++len) {
    auto bytes = all.substr(all.size() - len); // ends with 0xff: high bits matter
    auto text = encode(bytes);
    CAF_CHECK_EQUAL(text.size(), (len + 2) / 3 * 4);
    auto back = decode_base64(text);
    CAF_REQUIRE(back.has_value());
    CAF_CHECK_EQUAL(*back, bytes);
  }
  // Both alphabet extras appear: 0xfb 0xff -> "+/8=".
  CAF_CHECK_EQUAL(encode("\xfb\xff"), "+/8=");
  CAF_CHECK_EQUAL(decode("+/8="), "\xfb\xff");
}

CAF_TEST(invalid lengths are refused) {
  for (auto text : {"Z", "Zg", "Zg=", "Zm9vY", "Zm9vYg", "Zm9vYg="})
    CAF_CHECK(!decode_base64(text).has_value());
}

CAF_TEST(characters outside the standard alphabet are refused) {
  for (auto text : {"Zm9!", "Zm9v\n", "Zm 9", " Zm9", "Zm-_", "Zm9v\r\n", "Zm9\x80"})
    CAF_CHECK(!decode_base64(text).has_value());
  CAF_CHECK(!decode_base64(std::string_view{"Zm9\0", 4}).has_value());
}

CAF_TEST(misplaced or excess padding is refused) {
  for (auto text : {"====", "Z===", "Zg=a", "=Zg=", "Zg==Zg==", "Z=g=", "Zm9v====", "Zm=v"})
    CAF_CHECK(!decode_base64(text).has_value());
}

CAF_TEST(non canonical trailing bits are refused) {
  // "Zh==" and "Zm9=" decode to "f" / "fo" in lenient decoders, but the unused bits
  // are not zero: only the canonical "Zg==" / "Zm8=" are accepted.
  CAF_CHECK(!decode_base64("Zh==").has_value());
  CAF_CHECK(!decode_base64("Zm9=").has_value());
  CAF_CHECK(!decode_base64("AQIDBB==").has_value());
  // With two '=' the last character's four low bits are unused, not only the two lowest.
  CAF_CHECK(!decode_base64("ZE==").has_value());
  CAF_CHECK(!decode_base64("AQIDBI==").has_value());
  CAF_CHECK(decode_base64("ZA==").has_value());
  CAF_CHECK(decode_base64("Zg==").has_value());
  CAF_CHECK(decode_base64("Zm8=").has_value());
}
