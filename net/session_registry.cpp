#include "net/session_registry.hpp"

#include "net/engine_session.hpp"

namespace atrium::net {

bool session_registry::add(std::shared_ptr<engine_session> s) {
  std::string_view sid{s->sid()};
  std::lock_guard<std::mutex> guard{mtx_};
  return sessions_.emplace(sid, std::move(s)).second;
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
