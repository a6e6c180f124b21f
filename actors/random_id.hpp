#pragma once

#include <string>

namespace atrium {

/// A fresh unguessable identifier: 120 bits from the system CSPRNG, base64url, 20 characters
/// (the shape of Socket.IO's ids).
std::string random_id();

} // namespace atrium
