#pragma once

// One node's membership in an Atrium cluster: a full mesh of CAF nodes, no broker. Each node
// publishes its cluster actor; peers exchange the addresses they know, so a node that knows
// one member comes to know them all. A broadcast that is not `local` crosses to each peer once,
// as one message carrying the encoded packet, and that node's supervisor fans it out locally.

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/node_id.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "atrium/cluster_options.hpp"

namespace atrium {

struct cluster_state {
  struct peer {
    caf::actor actor;
    std::string address;
  };

  std::string address; // "host:port" as the other nodes reach this one
  std::chrono::milliseconds retry{1000};
  std::map<std::string, caf::actor> supervisors; // by namespace, on this node
  std::map<caf::node_id, peer> peers;            // connected right now
  std::set<std::string> wanted;                  // every address this node keeps reaching for
  std::set<std::string> connecting;              // connection attempts in flight

  static inline const char* name = "atrium.cluster";
};

caf::behavior cluster_node(caf::stateful_actor<cluster_state>* self, cluster_options opts);

} // namespace atrium
