#define CAF_SUITE handshake

#include <caf/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "atrium/handshake.hpp"

using namespace atrium;

CAF_TEST(a shared string map finds every entry and iterates in name order) {
  shared_string_map m{{{"user-agent", "node"}, {"accept", ""}, {"x-long-header-name", "v"},
                       {"cookie", std::string(300, 'c')}}};
  CAF_CHECK_EQUAL(m.size(), 4u);
  CAF_CHECK_EQUAL(m.at("user-agent"), "node");
  CAF_CHECK_EQUAL(m.at("accept"), "");
  CAF_CHECK_EQUAL(m.at("cookie"), std::string(300, 'c'));
  CAF_CHECK_EQUAL(m.count("x-long-header-name"), 1u);
  CAF_CHECK_EQUAL(m.count("x-long"), 0u);
  CAF_CHECK(m.find("zzz") == m.end());
  std::vector<std::string> names;
  for (auto& [name, value] : m)
    names.emplace_back(name);
  CAF_CHECK_EQUAL(names, (std::vector<std::string>{"accept", "cookie", "user-agent",
                                                   "x-long-header-name"}));
  bool threw = false;
  try {
    (void) m.at("missing");
  } catch (const std::out_of_range&) {
    threw = true;
  }
  CAF_CHECK(threw);
}

CAF_TEST(copies of a shared string map share it and an empty one has nothing) {
  shared_string_map a{{{"k", "v"}}};
  auto b = a;
  CAF_CHECK_EQUAL(&*a.begin(), &*b.begin());
  shared_string_map none;
  CAF_CHECK(none.empty());
  CAF_CHECK(none.begin() == none.end());
  CAF_CHECK_EQUAL(none.count("k"), 0u);
}
