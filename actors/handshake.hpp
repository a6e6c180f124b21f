#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace atrium {

/// A read-only name -> value map whose copies share one instance: a client's handshake is
/// copied into every namespace it joins, and its headers alone are often a kilobyte or more.
class shared_string_map {
public:
  using map_type = std::map<std::string, std::string>;
  using const_iterator = map_type::const_iterator;

  shared_string_map() = default;
  shared_string_map(map_type m) // NOLINT: implicit, so a plain map can be assigned
    : map_(std::make_shared<const map_type>(std::move(m))) {}

  const map_type& get() const noexcept { return map_ ? *map_ : no_entries(); }
  const std::string& at(const std::string& key) const { return get().at(key); }
  const_iterator find(const std::string& key) const { return get().find(key); }
  std::size_t count(const std::string& key) const { return get().count(key); }
  const_iterator begin() const noexcept { return get().begin(); }
  const_iterator end() const noexcept { return get().end(); }
  std::size_t size() const noexcept { return get().size(); }
  bool empty() const noexcept { return get().empty(); }

private:
  static const map_type& no_entries() {
    static const map_type none;
    return none;
  }
  std::shared_ptr<const map_type> map_;
};

/// What a client presented when it connected (Socket.IO's `socket.handshake`).
struct handshake {
  shared_string_map headers; // lower-case names
  shared_string_map query;   // decoded query parameters of the first request
  std::string address;                        // remote address
  std::string url;                            // request target of the first request
  std::int64_t issued = 0;                    // milliseconds since the epoch
  bool secure = false;
  std::string auth = "{}";                    // CONNECT payload (compact JSON object)
};

} // namespace atrium
