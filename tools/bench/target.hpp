// Where connections go: a --url resolved once, before any connection starts, so that no
// workload resolves names on its measured path.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "tools/bench/options.hpp"

namespace atrium::bench {

/// The resolved address of a server and the Host header that names it.
struct connect_target {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string host_header;
};

/// Resolves a --url, preferring IPv4 (the servers usually listen on IPv4 only). Nothing, and
/// why in `error`, if the name does not resolve.
std::optional<connect_target> resolve_target(const server_url& url, std::string& error);

/// Resolves every --url in order. Empty, and why in `error`, if one does not resolve.
std::vector<connect_target> resolve_targets(const std::vector<server_url>& urls,
                                            std::string& error);

} // namespace atrium::bench
