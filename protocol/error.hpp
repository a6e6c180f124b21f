#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace atrium::protocol {

/// Why a codec refused its input. Every decoder returns one of these instead of throwing.
enum class error : std::uint8_t {
  empty_packet = 1,
  unknown_packet_type,
  invalid_base64,
  payload_too_large,
  invalid_json,
  json_too_deep,
  invalid_namespace,
  invalid_ack_id,
  invalid_attachment_count,
  too_many_attachments,
  invalid_payload,     // well-formed JSON of the wrong shape for this packet type
  unexpected_attachment,
};

const char* to_string(error e);

caf::error make_error(error e);

template <class T>
using result = caf::expected<T>;

} // namespace atrium::protocol
