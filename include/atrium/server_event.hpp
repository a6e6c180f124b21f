#pragma once

#include <functional>
#include <string>

#include "atrium/args.hpp"

namespace atrium {

/// An event that another node of the cluster emitted to this one with `server_side_emit`
/// (Socket.IO's serverSideEmit, received by `io.on(name, ...)`). Its handlers run on the
/// namespace supervisor: keep them short and never block.
class server_event : public payload {
public:
  /// Sends the reply back to the emitting node; called at most once.
  using reply_fn = std::function<void(const args&)>;

  server_event(std::string name, payload args, reply_fn reply);

  const std::string& name() const noexcept { return name_; }
  bool wants_ack() const noexcept { return static_cast<bool>(reply_); }
  /// Answers the emitting node (once; later calls do nothing).
  void ack(const args& a = {});
  /// Hands the answer to a later step, on any thread (this event counts as answered).
  reply_fn take_ack();

private:
  std::string name_;
  reply_fn reply_;
};

using server_event_handler = std::function<void(server_event&)>;

} // namespace atrium
