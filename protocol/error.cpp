#include "protocol/error.hpp"

#include <caf/atom.hpp>

namespace atrium::protocol {

const char* to_string(error e) {
  switch (e) {
    case error::empty_packet:
      return "empty_packet";
    case error::unknown_packet_type:
      return "unknown_packet_type";
    case error::invalid_base64:
      return "invalid_base64";
    case error::payload_too_large:
      return "payload_too_large";
    case error::invalid_json:
      return "invalid_json";
    case error::json_too_deep:
      return "json_too_deep";
    case error::invalid_namespace:
      return "invalid_namespace";
    case error::invalid_ack_id:
      return "invalid_ack_id";
    case error::invalid_attachment_count:
      return "invalid_attachment_count";
    case error::too_many_attachments:
      return "too_many_attachments";
    case error::invalid_payload:
      return "invalid_payload";
    case error::unexpected_attachment:
      return "unexpected_attachment";
  }
  return "unknown_protocol_error";
}

caf::error make_error(error e) {
  return caf::error(static_cast<std::uint8_t>(e), caf::atom("protocol"));
}

} // namespace atrium::protocol
