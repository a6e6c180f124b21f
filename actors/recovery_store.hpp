#pragma once

// What connection state recovery keeps for one namespace (on its supervisor): the sessions of
// the sockets that lost their connection, and the packets sent lately, each with its offset
// and its targets. A client that comes back within the window with its session id (pid) and
// the offset of the last packet it got is given its socket id, rooms and data back, and the
// packets after that offset meant for those rooms, in the order they were sent. As Socket.IO's
// in-memory adapter does it (its restoreSession), bounded in time and, here, in bytes too.
//
// In a cluster a client may come back to another node. Offsets are "<origin>-<number>": the
// origin is the namespace of the node that sent the packet, and every node receives one
// origin's cluster-wide packets in that origin's order. So the node that kept the session
// answers with what it missed there and, per origin, the last cluster-wide offset it had seen
// (`upto`); the node the client came back to adds its own cluster-wide packets after those
// (since()). A node that stops hands its store to a peer (exported(), adopted()), which then
// answers for it.
//
// Plain data, no actor: the supervisor owns it, the tests drive it with their own clock.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
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

  /// Per origin, the last cluster-wide offset a store had seen.
  using origin_offsets = std::map<std::string, std::string>;

  /// One buffered packet as it crosses to another node (a stopping node's hand-off).
  struct exported_packet {
    std::string offset;
    std::string text;
    std::vector<std::string> attachments;
    std::vector<std::string> rooms;
    std::vector<std::string> except;
    bool cluster_wide = false;
    std::int64_t age_ms = 0;
  };
  struct exported_session {
    std::string sid;
    std::string pid;
    std::vector<std::string> rooms;
    std::string data; // empty: none
    std::int64_t age_ms = 0;
  };
  /// A whole store, as a stopping node hands it to a peer.
  struct exported_state {
    std::vector<exported_session> sessions;
    std::vector<exported_packet> packets;
    origin_offsets latest;
  };

  /// `unreachable`: not found here, and a node that may keep it did not answer in time.
  enum class outcome : std::uint8_t {
    recovered,
    unknown_session,
    expired,
    unknown_offset,
    unreachable
  };

  struct restored {
    outcome result = outcome::unknown_session;
    session kept;                    // when recovered
    std::vector<packet_ptr> missed;  // when recovered: in the order they were sent
    origin_offsets upto;             // when recovered: latest(), for the node it comes back to
  };

  explicit recovery_store(recovery_options opts) : opts_(opts) {}

  /// Keeps the session of a socket that lost its connection (one that may come back).
  void keep(session s);
  /// Records a packet sent with `offset` to the sockets `opts` selects; `cluster_wide` when
  /// every node of the cluster has it (relayed), not only this one.
  void record(std::string offset, packet_ptr packet, const broadcast_options& opts,
              clock::time_point now, bool cluster_wide = false);
  /// The session `pid` with what it missed after `offset`; the session is given up either
  /// way (a client recovers once per disconnection).
  restored restore(const std::string& pid, const std::string& offset, clock::time_point now);
  /// Forgets the sessions and packets older than the window.
  void expire(clock::time_point now);

  /// Whether `pid` is a session kept here.
  bool has_session(const std::string& pid) const { return sessions_.count(pid) > 0; }
  /// The cluster-wide packets here meant for `rooms` that came after `upto`: of each origin,
  /// those after its offset there, or all of an origin `upto` lacks or whose offset is no longer
  /// (or never was) here — every one of them came later in that origin's order.
  std::vector<packet_ptr> since(const origin_offsets& upto,
                                const std::vector<std::string>& rooms) const;
  /// Whether this store holds the packet `offset`.
  bool holds(const std::string& offset) const { return positions_.count(offset) > 0; }
  /// Per origin, the last cluster-wide offset recorded here (gone from the buffer or not).
  const origin_offsets& latest() const noexcept { return latest_; }

  /// Everything this store holds, for a peer to answer for it (adopted()).
  exported_state exported(clock::time_point now) const;
  /// A store holding what another node's exported(), as of `now`.
  static recovery_store adopted(recovery_options opts, exported_state state,
                                clock::time_point now);

  /// The origin of an offset: all but its number.
  static std::string origin_of(const std::string& offset);

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
    bool cluster_wide = false;
  };
  static std::size_t size_of(const session& s);
  void drop_front();
  bool matches(const entry& e, const std::vector<std::string>& rooms) const;

  recovery_options opts_;
  std::unordered_map<std::string, session> sessions_; // by pid
  std::deque<entry> buffer_;
  std::uint64_t first_ = 0; // the position of buffer_.front() among every packet recorded
  std::unordered_map<std::string, std::uint64_t> positions_; // by offset
  origin_offsets latest_;
  std::size_t buffer_bytes_ = 0;
  std::size_t session_bytes_ = 0;
};

} // namespace atrium
