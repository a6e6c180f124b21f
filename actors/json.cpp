#include "atrium/json.hpp"

#include "protocol/json.hpp"

namespace atrium {

std::optional<rapidjson::Document> parse_json(std::string_view text) {
  auto parsed = protocol::parse_json(text);
  if (!parsed)
    return std::nullopt;
  return std::move(*parsed);
}

} // namespace atrium
