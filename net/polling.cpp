#include "net/polling.hpp"

#include "protocol/engineio.hpp"

namespace atrium::net {

std::string error_body(request_error e) {
  switch (e) {
    case request_error::unknown_transport:
      return R"({"code":0,"message":"Transport unknown"})";
    case request_error::unknown_sid:
      return R"({"code":1,"message":"Session ID unknown"})";
    case request_error::bad_handshake_method:
      return R"({"code":2,"message":"Bad handshake method"})";
    case request_error::bad_request:
      return R"({"code":3,"message":"Bad request"})";
    case request_error::forbidden:
      return R"({"code":4,"message":"Forbidden"})";
    case request_error::unsupported_protocol_version:
      return R"({"code":5,"message":"Unsupported protocol version"})";
  }
  return R"({"code":3,"message":"Bad request"})";
}

std::string encode_payload(const frame_batch& batch) {
  std::size_t size = 0;
  for (const auto& f : batch)
    size += 1 + (f.binary ? 1 + (f.bytes.size() + 2) / 3 * 4 : f.bytes.size());
  std::string out;
  out.reserve(size);
  for (const auto& f : batch) {
    if (f.binary)
      eio::append_binary_segment(out, f.bytes);
    else
      eio::append_text_segment(out, f.bytes);
  }
  return out;
}

} // namespace atrium::net
