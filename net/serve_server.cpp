// The one place where net/ meets the actors library: an http_server serving an atrium::server
// reaches its namespaces through the boundary's namespace_registry, like any other registry.
// Everything else in net/ sees only actors/boundary/; this file is built into a library of its
// own (atrium_net_serve, net/CMakeLists.txt), so that atrium_net links no actor code and
// tests/boundary/check_includes.cmake can tell this arrow from a stray one.

#include "atrium/http_server.hpp"

#include <utility>

#include "actors/server_registry.hpp"

namespace atrium::net {

http_server::http_server(server_options opts, atrium::server& io)
  : http_server(std::move(opts), registry_of(io)) {
}

} // namespace atrium::net
