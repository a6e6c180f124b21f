#pragma once

#include <string>

namespace atrium {

/// A fresh unguessable identifier (Engine.IO session ids, Socket.IO socket ids): 128 bits from
/// the kernel's CSPRNG (getrandom), base64url without padding, 22 characters. Knowing a sid is
/// what authorizes a request, and a socket id names a private room.
std::string random_id();

} // namespace atrium
