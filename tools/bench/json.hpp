// The little JSON the bench writes itself: quoted strings for the join/emit packets and the
// report line. Nothing here is on the per-delivery path.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace atrium::bench {

inline std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

} // namespace atrium::bench
