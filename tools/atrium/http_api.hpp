#pragma once

// The server HTTP API: what an application's back end, in any language, does to the sockets
// of a running atrium (of the whole cluster, unless a request says "local"). README.md,
// "Atrium in front of your back end", lists the routes.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "atrium/namespace.hpp"
#include "net/api_server.hpp"

namespace atrium::app {

class http_api {
public:
  /// `namespaces`: those the server serves (the API never creates one). `key`: what
  /// `Authorization: Bearer` must carry. `stats`: JSON object text for GET /v1/stats.
  http_api(std::map<std::string, namespace_handle> namespaces, std::string key,
           std::function<std::string()> stats);

  /// Answers `request` through `reply`, at once or, for what asks the cluster, later from
  /// another thread. Never blocks.
  void handle(net::api_request request, net::api_reply reply) const;

private:
  bool authorized(const std::string& authorization) const;

  std::map<std::string, namespace_handle> namespaces_;
  std::string key_digest_; // SHA-256 of the key: compared in constant time whatever its length
  std::function<std::string()> stats_;
};

} // namespace atrium::app
