#include "tools/bench/room_emit.hpp"

namespace atrium::bench {

std::vector<std::string> quoted_room_names(std::string_view prefix, std::uint32_t count) {
  std::vector<std::string> names;
  names.reserve(count);
  for (std::uint32_t r = 0; r < count; ++r)
    names.push_back("\"" + std::string{prefix} + std::to_string(r) + "\"");
  return names;
}

std::string room_emit_packet(const std::vector<std::string>& room_json,
                             const std::uint32_t* targets, std::size_t count, std::uint64_t seq,
                             std::string_view padding, bool acked) {
  auto digits = std::to_string(seq);
  std::string text;
  text.reserve(64 + 8 * count + padding.size());
  text += "42";
  if (acked)
    text += digits;
  text += R"(["emit",{"to":[)";
  for (std::size_t i = 0; i < count; ++i) {
    if (i)
      text += ',';
    text += room_json[targets[i]];
  }
  text += R"(],"event":"m","args":[{"s":)";
  text += digits;
  text += R"(,"p":")";
  // {"s":,"p":""} is 13 characters; the digits and the padding make up the rest.
  auto fixed = 13 + digits.size();
  if (padding.size() > fixed)
    text.append(padding.substr(0, padding.size() - fixed));
  text += R"("}],"self":true}])";
  return text;
}

} // namespace atrium::bench
