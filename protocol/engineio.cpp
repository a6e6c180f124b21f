#include "protocol/engineio.hpp"

#include <algorithm>

#include "protocol/base64.hpp"

namespace atrium::eio {

using protocol::error;
using protocol::make_error;

protocol::result<packet> decode_text(std::string_view text) {
  if (text.empty())
    return make_error(error::empty_packet);
  auto type = text.front();
  if (type == 'b') {
    auto bytes = protocol::decode_base64(text.substr(1));
    if (!bytes)
      return make_error(error::invalid_base64);
    return packet{packet_type::message, std::move(*bytes), true};
  }
  if (type < '0' || type > '6')
    return make_error(error::unknown_packet_type);
  return packet{static_cast<packet_type>(type), std::string{text.substr(1)}, false};
}

packet decode_binary(std::string_view bytes) {
  return packet{packet_type::message, std::string{bytes}, true};
}

protocol::result<std::vector<packet>> decode_payload(std::string_view body,
                                                     std::size_t max_payload) {
  if (body.size() > max_payload)
    return make_error(error::payload_too_large);
  std::vector<packet> packets;
  // One packet per separator plus one: bounded by the body's size.
  packets.reserve(static_cast<std::size_t>(std::count(body.begin(), body.end(), record_separator)) + 1);
  for (;;) {
    auto sep = body.find(record_separator);
    auto decoded = decode_text(body.substr(0, sep));
    if (!decoded)
      return std::move(decoded.error());
    packets.emplace_back(std::move(*decoded));
    if (sep == std::string_view::npos)
      return packets;
    body.remove_prefix(sep + 1);
  }
}

std::string encode_text(const packet& p) {
  std::string out;
  if (p.binary) {
    out.reserve(1 + (p.data.size() + 2) / 3 * 4);
    out += 'b';
    protocol::append_base64(out, p.data);
  } else {
    out.reserve(1 + p.data.size());
    out += static_cast<char>(p.type);
    out += p.data;
  }
  return out;
}

void append_text_segment(std::string& out, std::string_view text_frame) {
  if (!out.empty())
    out += record_separator;
  out.append(text_frame.data(), text_frame.size());
}

void append_binary_segment(std::string& out, std::string_view bytes) {
  if (!out.empty())
    out += record_separator;
  out += 'b';
  protocol::append_base64(out, bytes);
}

} // namespace atrium::eio
