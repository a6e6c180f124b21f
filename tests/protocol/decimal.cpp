#define CAF_SUITE decimal
#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "protocol/decimal.hpp"

using atrium::protocol::parse_decimal;

namespace {

// The number as text, or "<nullopt>", so that a failing check prints what was parsed.
template <class T>
std::string parsed(std::string_view text) {
  auto value = parse_decimal<T>(text);
  if (!value)
    return "<nullopt>";
  return std::to_string(*value);
}

const std::string refused = "<nullopt>";

} // namespace

CAF_TEST(the whole text is one decimal integer) {
  CAF_CHECK_EQUAL(parsed<unsigned>("0"), "0");
  CAF_CHECK_EQUAL(parsed<unsigned>("3000"), "3000");
  CAF_CHECK_EQUAL(parsed<unsigned>("007"), "7");
  CAF_CHECK_EQUAL(parsed<unsigned>(""), refused);
  CAF_CHECK_EQUAL(parsed<unsigned>("12a"), refused);
  CAF_CHECK_EQUAL(parsed<unsigned>("a12"), refused);
  CAF_CHECK_EQUAL(parsed<unsigned>("1 "), refused);
  CAF_CHECK_EQUAL(parsed<unsigned>(" 1"), refused);
  CAF_CHECK_EQUAL(parsed<unsigned>("1.5"), refused);
  CAF_CHECK_EQUAL(parsed<unsigned>("1e3"), refused);
  CAF_CHECK_EQUAL(parsed<unsigned>("0x10"), refused);
}

CAF_TEST(no sign surprises) {
  // strtoul takes "-1" (and " -1") as the largest unsigned long.
  CAF_CHECK_EQUAL(parsed<unsigned>("-1"), refused);
  CAF_CHECK_EQUAL(parsed<std::uint64_t>("-1"), refused);
  CAF_CHECK_EQUAL(parsed<std::uint64_t>("-0"), refused);
  CAF_CHECK_EQUAL(parsed<unsigned>("+1"), refused);
  CAF_CHECK_EQUAL(parsed<int>("-42"), "-42");
  CAF_CHECK_EQUAL(parsed<int>("+42"), refused);
  CAF_CHECK_EQUAL(parsed<int>("- 42"), refused);
}

CAF_TEST(a value that does not fit the type is refused) {
  CAF_CHECK_EQUAL(parsed<std::uint16_t>("65535"), "65535");
  CAF_CHECK_EQUAL(parsed<std::uint16_t>("65536"), refused);
  CAF_CHECK_EQUAL(parsed<std::uint16_t>("70000"), refused);
  CAF_CHECK_EQUAL(parsed<std::uint32_t>("4294967295"), "4294967295");
  CAF_CHECK_EQUAL(parsed<std::uint32_t>("4294967296"), refused);
  CAF_CHECK_EQUAL(parsed<std::uint64_t>("18446744073709551615"), "18446744073709551615");
  CAF_CHECK_EQUAL(parsed<std::uint64_t>("18446744073709551616"), refused);
  CAF_CHECK_EQUAL(parsed<std::uint64_t>("99999999999999999999999999"), refused);
  CAF_CHECK_EQUAL(parsed<int>("2147483647"), "2147483647");
  CAF_CHECK_EQUAL(parsed<int>("-2147483648"), "-2147483648");
  CAF_CHECK_EQUAL(parsed<int>("2147483648"), refused);
  CAF_CHECK_EQUAL(parsed<int>("-2147483649"), refused);
}

CAF_TEST(floating point numbers are decimal and finite) {
  CAF_CHECK_EQUAL(parsed<double>("1000"), "1000.000000");
  CAF_CHECK_EQUAL(parsed<double>("2.5"), "2.500000");
  CAF_CHECK_EQUAL(parsed<double>(".5"), "0.500000");
  CAF_CHECK_EQUAL(parsed<double>("1e3"), "1000.000000");
  CAF_CHECK_EQUAL(parsed<double>("-0.25"), "-0.250000");
  CAF_CHECK_EQUAL(parsed<double>(""), refused);
  CAF_CHECK_EQUAL(parsed<double>("+1"), refused);
  CAF_CHECK_EQUAL(parsed<double>(" 1"), refused);
  CAF_CHECK_EQUAL(parsed<double>("1x"), refused);
  CAF_CHECK_EQUAL(parsed<double>("1,5"), refused);
  CAF_CHECK_EQUAL(parsed<double>("inf"), refused);
  CAF_CHECK_EQUAL(parsed<double>("-infinity"), refused);
  CAF_CHECK_EQUAL(parsed<double>("nan"), refused);
  CAF_CHECK_EQUAL(parsed<double>("0x10"), refused);
  CAF_CHECK_EQUAL(parsed<double>("1e400"), refused);
}

CAF_TEST(the text need not end in a nul) {
  // A view into a longer buffer: only its own characters count.
  std::string_view host_port = "127.0.0.1:7001xyz";
  CAF_CHECK_EQUAL(parsed<std::uint16_t>(host_port.substr(10, 4)), "7001");
  CAF_CHECK_EQUAL(parsed<std::uint16_t>(host_port.substr(10)), refused);
}
