#pragma once

#include <optional>
#include <string_view>

#include <rapidjson/document.h>

namespace atrium {

/// Parses one JSON value (a handshake's `auth`, say) as Atrium parses what clients send:
/// nesting bounded, nothing but whitespace after it. Nullopt when it is not valid JSON.
std::optional<rapidjson::Document> parse_json(std::string_view text);

} // namespace atrium
