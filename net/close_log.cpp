#include "net/close_log.hpp"

#include <array>
#include <cstdio>
#include <mutex>
#include <string>

#include "actors/boundary/log.hpp"

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

  /// Whether a line may be written now; `left_out`: how many were refused since the last one.
  bool admit(std::uint64_t& left_out) {
    std::lock_guard<std::mutex> guard{mtx};
    return lines.admit(line_budget::clock::now(), left_out);
  }
};

std::array<cause_budget, close_cause_count>& budgets() {
  static std::array<cause_budget, close_cause_count> all;
  return all;
}

/// The text line's end: "ADDRESS): CAUSE: DETAIL [N more WHAT for this cause not logged]".
std::string text_tail(std::string_view address, const char* cause, std::string_view detail,
                      std::uint64_t left_out, const char* what) {
  std::string tail{address};
  tail += "): ";
  tail += cause;
  if (!detail.empty()) {
    tail += ": ";
    tail.append(detail.data(), detail.size());
  }
  if (left_out > 0)
    tail += " [" + std::to_string(left_out) + " more " + what + " for this cause not logged]";
  return tail;
}

} // namespace

void log_close(close_cause cause, std::string_view sid, std::string_view address,
               std::string_view detail) {
  if (!log::enabled(log::level::warn))
    return;
  std::uint64_t left_out = 0;
  if (!budgets()[static_cast<std::size_t>(cause)].admit(left_out))
    return;
  if (address.empty())
    address = "unknown address";
  std::string line;
  if (log::current_format() == log::format::text)
    line = "atrium: closed session " + std::string{sid} + " ("
           + text_tail(address, to_string(cause), detail, left_out, "closes");
  log::warn("closed session",
            {{"sid", sid}, {"address", address}, {"reason", to_string(cause)},
             {"detail", detail}, {"not_logged", left_out}},
            line);
}

const char* to_string(refusal_cause c) noexcept {
  switch (c) {
    case refusal_cause::too_many_connections:
      return "too many connections";
    case refusal_cause::too_many_from_address:
      return "too many connections from this address";
    case refusal_cause::draining:
      return "draining";
  }
  return "?";
}

namespace {

std::array<cause_budget, refusal_cause_count>& refusal_budgets() {
  static std::array<cause_budget, refusal_cause_count> all;
  return all;
}

} // namespace

void log_refusal(refusal_cause cause, std::string_view address, std::string_view detail) {
  if (!log::enabled(log::level::warn))
    return;
  std::uint64_t left_out = 0;
  if (!refusal_budgets()[static_cast<std::size_t>(cause)].admit(left_out))
    return;
  if (address.empty())
    address = "unknown address";
  std::string line;
  if (log::current_format() == log::format::text)
    line = "atrium: refused connection ("
           + text_tail(address, to_string(cause), detail, left_out, "refusals");
  log::warn("refused connection",
            {{"address", address}, {"reason", to_string(cause)}, {"detail", detail},
             {"not_logged", left_out}},
            line);
}

} // namespace atrium::net
