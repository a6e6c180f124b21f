#pragma once

// The JSON the binary writes for its back end (socket data, API answers, webhooks) is built as
// text, member by member; this is the one piece all of them need.

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

} // namespace atrium::app
