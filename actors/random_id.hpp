#pragma once

#include <cstddef>
#include <string>

namespace atrium {

/// A fresh unguessable identifier: `bytes` from the kernel's CSPRNG (getrandom) in base64url
/// without padding. An Engine.IO session id authorizes requests: 128 bits, 22 characters.
std::string random_id(std::size_t bytes = 16);

/// A Socket.IO socket id: 88 random bits in 15 characters. Socket ids are not credentials
/// (servers show them to other clients), and 15 characters stay inside std::string's own
/// buffer: the socket, its room set and the adapter's maps each hold one without allocating.
inline std::string random_socket_id() {
  return random_id(11);
}

} // namespace atrium
