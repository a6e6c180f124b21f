#include "tools/atrium/client_policy.hpp"

#include <algorithm>
#include <set>

namespace atrium::app {

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matching with one backtrack point (the last `*`): linear in practice, and never
  // exponential whatever the pattern.
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

std::optional<std::string> client_policy::refuse_join(const socket& s,
                                                      const std::vector<std::string>& rooms) const {
  std::set<std::string_view> added; // a name listed twice is one more room
  for (auto& room : rooms) {
    if (s.rooms().count(room) > 0 || added.count(room) > 0)
      continue; // already in it
    if (room.empty())
      return "a room name cannot be empty";
    if (room.size() > max_room_name)
      return "room names are at most " + std::to_string(max_room_name) + " bytes";
    if (!join_patterns.empty()
        && std::none_of(join_patterns.begin(), join_patterns.end(),
                        [&](const std::string& p) { return glob_match(p, room); }))
      return "room " + room + " may not be joined";
    added.insert(room);
  }
  if (s.rooms().size() + added.size() > max_rooms_per_socket)
    return "a socket is in at most " + std::to_string(max_rooms_per_socket) + " rooms";
  return std::nullopt;
}

std::optional<std::string> client_policy::refuse_emit(const socket& s,
                                                      const std::vector<std::string>& to) const {
  switch (emit) {
    case emit_scope::any:
      return std::nullopt;
    case emit_scope::none:
      return "clients may not broadcast";
    case emit_scope::member:
      if (to.empty())
        return "clients may broadcast only to rooms they are in, not to everyone";
      for (auto& room : to)
        if (s.rooms().count(room) == 0)
          return "not in room " + room;
      return std::nullopt;
  }
  return "clients may not broadcast";
}

std::optional<client_policy::emit_scope> parse_emit_scope(std::string_view text) {
  if (text == "none")
    return client_policy::emit_scope::none;
  if (text == "member")
    return client_policy::emit_scope::member;
  if (text == "any")
    return client_policy::emit_scope::any;
  return std::nullopt;
}

} // namespace atrium::app
