#pragma once

// What the rooms app lets a client do by itself. The defaults are safe on a public network:
// a client joins rooms (never another socket's own-id room), broadcasts only to rooms it is
// in, and cannot inspect or command other sockets.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "atrium/socket.hpp"

namespace atrium::app {

struct client_policy {
  enum class emit_scope : std::uint8_t {
    none,   // clients never broadcast
    member, // only to rooms they are in, and never to the whole namespace
    any,    // anywhere (conformance runs, benchmarks, trusted clients)
  };

  /// Room names a client may join (`*` any run of characters, `?` one); none listed: any name.
  std::vector<std::string> join_patterns;
  emit_scope emit = emit_scope::member;
  bool private_messages = true;
  /// Operations on other sockets or the whole adapter: adapter, watch, fetch-sockets,
  /// sockets-join, sockets-leave, disconnect-sockets, all-rooms, cluster, server-side-emit.
  bool admin = false;
  std::size_t max_rooms_per_socket = 1000; // its own-id room included
  std::size_t max_room_name = 256;         // bytes

  /// Every client may do everything: for tests, benchmarks and trusted networks only.
  static client_policy trusted() {
    client_policy p;
    p.emit = emit_scope::any;
    p.admin = true;
    return p;
  }

  /// Why `s` may not join `rooms`, or nullopt when it may as far as names and numbers go (the
  /// rooms app also refuses other sockets' own-id rooms, which takes asking the cluster).
  std::optional<std::string> refuse_join(const socket& s,
                                         const std::vector<std::string>& rooms) const;
  /// Why `s` may not broadcast to `to` (empty: the whole namespace), or nullopt.
  std::optional<std::string> refuse_emit(const socket& s, const std::vector<std::string>& to) const;
};

/// Parses `none`, `member` or `any`.
std::optional<client_policy::emit_scope> parse_emit_scope(std::string_view text);

/// `*` matches any run of characters (none included), `?` exactly one; nothing else is special.
bool glob_match(std::string_view pattern, std::string_view text);

} // namespace atrium::app
