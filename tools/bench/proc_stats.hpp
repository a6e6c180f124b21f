// What the kernel knows about a process's cost: CPU time and resident memory, read from /proc.
#pragma once

#include <optional>

namespace atrium::bench {

/// User plus system CPU time of a process (0 = this one), in seconds. Nothing if it is gone.
std::optional<double> cpu_seconds(int pid);

/// VmRSS of a process (0 = this one), in kB. Nothing if it is gone.
std::optional<long> rss_kb(int pid);

/// Raises the soft limit on open files to the hard one: a thousand connections need a thousand
/// descriptors. Returns the soft limit in force afterwards.
long raise_open_files_limit();

} // namespace atrium::bench
