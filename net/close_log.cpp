#include "net/close_log.hpp"

#include <array>
#include <cstdio>
#include <mutex>
#include <string>


namespace atrium::net {

const char* to_string(close_cause c) noexcept {
  switch (c) {
    case close_cause::stalled:
      return "slow consumer (stalled)";
    case close_cause::queue_full:
      return "slow consumer (queue full)";
    case close_cause::flood:
      return "flood";
    case close_cause::too_large:
      return "payload too large";
    case close_cause::protocol_error:
      return "protocol error";
  }
  return "?";
}

namespace {

struct cause_budget {
  std::mutex mtx;
  line_budget lines{close_log_rate, close_log_burst};
};

std::array<cause_budget, close_cause_count>& budgets() {
  static std::array<cause_budget, close_cause_count> all;
  return all;
}

} // namespace

void log_close(close_cause cause, std::string_view sid, std::string_view address,
               std::string_view detail) {
  auto& budget = budgets()[static_cast<std::size_t>(cause)];
  std::uint64_t left_out = 0;
  {
    std::lock_guard<std::mutex> guard{budget.mtx};
    if (!budget.lines.admit(line_budget::clock::now(), left_out))
      return;
  }
  // Built first and written with one call, so that lines of several threads never interleave.
  std::string line = "atrium: closed session ";
  line.append(sid.data(), sid.size());
  line += " (";
  line.append(address.empty() ? std::string_view{"unknown address"} : address);
  line += "): ";
  line += to_string(cause);
  if (!detail.empty()) {
    line += ": ";
    line.append(detail.data(), detail.size());
  }
  if (left_out > 0)
    line += " [" + std::to_string(left_out) + " more closes for this cause not logged]";
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace atrium::net
