#pragma once

#include <map>
#include <string>
#include <string_view>

namespace atrium::net {

/// An HTTP request target split into its path and its decoded query parameters.
struct request_target {
  std::string path;
  std::map<std::string, std::string> query; // first occurrence of a key wins
};

/// Splits `target` ("/socket.io/?EIO=4&transport=polling") and percent-decodes the query
/// ('+' is a space). Malformed escapes are kept as they are.
request_target parse_target(std::string_view target);

/// The value of one hexadecimal digit of a percent escape, or -1 when `c` is none.
int hex_value(char c) noexcept;

/// Percent-decoding of one query component.
std::string url_decode(std::string_view s);

} // namespace atrium::net
