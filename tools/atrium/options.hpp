#pragma once

#include <optional>
#include <string>
#include <vector>

#include "actors/cluster_node.hpp"
#include "atrium/http_server.hpp"
#include "tools/atrium/client_policy.hpp"

namespace atrium::cli {

struct options {
  net::server_options http;
  cluster_options cluster;
  bool cluster_insecure = false;
  std::vector<std::string> namespaces{"/"};
  unsigned actor_threads = 0;
  bool batch_scheduling = true; // --worker-scheduling batch|normal
  app::client_policy policy;
  bool conformance = false;
  bool help = false;
};

/// Parses the command line; on a bad option returns nullopt and sets `problem`.
std::optional<options> parse(int argc, char** argv, std::string& problem);

const char* usage();

} // namespace atrium::cli
