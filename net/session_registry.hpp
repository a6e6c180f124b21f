#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace atrium::net {

class engine_session;

/// The open Engine.IO sessions of one path, by sid. Thread-safe: requests of one session
/// arrive on many connections (and strands).
class session_registry {
public:
  /// Adds a session under its sid; false when the sid is taken (never in practice: 128 random
  /// bits).
  bool add(std::shared_ptr<engine_session> s);
  std::shared_ptr<engine_session> find(const std::string& sid) const;
  void remove(const std::string& sid, const engine_session* which);
  std::vector<std::shared_ptr<engine_session>> snapshot() const;
  std::size_t size() const;

private:
  mutable std::mutex mtx_;
  // Keyed by a view of the session's own sid: the entry holds the session, so the view lives
  // as long as the entry, and no copy of the sid is kept per session.
  std::unordered_map<std::string_view, std::shared_ptr<engine_session>> sessions_;
};

} // namespace atrium::net
