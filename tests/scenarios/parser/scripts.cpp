#define CAF_SUITE scripts
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/scenarios/parser/common.hpp"

using namespace atrium::scenario;
using namespace atrium::scenario::test;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> scenarios_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".scenario")
      out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool is_expectation(const step& s) {
  return std::holds_alternative<expect_event>(s.body)
         || std::holds_alternative<expect_ack>(s.body)
         || std::holds_alternative<expect_nothing>(s.body)
         || std::holds_alternative<expect_disconnected>(s.body)
         || std::holds_alternative<expect_adapter>(s.body)
         || std::holds_alternative<expect_state>(s.body);
}

} // namespace

// Every script of the suite parses, starts with a comment saying what it pins and has at least
// one expectation (a scenario that expects nothing cannot fail).
CAF_TEST(every scenario of the suite parses) {
  auto files = scenarios_in(SCENARIO_DIR);
  CAF_CHECK(files.size() >= 15);
  for (auto& f : files) {
    CAF_MESSAGE("parsing " << f.string());
    auto text = read(f);
    CAF_CHECK_EQUAL(text.substr(0, 2), "# ");
    auto res = parse(f.string(), text);
    if (auto err = std::get_if<parse_error>(&res)) {
      CAF_FAIL(to_string(*err));
      continue;
    }
    auto& s = std::get<script>(res);
    CAF_CHECK(std::any_of(s.steps.begin(), s.steps.end(), is_expectation));
    CAF_CHECK_NOT_EQUAL(s.title, f.stem().string());
  }
}

// Each failing script names, on its first line, the one step that must fail; that line must
// be an expectation of the script.
CAF_TEST(every failing scenario parses and names its wrong step) {
  auto files = scenarios_in(fs::path{SCENARIO_DIR} / "failing");
  CAF_CHECK(files.size() >= 3);
  const std::string marker = "# expect-failure: ";
  for (auto& f : files) {
    CAF_MESSAGE("parsing " << f.string());
    auto text = read(f);
    CAF_REQUIRE_EQUAL(text.substr(0, marker.size()), marker);
    int line = std::atoi(text.c_str() + marker.size());
    auto res = parse(f.string(), text);
    if (auto err = std::get_if<parse_error>(&res)) {
      CAF_FAIL(to_string(*err));
      continue;
    }
    auto& steps = std::get<script>(res).steps;
    auto it = std::find_if(steps.begin(), steps.end(),
                           [line](const step& s) { return s.where.line == line; });
    CAF_REQUIRE(it != steps.end());
    CAF_CHECK(is_expectation(*it));
  }
}
