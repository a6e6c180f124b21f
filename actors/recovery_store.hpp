#pragma once

// What connection state recovery keeps for one namespace (on its supervisor): the sessions of
// the sockets that lost their connection, and the packets sent lately, each with its offset
// and its targets. A client that comes back within the window with its session id (pid) and
// the offset of the last packet it got is given its socket id, rooms and data back, and the
// packets after that offset meant for those rooms, in the order they were sent. As Socket.IO's
// in-memory adapter does it (its restoreSession), bounded in time and, here, in bytes too.
//
// Plain data, no actor: the supervisor owns it, the tests drive it with their own clock.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/boundary/connection.hpp"
#include "atrium/broadcast_options.hpp"
#include "atrium/recovery_options.hpp"

namespace atrium {

class recovery_store {
public:
  using clock = std::chrono::steady_clock;

  struct session {
    std::string sid;
    std::string pid;
    std::vector<std::string> rooms;     // its own id's room included, as in Socket.IO
    std::shared_ptr<const std::string> data; // socket::data(), JSON
    clock::time_point disconnected{};
  };

  enum class outcome : std::uint8_t { recovered, unknown_session, expired, unknown_offset };

  struct restored {
    outcome result = outcome::unknown_session;
    session kept;                    // when recovered
    std::vector<packet_ptr> missed;  // when recovered: in the order they were sent
  };

  explicit recovery_store(recovery_options opts) : opts_(opts) {}

  /// Keeps the session of a socket that lost its connection (one that may come back).
  void keep(session s);
  /// Records a packet sent with `offset` to the sockets `opts` selects.
  void record(std::string offset, packet_ptr packet, const broadcast_options& opts,
              clock::time_point now);
  /// The session `pid` with what it missed after `offset`; the session is given up either
  /// way (a client recovers once per disconnection).
  restored restore(const std::string& pid, const std::string& offset, clock::time_point now);
  /// Forgets the sessions and packets older than the window.
  void expire(clock::time_point now);

  std::size_t sessions() const noexcept { return sessions_.size(); }
  std::size_t packets() const noexcept { return buffer_.size(); }
  /// What the sessions and the buffer hold (their strings and packets, and their entries).
  std::size_t bytes() const noexcept { return buffer_bytes_ + session_bytes_; }

private:
  struct entry {
    std::string offset;
    packet_ptr packet;
    std::vector<std::string> rooms;  // sorted
    std::vector<std::string> except; // sorted
    clock::time_point at;
    std::size_t bytes = 0;
  };
  static std::size_t size_of(const session& s);
  void drop_front();
  bool matches(const entry& e, const std::vector<std::string>& rooms) const;

  recovery_options opts_;
  std::unordered_map<std::string, session> sessions_; // by pid
  std::deque<entry> buffer_;
  std::uint64_t first_ = 0; // the position of buffer_.front() among every packet recorded
  std::unordered_map<std::string, std::uint64_t> positions_; // by offset
  std::size_t buffer_bytes_ = 0;
  std::size_t session_bytes_ = 0;
};

} // namespace atrium
