#pragma once

// Binary arguments in plain JSON, for HTTP peers that cannot send Socket.IO attachments (the
// server API's bodies, webhooks): an attachment is written `{"$binary":"<base64>"}` where a
// packet has its placeholder `{"_placeholder":true,"num":N}`.

#include <cstddef>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "protocol/error.hpp"

namespace atrium::protocol {

/// `value` as compact JSON, each placeholder replaced by `{"$binary":...}` of the attachment it
/// names (a placeholder naming none is written as null).
std::string to_json_with_binary(const rapidjson::Value& value,
                                const std::vector<std::string>& attachments);

/// The other way: JSON with placeholders, and the attachments they number in order of
/// appearance. An object is binary when its only member is "$binary" with a string; bad
/// base64 there is an error, as is a `_placeholder` object (which the peer cannot mean).
struct json_with_attachments {
  std::string json;
  std::vector<std::string> attachments;
};
result<json_with_attachments> from_json_with_binary(const rapidjson::Value& value);

} // namespace atrium::protocol
