#pragma once

namespace atrium {

/// The CPUs this process may run on: its affinity mask, not every core of the machine (a
/// process pinned to one core that counts all of them oversubscribes it).
unsigned usable_cpus();

} // namespace atrium
