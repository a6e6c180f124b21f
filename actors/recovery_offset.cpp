#include <atomic>
#include <string>

#include "actors/boundary/random_id.hpp"
#include "actors/namespace_core.hpp"

namespace atrium {

std::string recovery_offset(const namespace_core& core) {
  static const std::string prefix = random_id(6);
  auto n = core.next_offset.fetch_add(1, std::memory_order_relaxed) + 1;
  return prefix + '-' + std::to_string(n);
}

} // namespace atrium
