#pragma once

// Numbers written in decimal where a person or a script writes them: command-line values,
// scenario scripts, HOST:PORT addresses. The one number parser of the code base outside the
// packet decoders (those read digits off the front of a packet and go on from where they end).

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace atrium::protocol {

/// The number that is the whole of `text`, or nullopt. Integers are base-10 digits, with a
/// leading '-' only for signed types (never a '+', never whitespace: `strtoul` would take " -1"
/// as 18446744073709551615); a value that does not fit in `T` is refused, not wrapped.
/// Floating-point numbers are decimal (`2.5`, `1e3`), finite: no `inf`, no `nan`, no hex.
template <class T>
std::optional<T> parse_decimal(std::string_view text) {
  static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>,
                "parse_decimal reads integers and floating-point numbers");
  const char* first = text.data();
  const char* last = first + text.size();
  T value{};
  std::from_chars_result res;
  if constexpr (std::is_floating_point_v<T>)
    res = std::from_chars(first, last, value, std::chars_format::general);
  else
    res = std::from_chars(first, last, value, 10);
  if (res.ec != std::errc{} || res.ptr != last)
    return std::nullopt;
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value))
      return std::nullopt;
  }
  return value;
}

} // namespace atrium::protocol
