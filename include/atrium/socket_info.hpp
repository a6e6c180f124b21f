#pragma once

#include <map>
#include <string>
#include <vector>

namespace atrium {

/// One socket as fetch_sockets reports it, from whichever node holds it.
struct socket_info {
  std::string id;
  std::vector<std::string> rooms; // sorted, own id included
  std::string address;            // the client's remote address
  std::string node;               // the cluster address of its node; empty when alone
  std::string data = "null";      // socket::data(), JSON text
};
using socket_infos = std::vector<socket_info>;

/// `rooms` or `sids` of the in-memory adapter: name -> sorted names.
using membership_map = std::map<std::string, std::vector<std::string>>;

} // namespace atrium
