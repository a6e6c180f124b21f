#pragma once

// What the scenario runner needs from an engine: nodes, and client links that carry Socket.IO
// packets. Everything above the packets (handshakes, acks, expectations) is the runner's, so
// both engines execute a script the same way.

#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/socketio.hpp"
#include "tools/scenario/script.hpp"

namespace atrium::scenario {

/// A step could not be carried out (not an expectation that failed: the engine itself).
struct engine_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One packet a client received.
struct received {
  sio::packet packet;
  std::vector<std::string> attachments;
};

/// What a client link has received, in order; filled by the engine's threads, read by the
/// runner, which waits on it (live) or finds everything already there (in-process).
class inbox {
public:
  void push(received r);
  void closed(std::string why);
  /// Runs `f` on the packets under the lock (to inspect or consume them); returns the
  /// generation (how many pushes and closes happened so far), for wait_change().
  std::uint64_t with(
    const std::function<void(std::deque<received>&, bool closed, const std::string& why)>& f);
  /// Waits until something arrives after generation `seen`, at most `timeout`.
  void wait_change(std::uint64_t seen, std::chrono::milliseconds timeout);

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<received> packets_;
  bool closed_ = false;
  std::string why_;
  std::uint64_t generation_ = 0;
};

/// One client connection (one Engine.IO session) of a scenario.
class client_link {
public:
  virtual ~client_link() = default;
  virtual void send(sio::packet p) = 0;
  /// The client leaves cleanly (`abrupt`: its connection just vanishes).
  virtual void disconnect(bool abrupt) = 0;
  inbox& received() { return inbox_; }

protected:
  inbox inbox_;
};

class engine {
public:
  virtual ~engine() = default;
  virtual const char* name() const = 0;
  /// Whether waiting is pointless: everything has run once settle() returns.
  virtual bool deterministic() const = 0;
  virtual void start_node(const std::string& node, const std::vector<std::string>& flags) = 0;
  virtual void stop_node(const std::string& node, stop_node::how how) = 0;
  virtual std::unique_ptr<client_link> open(const std::string& node, transport mode) = 0;
  /// Lets everything in flight run (in-process: until every actor is idle).
  virtual void settle() = 0;
};

} // namespace atrium::scenario
