#pragma once

// One log record (actors/boundary/log.hpp) for every client the server closes because it broke
// a limit or the protocol, and for every connection it refuses, so that an operator can tell
// who was cut off and by which rule. The lines are
// rate-limited per cause: an attack that gets thousands of connections closed writes a few
// lines, and counts the rest.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/token_bucket.hpp"

namespace atrium::net {

/// The rule that closed a client.
enum class close_cause : std::uint8_t {
  stalled,        // slow consumer: its queue waited --stall-timeout with nothing read
  queue_full,     // slow consumer: its queue passed --max-queued-bytes
  flood,          // events past --max-events-per-second, with --disconnect-flooders
  too_large,      // an HTTP body or WebSocket message past --max-payload
  protocol_error, // what Engine.IO, Socket.IO or RFC 6455 does not allow
};
constexpr std::size_t close_cause_count = 5;

/// "slow consumer (stalled)", "slow consumer (queue full)", "flood", "payload too large",
/// "protocol error".
const char* to_string(close_cause c) noexcept;

/// How many lines one cause may write at once, and how many a second after that.
constexpr double close_log_burst = 10;
constexpr double close_log_rate = 1;

/// The rate limit of one cause's lines: a token bucket that counts the lines it refuses.
class line_budget {
public:
  using clock = token_bucket::clock;

  line_budget(double rate, double burst, clock::time_point now = clock::now()) noexcept
    : lines_(rate, burst, now) {}

  /// Whether a line may be written at `now`; when it may, `left_out` is set to the number of
  /// lines refused since the last one admitted.
  bool admit(clock::time_point now, std::uint64_t& left_out) noexcept {
    if (!lines_.take(now)) {
      ++left_out_;
      return false;
    }
    left_out = left_out_;
    left_out_ = 0;
    return true;
  }

private:
  token_bucket lines_;
  std::uint64_t left_out_ = 0;
};

/// Writes `atrium: closed session SID (ADDRESS): CAUSE: DETAIL` unless this cause has used
/// its lines; a line written after some were left out ends with how many were. Any thread.
void log_close(close_cause cause, std::string_view sid, std::string_view address,
               std::string_view detail);

/// Why a new connection was turned away before it had a session.
enum class refusal_cause : std::uint8_t {
  too_many_connections,  // --max-connections
  too_many_from_address, // --max-connections-per-address
  draining,              // the server is stopping
};
constexpr std::size_t refusal_cause_count = 3;

const char* to_string(refusal_cause c) noexcept;

/// Writes `atrium: refused connection (ADDRESS): CAUSE: DETAIL`, rate-limited per cause as
/// log_close is. Any thread.
void log_refusal(refusal_cause cause, std::string_view address, std::string_view detail);

} // namespace atrium::net
