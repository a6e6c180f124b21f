#include "net/session_registry.hpp"

#include "net/engine_session.hpp"

namespace atrium::net {

session_registry::admission session_registry::admits_locked(const std::string& address) const {
  if (limits_.max_sessions != 0 && sessions_.size() >= limits_.max_sessions)
    return admission::full;
  if (limits_.max_per_address != 0) {
    auto held = per_address_.find(address);
    if (held != per_address_.end() && held->second >= limits_.max_per_address)
      return admission::full_for_address;
  }
  return admission::added;
}

session_registry::admission session_registry::admits(const std::string& address) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return admits_locked(address);
}

session_registry::admission session_registry::add(std::shared_ptr<engine_session> s) {
  std::string_view sid{s->sid()};
  const auto& address = s->client_handshake()->address;
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto verdict = admits_locked(address); verdict != admission::added)
    return verdict;
  if (!sessions_.emplace(sid, std::move(s)).second)
    return admission::sid_taken;
  if (limits_.max_per_address != 0) // counted only when bounded
    ++per_address_[address];
  return admission::added;
}

std::shared_ptr<engine_session> session_registry::find(const std::string& sid) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = sessions_.find(sid);
  return i == sessions_.end() ? nullptr : i->second;
}

void session_registry::remove(const std::string& sid, const engine_session* which) {
  std::shared_ptr<engine_session> doomed; // released outside the lock
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = sessions_.find(sid);
  if (i != sessions_.end() && i->second.get() == which) {
    doomed = std::move(i->second);
    sessions_.erase(i);
    if (limits_.max_per_address != 0) {
      auto held = per_address_.find(doomed->client_handshake()->address);
      if (held != per_address_.end() && --held->second == 0)
        per_address_.erase(held);
    }
  }
}

std::vector<std::shared_ptr<engine_session>> session_registry::snapshot() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<std::shared_ptr<engine_session>> out;
  out.reserve(sessions_.size());
  for (auto& kv : sessions_)
    out.push_back(kv.second);
  return out;
}

std::size_t session_registry::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return sessions_.size();
}

} // namespace atrium::net
