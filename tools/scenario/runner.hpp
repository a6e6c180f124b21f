#pragma once

#include <string>

#include "tools/scenario/engine.hpp"
#include "tools/scenario/script.hpp"

namespace atrium::scenario {

struct outcome {
  bool passed = true;
  location where;      // the failing step
  std::string message; // what was expected and what happened
};

/// Runs every step of `s` on `e`, stopping at the first that fails.
outcome run(const script& s, engine& e);

} // namespace atrium::scenario
