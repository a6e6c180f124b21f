#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace atrium {

/// A fresh unguessable identifier: `bytes` from the kernel's CSPRNG (getrandom) in base64url
/// without padding. An Engine.IO session id authorizes requests: 128 bits, 22 characters.
std::string random_id(std::size_t bytes = 16);

inline constexpr std::size_t socket_id_bytes = 11;
inline constexpr std::size_t socket_id_length = (socket_id_bytes * 8 + 5) / 6;

/// A Socket.IO socket id: 88 random bits in 15 characters. Socket ids are not credentials
/// (servers show them to other clients), and 15 characters stay inside std::string's own
/// buffer: the socket, its room set and the adapter's maps each hold one without allocating.
inline std::string random_socket_id() {
  return random_id(socket_id_bytes);
}

/// Whether `name` has the form random_socket_id() gives (a room of that name may be a
/// socket's own-id room, on this node or another).
bool has_socket_id_form(std::string_view name);

} // namespace atrium
