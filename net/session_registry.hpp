#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace atrium::net {

class engine_session;

/// Bounds on the sessions of one path; 0 is no bound.
struct session_limits {
  std::size_t max_sessions = 0;
  std::size_t max_per_address = 0; // off by default: behind a proxy every client has its address
};

/// The open Engine.IO sessions of one path, by sid, and how many each remote address holds.
/// Thread-safe: requests of one session arrive on many connections (and strands).
class session_registry {
public:
  enum class admission : std::uint8_t { added, sid_taken, full, full_for_address };

  explicit session_registry(session_limits limits = {}) : limits_(limits) {}

  /// Whether a new session from `address` would be admitted now (a check before the work of
  /// a WebSocket handshake; add() decides).
  admission admits(const std::string& address) const;
  /// Adds a session under its sid, unless that would pass a limit or the sid is taken (never
  /// in practice: 128 random bits).
  admission add(std::shared_ptr<engine_session> s);
  std::shared_ptr<engine_session> find(const std::string& sid) const;
  void remove(const std::string& sid, const engine_session* which);
  std::vector<std::shared_ptr<engine_session>> snapshot() const;
  std::size_t size() const;

private:
  admission admits_locked(const std::string& address) const;

  const session_limits limits_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, std::size_t> per_address_; // with max_per_address only
  // Keyed by a view of the session's own sid: the entry holds the session, so the view lives
  // as long as the entry, and no copy of the sid is kept per session.
  std::unordered_map<std::string_view, std::shared_ptr<engine_session>> sessions_;
};

} // namespace atrium::net
