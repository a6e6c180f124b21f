#include "protocol/base64.hpp"

#include <boost/beast/core/detail/base64.hpp>

namespace atrium::protocol {

namespace b64 = boost::beast::detail::base64;

void append_base64(std::string& out, std::string_view bytes) {
  auto old = out.size();
  out.resize(old + b64::encoded_size(bytes.size()));
  auto n = b64::encode(&out[old], bytes.data(), bytes.size());
  out.resize(old + n);
}

std::optional<std::string> decode_base64(std::string_view text) {
  // Strict (Beast's decoder stops silently at the first invalid character): a multiple of
  // 4 characters, only the standard alphabet, at most two '=' and only at the end, and
  // zero bits in the unused tail of the last character, i.e. the canonical encoding, so
  // every accepted text is exactly append_base64 of its result.
  if (text.size() % 4 != 0)
    return std::nullopt;
  auto size = text.size();
  std::size_t pad = 0;
  if (size > 0 && text[size - 1] == '=') {
    pad = 1;
    if (text[size - 2] == '=')
      pad = 2;
  }
  const signed char* inverse = b64::get_inverse();
  auto data_chars = size - pad;
  for (std::size_t i = 0; i < data_chars; ++i)
    if (inverse[static_cast<unsigned char>(text[i])] < 0)
      return std::nullopt;
  if (pad > 0) {
    auto last = inverse[static_cast<unsigned char>(text[data_chars - 1])];
    // One '=': the last data character carries 2 unused bits; two '=': 4 unused bits.
    if ((last & (pad == 1 ? 0x03 : 0x0f)) != 0)
      return std::nullopt;
  }
  // Decoded here rather than by Beast: the input is already validated, and this loop
  // does not check every character again nor read the missing slots of a short last quad.
  auto value = [&](std::size_t i) {
    return static_cast<unsigned>(inverse[static_cast<unsigned char>(text[i])]);
  };
  std::string out;
  out.resize(size / 4 * 3 - pad);
  char* dst = out.data();
  std::size_t i = 0;
  for (; i + 4 <= data_chars; i += 4) {
    auto v = (value(i) << 18) | (value(i + 1) << 12) | (value(i + 2) << 6) | value(i + 3);
    *dst++ = static_cast<char>(v >> 16);
    *dst++ = static_cast<char>(v >> 8);
    *dst++ = static_cast<char>(v);
  }
  if (pad == 1) { // three data characters: two bytes
    auto v = (value(i) << 18) | (value(i + 1) << 12) | (value(i + 2) << 6);
    *dst++ = static_cast<char>(v >> 16);
    *dst++ = static_cast<char>(v >> 8);
  } else if (pad == 2) { // two data characters: one byte
    auto v = (value(i) << 18) | (value(i + 1) << 12);
    *dst++ = static_cast<char>(v >> 16);
  }
  return out;
}

} // namespace atrium::protocol
