#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "protocol/error.hpp"

namespace atrium::protocol {

/// Nesting beyond this is refused before any tree is built.
constexpr std::size_t default_max_json_depth = 32;

/// Parses `text` (one complete JSON value, nothing after it but whitespace) without
/// recursion; refuses nesting deeper than `max_depth`.
result<rapidjson::Document> parse_json(std::string_view text,
                                       std::size_t max_depth = default_max_json_depth);

/// Compact JSON text of `value` (no spaces), member order preserved; strings escaped as
/// by append_json_string, non-finite numbers as null (as JSON.stringify does).
/// Recurses once per nesting level of `value`: meant for values from parse_json (depth
/// bounded) or built by the program, not for trees of unbounded depth.
std::string to_json(const rapidjson::Value& value);

/// Appends `s` as a JSON string literal (quotes and escapes included), escaped as
/// JavaScript's JSON.stringify does ('"', '\\', control characters; "\u00xx" in lower
/// case). Bytes that are not valid UTF-8 become U+FFFD, so the result is always valid JSON.
void append_json_string(std::string& out, std::string_view s);

/// Appends `valid_json` without the whitespace outside its strings: numbers, strings
/// and member order stay byte for byte. `valid_json` must already be valid JSON (removing
/// whitespace from invalid text can make it look valid, e.g. "1 2" -> "12").
void append_compact_json(std::string& out, std::string_view valid_json);

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points
/// above U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;

} // namespace atrium::protocol
