#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace atrium::protocol {

/// Appends the standard (RFC 4648, padded) base64 form of `bytes` to `out`.
void append_base64(std::string& out, std::string_view bytes);

/// Decodes padded standard base64; nullopt when `text` is not valid base64.
std::optional<std::string> decode_base64(std::string_view text);

} // namespace atrium::protocol
