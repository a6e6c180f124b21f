#pragma once

// Helpers shared by the protocol test files: results rendered as strings, so that a
// failing CAF_CHECK_EQUAL prints what was decoded or why it was refused.

#include <string>

#include <caf/atom.hpp>

#include "protocol/error.hpp"

namespace atrium::test {

/// "ok" for a value, the protocol error's name for a refusal.
template <class T>
std::string outcome(const protocol::result<T>& res) {
  if (res)
    return "ok";
  const auto& err = res.error();
  if (err.category() != caf::atom("protocol"))
    return "foreign error";
  return protocol::to_string(static_cast<protocol::error>(err.code()));
}

} // namespace atrium::test
