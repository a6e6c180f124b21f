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

namespace atrium {

struct cluster_options {
  std::string host = "127.0.0.1";        // where this node listens for peers
  std::uint16_t port = 0;                // 0: no cluster
  std::vector<std::string> peers;        // "host:port" of nodes to join
  std::chrono::milliseconds retry{1000}; // how often a lost or unreachable peer is tried again
  // TLS between nodes (CAF's OpenSSL module): each node proves itself with a certificate
  // signed by `tls_ca` and accepts only peers that do the same. All three or none.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  bool tls() const { return !tls_cert.empty(); }
};

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
