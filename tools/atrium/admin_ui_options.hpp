#pragma once

// How the Admin UI is served (--admin-* flags; tools/atrium/admin_ui.hpp serves it).

#include <string>

namespace atrium::app {

struct admin_ui_options {
  bool enabled = false;                 // --admin-ui
  std::string namespace_name = "/admin";
  std::string username = "admin";
  std::string password_hash_file;       // its first line: a bcrypt hash
  bool no_auth = false;                 // admin-ui's `auth: false`
  bool read_only = false;               // admin-ui's `readonly`
  bool development = true;              // admin-ui's `mode` (its default is "development")
  std::string server_id;                // empty: the host name (host name#pid in a cluster)
};

} // namespace atrium::app
