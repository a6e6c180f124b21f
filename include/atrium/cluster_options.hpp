#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace atrium {

/// This node's place in an Atrium cluster: a full mesh of nodes, no broker.
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

} // namespace atrium
