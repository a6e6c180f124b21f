#include "atrium/disconnect_reason.hpp"

namespace atrium {

const char* to_string(disconnect_reason r) {
  switch (r) {
    case disconnect_reason::transport_close: return "transport close";
    case disconnect_reason::transport_error: return "transport error";
    case disconnect_reason::ping_timeout: return "ping timeout";
    case disconnect_reason::parse_error: return "parse error";
    case disconnect_reason::client_namespace_disconnect: return "client namespace disconnect";
    case disconnect_reason::server_namespace_disconnect: return "server namespace disconnect";
    case disconnect_reason::forced_close: return "forced close";
    case disconnect_reason::server_shutting_down: return "server shutting down";
  }
  return "unknown";
}

} // namespace atrium
