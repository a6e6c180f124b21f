// The soak workload's bookkeeping: the rooms each client is in as far as its requests and their
// acks tell (joining, joined, leaving), and for every broadcast in flight who must get it, who
// may get it, and who already has.
//
// Membership keeps changing, so a message's recipients are fixed when it is sent rather than
// derived when a delivery arrives (as rooms_ledger can, its membership never changing):
//  - owed: a client that owes nothing else (no request in flight, no change waited for) and
//    whose join of a target room was acked before the send. Such a client makes no change
//    until every message owed to it has arrived or been given up, so it must get each exactly
//    once whatever the server does in between.
//  - may: a client whose membership of a target room changes while the message is in flight
//    (a join or a leave not yet acked at the send, or a join sent before the emit was acked),
//    or which is waiting to make such a change: the server may deliver to it or not, at most
//    once.
// Any other delivery is a stray. A client's entries belong to its session: when it reconnects,
// what the old session was owed is no longer its new session's to receive.
//
// Nothing here is per delivery beyond one entry per (message, recipient), and messages leave as
// soon as they are done and a grace for late duplicates has passed: a half-hour run holds only
// the last seconds of messages.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "tools/bench/loop.hpp"

namespace atrium::bench {

class soak_ledger {
public:
  enum class verdict {
    owed,       // an owed recipient got the message, the first time
    may,        // a recipient it was not owed to got it, the first time
    duplicate,  // a recipient got it again
    stray,      // the client was in none of its rooms while it was in flight
    retired,    // it was given up or done long ago: nothing can be said, it should not come
    unknown,    // no such message was sent
  };
  enum class ack_verdict { first, again, unknown };

  soak_ledger(std::uint32_t clients, std::uint32_t rooms);

  // ---- membership, as the client's requests and their acks tell it ----

  /// A join of `room` was sent. The client may get what is still unacked to that room: the
  /// server may order the join before the emit.
  void joining(std::uint32_t client, std::uint32_t room);
  void joined(std::uint32_t client, std::uint32_t room);
  /// A leave was sent: from now on the client may or may not get that room's messages.
  void leaving(std::uint32_t client, std::uint32_t room);
  /// The leave was acked: the server will not deliver that room's later messages to it.
  void left(std::uint32_t client, std::uint32_t room);
  /// The client's session ended: it is in no room, and its next session owes nothing yet.
  void session_ended(std::uint32_t client);
  /// Whether messages sent from now on to its joined rooms are owed to the client: false while
  /// it has requests in flight or waits to make a change.
  void set_owing(std::uint32_t client, bool owing) { owing_[client] = owing; }
  /// Messages owed to the client's session that it has not got yet (nor were given up).
  std::uint32_t owed(std::uint32_t client) const { return owed_[client]; }

  // ---- messages ----

  /// Records a broadcast to `targets` (distinct rooms) and fixes its recipients; its seq.
  std::uint64_t add_message(const std::vector<std::uint32_t>& targets, clock_type::time_point now);
  ack_verdict acked(std::uint64_t seq, clock_type::time_point now);
  verdict deliver(std::uint32_t client, std::uint64_t seq, clock_type::time_point now);

  /// Drops the oldest messages done for at least `grace`, and gives up on those sent `give_up`
  /// ago or more: what they still owe is lost, an ack not yet come is missing.
  void retire(clock_type::time_point now, clock_type::duration grace,
              clock_type::duration give_up);
  /// At the end: settles every message still held, done or not.
  void retire_all();

  /// Messages not yet done: acked and received by all they are owed to.
  std::uint64_t undone() const { return undone_; }
  std::uint64_t next() const { return base_ + messages_.size(); }

  // Totals over the run. lost and acks_missing are known only once a message is settled.
  std::uint64_t owed_total() const { return owed_total_; }        // (message, recipient) owed
  std::uint64_t lost() const { return lost_; }                    // owed, never arrived
  std::uint64_t acks_missing() const { return acks_missing_; }    // emits never acked
  std::uint64_t may_total() const { return may_total_; }          // (message, client) may
  std::uint64_t may_delivered() const { return may_delivered_; }  // ... and did get it
  std::uint64_t duplicates() const { return duplicates_; }

private:
  enum class membership : std::uint8_t { joining, joined, leaving };
  struct record {
    std::uint32_t room;
    membership state;
  };
  struct entry {
    std::uint32_t client;
    std::uint32_t session;
    bool owed;
    bool got;
  };
  struct message {
    std::vector<std::uint32_t> targets;
    std::vector<entry> entries;
    clock_type::time_point sent_at;
    clock_type::time_point done_at;
    std::uint32_t owed_left = 0;
    bool acked = false;
    bool done = false;
  };

  record* find_record(std::uint32_t client, std::uint32_t room);
  entry* find_entry(message& m, std::uint32_t client);
  void add_entry(message& m, std::uint32_t client, bool owed);
  void owe(message& m, entry& e);
  void check_done(message& m, clock_type::time_point now);
  void settle(message& m);
  message* at(std::uint64_t seq);

  std::vector<std::vector<record>> records_;        // client -> its rooms, a handful
  std::vector<std::vector<std::uint32_t>> members_; // room -> clients with a record in it
  std::vector<std::uint32_t> session_;              // client -> its session's number
  std::vector<std::uint32_t> owed_;                 // client -> owed, not yet got
  std::vector<bool> owing_;
  std::vector<std::uint64_t> marks_;                // client -> seq + 1 of its last entry
  std::deque<message> messages_;                    // seq base_ on, not yet retired
  std::uint64_t base_ = 0;
  std::uint64_t undone_ = 0;

  std::uint64_t owed_total_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t acks_missing_ = 0;
  std::uint64_t may_total_ = 0;
  std::uint64_t may_delivered_ = 0;
  std::uint64_t duplicates_ = 0;
};

} // namespace atrium::bench
