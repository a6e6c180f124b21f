#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace atrium {

/// A read-only name -> value table whose copies share one instance: a client's handshake is
/// copied into every namespace it joins. Its text lives in one buffer, indexed by a sorted
/// vector: a few allocations per connection where a std::map takes two or three per entry.
class shared_string_map {
public:
  using value_type = std::pair<std::string_view, std::string_view>;
  using const_iterator = std::vector<value_type>::const_iterator;

  shared_string_map() = default;
  /// Names are unique in a std::map, as they must be here.
  shared_string_map(const std::map<std::string, std::string>& entries); // NOLINT: implicit

  /// The value of `key`; throws std::out_of_range when there is none.
  std::string_view at(std::string_view key) const;
  const_iterator find(std::string_view key) const;
  std::size_t count(std::string_view key) const { return find(key) == end() ? 0 : 1; }
  const_iterator begin() const noexcept { return entries().begin(); }
  const_iterator end() const noexcept { return entries().end(); }
  std::size_t size() const noexcept { return entries().size(); }
  bool empty() const noexcept { return entries().empty(); }

private:
  struct table {
    std::string text;                 // every name and value, back to back
    std::vector<value_type> entries;  // views into `text`, sorted by name
  };
  const std::vector<value_type>& entries() const noexcept;
  std::shared_ptr<const table> table_;
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

/// A handshake is read-only once made: an Engine.IO session and the sockets of its namespaces
/// share one (a socket whose CONNECT carried another auth gets a copy of its own).
using handshake_ptr = std::shared_ptr<const handshake>;

} // namespace atrium
