#include "actors/recovery_store.hpp"

#include <algorithm>
#include <chrono>

namespace atrium {

namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::size_t strings_size(const std::vector<std::string>& v) {
  std::size_t n = v.capacity() * sizeof(std::string);
  for (auto& s : v)
    n += s.capacity();
  return n;
}

bool any_in(const std::vector<std::string>& sorted_set, const std::vector<std::string>& names) {
  for (auto& name : names)
    if (std::binary_search(sorted_set.begin(), sorted_set.end(), name))
      return true;
  return false;
}

} // namespace

std::size_t recovery_store::size_of(const session& s) {
  // The map's node is counted roughly: the pair and two pointers.
  return sizeof(session) + sizeof(std::string) + 2 * sizeof(void*) + s.sid.capacity()
         + 2 * s.pid.capacity() + strings_size(s.rooms) + (s.data ? s.data->capacity() : 0);
}

void recovery_store::keep(session s) {
  auto pid = s.pid;
  auto bytes = size_of(s);
  auto [it, added] = sessions_.try_emplace(std::move(pid));
  if (!added)
    session_bytes_ -= size_of(it->second);
  it->second = std::move(s);
  session_bytes_ += bytes;
}

std::string recovery_store::origin_of(const std::string& offset) {
  auto dash = offset.rfind('-');
  return dash == std::string::npos ? std::string{} : offset.substr(0, dash);
}

void recovery_store::record(std::string offset, packet_ptr packet, const broadcast_options& opts,
                            clock::time_point now, bool cluster_wide) {
  if (cluster_wide)
    latest_[origin_of(offset)] = offset;
  entry e;
  e.cluster_wide = cluster_wide;
  e.offset = std::move(offset);
  e.packet = std::move(packet);
  e.rooms = sorted(opts.rooms);
  e.except = sorted(opts.except);
  e.at = now;
  e.bytes = sizeof(entry) + 2 * e.offset.capacity() + strings_size(e.rooms)
            + strings_size(e.except) + e.packet->text.capacity();
  for (auto& a : e.packet->attachments)
    e.bytes += a.capacity();
  positions_.emplace(e.offset, first_ + buffer_.size());
  buffer_bytes_ += e.bytes;
  buffer_.push_back(std::move(e));
  while (buffer_bytes_ > opts_.max_buffer_bytes && !buffer_.empty())
    drop_front();
}

void recovery_store::drop_front() {
  auto& e = buffer_.front();
  positions_.erase(e.offset);
  buffer_bytes_ -= e.bytes;
  buffer_.pop_front();
  ++first_;
}

// Socket.IO's shouldIncludePacket: meant for one of the session's rooms (or for everyone),
// and for none it is excluded from.
bool recovery_store::matches(const entry& e, const std::vector<std::string>& rooms) const {
  bool included = e.rooms.empty() || any_in(e.rooms, rooms);
  return included && !any_in(e.except, rooms);
}

recovery_store::restored recovery_store::restore(const std::string& pid,
                                                 const std::string& offset,
                                                 clock::time_point now) {
  restored out;
  auto it = sessions_.find(pid);
  if (it == sessions_.end())
    return out;
  auto s = std::move(it->second);
  session_bytes_ -= size_of(s);
  sessions_.erase(it);
  if (now - s.disconnected > opts_.window) {
    out.result = outcome::expired;
    return out;
  }
  auto at = positions_.find(offset);
  if (at == positions_.end()) {
    out.result = outcome::unknown_offset;
    return out;
  }
  for (auto i = at->second + 1 - first_; i < buffer_.size(); ++i)
    if (matches(buffer_[i], s.rooms))
      out.missed.push_back(buffer_[i].packet);
  out.result = outcome::recovered;
  out.kept = std::move(s);
  out.upto = latest_;
  return out;
}

std::vector<packet_ptr> recovery_store::since(const origin_offsets& upto,
                                              const std::vector<std::string>& rooms) const {
  // Where each origin's part after `upto` starts here: past its offset when this store holds
  // it, else at its first packet here.
  std::map<std::string, std::uint64_t> after;
  for (auto& [origin, offset] : upto)
    if (auto at = positions_.find(offset); at != positions_.end())
      after.emplace(origin, at->second + 1);
  std::vector<packet_ptr> out;
  for (std::size_t i = 0; i < buffer_.size(); ++i) {
    auto& e = buffer_[i];
    if (!e.cluster_wide || !matches(e, rooms))
      continue;
    auto from = after.find(origin_of(e.offset));
    if (from != after.end() && first_ + i < from->second)
      continue;
    out.push_back(e.packet);
  }
  return out;
}

recovery_store::exported_state recovery_store::exported(clock::time_point now) const {
  auto age = [now](clock::time_point at) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now - at).count();
  };
  exported_state out;
  out.latest = latest_;
  for (auto& [pid, s] : sessions_)
    out.sessions.push_back({s.sid, s.pid, s.rooms, s.data ? *s.data : std::string{},
                            age(s.disconnected)});
  for (auto& e : buffer_)
    out.packets.push_back({e.offset, e.packet->text, e.packet->attachments, e.rooms, e.except,
                           e.cluster_wide, age(e.at)});
  return out;
}

recovery_store recovery_store::adopted(recovery_options opts, exported_state state,
                                       clock::time_point now) {
  recovery_store store{opts};
  for (auto& p : state.packets) {
    auto packet = std::make_shared<encoded_packet>();
    packet->text = std::move(p.text);
    packet->attachments = std::move(p.attachments);
    packet->offset = p.offset;
    broadcast_options targets;
    targets.rooms = std::move(p.rooms);
    targets.except = std::move(p.except);
    store.record(std::move(p.offset), std::move(packet), targets,
                 now - std::chrono::milliseconds{p.age_ms}, p.cluster_wide);
  }
  store.latest_ = std::move(state.latest);
  for (auto& s : state.sessions) {
    session kept;
    kept.sid = std::move(s.sid);
    kept.pid = std::move(s.pid);
    kept.rooms = std::move(s.rooms);
    if (!s.data.empty())
      kept.data = std::make_shared<const std::string>(std::move(s.data));
    kept.disconnected = now - std::chrono::milliseconds{s.age_ms};
    store.keep(std::move(kept));
  }
  return store;
}

void recovery_store::expire(clock::time_point now) {
  while (!buffer_.empty() && now - buffer_.front().at > opts_.window)
    drop_front();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now - it->second.disconnected > opts_.window) {
      session_bytes_ -= size_of(it->second);
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

} // namespace atrium
