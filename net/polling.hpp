#pragma once

// HTTP long-polling: how a session answers a request, and the payload encoding of a batch.

#include <memory>
#include <string>

#include "net/frame.hpp"

namespace atrium::net {

/// The HTTP side of one polling request, as a session sees it. `respond` is called at most
/// once, from any thread: the connection writes the response on its own strand.
class poll_responder {
public:
  virtual ~poll_responder() = default;
  virtual void respond(unsigned status, std::string body) = 0;
};
using poll_responder_ptr = std::shared_ptr<poll_responder>;

/// Engine.IO's HTTP error codes (the JSON body of a 400, as the reference server sends it).
enum class request_error : unsigned {
  unknown_transport = 0,
  unknown_sid = 1,
  bad_handshake_method = 2,
  bad_request = 3,
  forbidden = 4,
  unsupported_protocol_version = 5,
};

/// `{"code":N,"message":"..."}`
std::string error_body(request_error e);

/// Joins a batch into one polling payload: text frames as they are, binary frames as
/// 'b' + base64, separated by '\x1e'.
std::string encode_payload(const frame_batch& batch);

} // namespace atrium::net
