#include "tools/bench/proc_stats.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

namespace atrium::bench {

namespace {

std::string proc_path(int pid, const char* file) {
  return "/proc/" + (pid == 0 ? std::string{"self"} : std::to_string(pid)) + "/" + file;
}

} // namespace

std::optional<double> cpu_seconds(int pid) {
  std::ifstream in{proc_path(pid, "stat")};
  std::string line;
  if (!std::getline(in, line))
    return std::nullopt;
  // The command name (field 2) may hold blanks and parentheses; the fields after its last ')'
  // are plain numbers, starting with the state (field 3). utime and stime are fields 14 and 15.
  auto close = line.rfind(')');
  if (close == std::string::npos)
    return std::nullopt;
  std::istringstream fields{line.substr(close + 1)};
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int n = 3; n <= 15 && fields >> field; ++n) {
    if (n == 14)
      utime = std::strtoull(field.c_str(), nullptr, 10);
    else if (n == 15)
      stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  if (!fields)
    return std::nullopt;
  static const long ticks_per_second = sysconf(_SC_CLK_TCK);
  return static_cast<double>(utime + stime) / static_cast<double>(ticks_per_second);
}

std::optional<long> rss_kb(int pid) {
  std::ifstream in{proc_path(pid, "status")};
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0)
      return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return std::nullopt;
}

long raise_open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return -1;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? -1 : static_cast<long>(limit.rlim_cur);
}

} // namespace atrium::bench
