#pragma once

// Runs atrium's option parser on a command line given as words, as main() would see it.

#include <caf/test/unit_test.hpp>

#include <optional>
#include <string>
#include <vector>

#include "tools/atrium/options.hpp"

namespace atrium::test {

struct parsed {
  std::optional<cli::options> opts;
  std::string problem;
};

inline parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "atrium");
  std::vector<char*> argv;
  for (auto& arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  parsed out;
  out.opts = cli::parse(static_cast<int>(args.size()), argv.data(), out.problem);
  return out;
}

// "ok", or what the parser said was wrong: a failing check prints it.
inline std::string problem(std::vector<std::string> args) {
  auto res = parse(std::move(args));
  return res.opts ? "ok" : res.problem;
}

// The options of a command line that must parse.
inline cli::options accepted(std::vector<std::string> args) {
  auto res = parse(std::move(args));
  CAF_REQUIRE_EQUAL(res.problem, "");
  CAF_REQUIRE(res.opts.has_value());
  return std::move(*res.opts);
}

} // namespace atrium::test
