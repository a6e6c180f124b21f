// Per-publisher delivery order, as Socket.IO promises it: a connection receives what the server
// produced for it in the order the server produced it, and the server handles one publisher's
// emits in the order they came, so a receiver gets a publisher's messages in the order they were
// emitted. A receiver is owed only some of them (its rooms, which may change meanwhile): it may
// see gaps, never a step back. A message whose seq is below one the receiver already got from
// the same publisher is out of order.
//
// The rooms and soak workloads number their messages with one counter and hand them to the
// publishers in turn (seq % publishers), each publisher sending its own in seq order: a seq
// names its publisher and ranks it among that publisher's messages. The check is then one load,
// one compare and one store per delivery, in receivers x publishers words, so that it costs
// next to nothing beside reading the packet.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace atrium::bench {

class publisher_order {
public:
  publisher_order(std::uint32_t receivers, std::uint32_t publishers)
    : publishers_(publishers), next_(static_cast<std::size_t>(receivers) * publishers, 0) {}

  /// Records the first delivery of message `seq` to `receiver`. False if the receiver had
  /// already got a later message of the same publisher (the latest one then stays the mark).
  bool arrived(std::uint32_t receiver, std::uint64_t seq) {
    auto& next = slot(receiver, seq);
    if (seq + 1 < next)
      return false;
    next = seq + 1;
    return true;
  }

  /// The latest seq of seq's publisher that `receiver` got (meaningful once it got one).
  std::uint64_t latest(std::uint32_t receiver, std::uint64_t seq) const {
    return next_[index(receiver, seq)] - 1;
  }

  /// A new connection of the receiver: order is a promise per connection, it starts afresh.
  void reset(std::uint32_t receiver) {
    auto first = next_.begin() + static_cast<std::ptrdiff_t>(index(receiver, 0));
    std::fill(first, first + publishers_, 0);
  }

private:
  std::size_t index(std::uint32_t receiver, std::uint64_t seq) const {
    return static_cast<std::size_t>(receiver) * publishers_
           + static_cast<std::size_t>(seq % publishers_);
  }
  std::uint64_t& slot(std::uint32_t receiver, std::uint64_t seq) {
    return next_[index(receiver, seq)];
  }

  std::uint32_t publishers_;
  // receiver * publishers + publisher: seq + 1 of the latest message received, 0 for none.
  std::vector<std::uint64_t> next_;
};

} // namespace atrium::bench
