// The rooms workload's bookkeeping: who is in which room, which rooms each message went to, and
// who has received what, so that every delivery can be judged exactly-once against the
// membership.
//
// It must stay far cheaper than the server it checks, so nothing is stored per (message,
// recipient): a message keeps its target rooms and two counters, and whether a client is a
// recipient is derived from its few rooms when a delivery arrives. Only the messages in flight
// (at most `window`, by the caller's promise) need to know who already got them: one stamp per
// client and window slot.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace atrium::bench {

class rooms_ledger {
public:
  enum class verdict {
    first,       // a recipient got the message for the first time
    duplicate,   // a recipient got it again
    unexpected,  // the client is in none of the message's rooms
    unknown,     // no such message was sent
    ignored,     // a message given up by forget_all()
  };

  /// Each client joins `per_client` distinct random rooms out of `rooms`; messages go to
  /// `union_size` distinct random rooms; at most `window` messages are in flight at once.
  rooms_ledger(std::uint32_t clients, std::uint32_t rooms, std::uint32_t per_client,
               std::uint32_t union_size, std::uint32_t window, std::uint64_t seed);

  std::uint32_t client_count() const { return clients_; }
  std::uint32_t room_count() const { return static_cast<std::uint32_t>(members_.size()); }
  /// The rooms a client joins: per_client of them, ascending.
  const std::uint32_t* rooms_of(std::uint32_t client) const {
    return &client_rooms_[static_cast<std::size_t>(client) * per_client_];
  }
  std::uint32_t per_client() const { return per_client_; }
  std::uint32_t union_size() const { return union_size_; }

  /// Draws the target rooms of a new message and returns its seq. Requires in_flight() < window.
  std::uint64_t add_message();
  const std::uint32_t* targets_of(std::uint64_t seq) const {
    return &targets_[seq * union_size_];
  }
  /// How many clients must get the message: the union of its rooms, each client once.
  std::uint32_t expected_of(std::uint64_t seq) const { return messages_[seq].expected; }
  bool complete(std::uint64_t seq) const {
    return messages_[seq].delivered == messages_[seq].expected;
  }

  /// Records that a client received message seq, and says what that was.
  verdict deliver(std::uint32_t client, std::uint64_t seq);

  /// The oldest message some recipient still lacks (next() if none).
  std::uint64_t base() const { return base_; }
  /// The seq the next message will get.
  std::uint64_t next() const { return messages_.size(); }
  std::uint64_t in_flight() const { return next() - base_; }

  /// Gives up on every message sent so far: no longer waited for, any later arrival ignored.
  void forget_all();

  /// Over the messages from `from` on (none forgotten): deliveries due, and those missing.
  std::uint64_t expected_since(std::uint64_t from) const;
  std::uint64_t missing_since(std::uint64_t from) const;

private:
  struct message {
    std::uint32_t expected = 0;
    std::uint32_t delivered = 0;
  };

  bool is_recipient(std::uint32_t client, std::uint64_t seq) const;
  void advance();
  // Distinct random values in [0, n), `count` of them, ascending, appended to out.
  void sample(std::uint32_t n, std::uint32_t count, std::vector<std::uint32_t>& out);

  std::uint32_t clients_;
  std::uint32_t per_client_;
  std::uint32_t union_size_;
  std::uint32_t window_;
  std::mt19937_64 rng_;
  std::vector<std::uint32_t> client_rooms_;              // clients * per_client, sorted per client
  std::vector<std::vector<std::uint32_t>> members_;      // room -> clients
  std::vector<std::uint32_t> targets_;                   // messages * union_size
  std::vector<message> messages_;                        // by seq
  // clients * window: seq + 1 of the last message in that window slot the client got. A slot
  // is reused only once its previous message is complete, so a stale stamp never matches.
  std::vector<std::uint32_t> stamps_;
  std::vector<std::uint64_t> union_marks_;               // per client: seq + 1 of the last count
  std::uint64_t base_ = 0;
  std::uint64_t forgotten_until_ = 0;
};

} // namespace atrium::bench
