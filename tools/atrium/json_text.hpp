#pragma once

// The JSON the binary writes for its back end (socket data, API answers, webhooks) is built as
// text, member by member; these are the pieces more than one of them needs.

#include <string>

#include "protocol/json.hpp"

namespace atrium::app {

/// `items` (strings, in their order) appended to `out` as a JSON array.
template <class Strings>
void append_json_strings(std::string& out, const Strings& items) {
  out += '[';
  bool first = true;
  for (auto& s : items) {
    if (!first)
      out += ',';
    first = false;
    protocol::append_json_string(out, s);
  }
  out += ']';
}

/// `s` as a JSON string, or null when empty (an anonymous socket's user).
inline void append_json_string_or_null(std::string& out, const std::string& s) {
  if (s.empty())
    out += "null";
  else
    protocol::append_json_string(out, s);
}

} // namespace atrium::app
