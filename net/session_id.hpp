#pragma once

#include <string>

namespace atrium::net {

/// A fresh Engine.IO session id: 128 bits from the kernel's CSPRNG (getrandom), base64url
/// without padding (22 characters). Unguessable: knowing a sid is what authorizes a request.
std::string make_session_id();

} // namespace atrium::net
