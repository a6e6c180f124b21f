#pragma once

#include <memory>

#include "net/session_handler.hpp"

namespace atrium::net {

class engine_session;

/// The bare Engine.IO endpoint of the conformance suite: every message goes back unchanged,
/// text as text, binary as binary.
std::unique_ptr<session_handler> make_echo_handler(engine_session& session);

} // namespace atrium::net
