#pragma once

// Where a namespace's frames are put in order. Each socket belongs to one delivery shard of
// its namespace (by its key), and every frame for it leaves through that shard:
//
// - the supervisor numbers its operations (broadcasts, private messages, sockets arriving,
//   leaving or being disconnected) and sends each shard concerned a ticket, in that order;
// - room actors fan a broadcast out in parallel, each sending every shard concerned a part:
//   its members there. The shard delivers a ticket's parts only when every earlier ticket is
//   done, and each socket once however many parts name it (a union of rooms);
// - a socket's own actor sends its frames (emit, ack, DISCONNECT) here too, tagged with what
//   must leave before them: they wait for the broadcasts that socket caused and for the
//   operations it had heard of, so a handler that broadcasts and then acks puts the event
//   first, as Socket.IO does. When the shard owes the socket nothing of that (the common
//   case: an ack with no broadcast before it), the actor writes to the connection itself;
//   the outlet's atomics and the shard's progress tell it so.
//
// Tickets reach a shard before their parts (the supervisor sends the ticket first, and a
// room actor only hears of the broadcast after that), so a part always finds its ticket.

#include <deque>
#include <functional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/delivery_shards.hpp"
#include "actors/messages.hpp"

namespace atrium {

struct delivery_shard_state {
  struct pending {
    delivery_ticket ticket;
    std::uint32_t missing = 0;                  // parts still to come
    std::vector<std::vector<outlet*>> early;    // parts that came before the ticket's turn
  };
  /// Frames of one socket's actor that wait, in order.
  using held = std::vector<direct_frame>;
  /// A socket whose first waiting frame waits only for this shard's progress: for every
  /// ticket up to `after_seq` to be carried out.
  struct seq_wait {
    std::uint64_t after_seq;
    outlet_ptr out;
    bool operator>(const seq_wait& other) const { return after_seq > other.after_seq; }
  };

  std::string nsp;
  delivery_shards_ptr shards;        // to tell the sockets' actors how far this one has come
  std::size_t index = 0;             // this one, of them
  std::deque<pending> queue;         // tickets not done yet, by seq; the front one is under way
  std::uint64_t finished = 0;        // the last ticket carried out
  std::vector<outlet_ptr> sockets;   // attached: reached by namespace-wide broadcasts
  // Frames of sockets' actors waiting for a ticket, found without a scan however many sockets
  // wait: by socket, and by the progress the first frames wait for (one that waits for its
  // socket's broadcast is looked at when that broadcast is carried out).
  std::unordered_map<const outlet*, held> waiting;
  std::priority_queue<seq_wait, std::vector<seq_wait>, std::greater<>> by_seq;

  static inline const char* name = "atrium.delivery_shard";

  void take(delivery_ticket& t);
  void take(delivery_part& p);
  void take(const outlet_ptr& o, direct_frame& f);

private:
  void start_front();
  void advance();
  void deliver(outlet& o, const delivery_ticket& t);
  void deliver(const std::vector<outlet*>& members, const delivery_ticket& t);
  void finish(delivery_ticket& t);
  bool may_leave(const outlet& o, const direct_frame& f) const;
  void send(outlet& o, direct_frame& f);
  /// Sends what of `o`'s waiting frames may leave now, and notes what the rest waits for.
  void reconsider(const outlet_ptr& o);
  void release_by_seq();
};

caf::behavior delivery_shard(caf::stateful_actor<delivery_shard_state>* self, std::string nsp,
                             delivery_shards_ptr shards, std::size_t index);

} // namespace atrium
