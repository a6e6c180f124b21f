#include <atomic>
#include <string>

#include "actors/namespace_core.hpp"

namespace atrium {

std::string recovery_offset(const namespace_core& core) {
  auto n = core.next_offset.fetch_add(1, std::memory_order_relaxed) + 1;
  return core.offset_origin + '-' + std::to_string(n);
}

bool offset_from_here(const namespace_core& core, const std::string& offset) {
  auto& origin = core.offset_origin;
  return offset.size() > origin.size() && offset.compare(0, origin.size(), origin) == 0
         && offset[origin.size()] == '-';
}

} // namespace atrium
