#include "actors/boundary/usable_cpus.hpp"

#include <algorithm>
#include <thread>

#include <sched.h>

namespace atrium {

unsigned usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0)
    return std::max(1u, std::thread::hardware_concurrency());
  return std::max(1, CPU_COUNT(&set));
}

} // namespace atrium
