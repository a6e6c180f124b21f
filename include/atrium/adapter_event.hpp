#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace atrium {

/// The in-memory adapter's events. For one cause they come in this order: create-room before
/// join-room, leave-room before delete-room.
enum class adapter_event_type : std::uint8_t { create_room, delete_room, join_room, leave_room };

const char* to_string(adapter_event_type t);

struct adapter_event {
  adapter_event_type type;
  std::string room;
  std::string sid; // empty for create-room and delete-room
};

/// Runs on the namespace supervisor, synchronously, as the adapter changes: keep it short.
/// A broadcast it emits is applied at once, before the next adapter change.
using adapter_listener = std::function<void(const adapter_event&)>;

} // namespace atrium
