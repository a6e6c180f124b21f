#pragma once

// What puts the atrium binary in front of an application's back end: who clients are (signed
// tokens or a connect hook), the server HTTP API the back end publishes through, and the
// webhooks that tell it what clients do. README.md, "Atrium in front of your back end".

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace atrium::app {

struct auth_options {
  std::string jwt_secret_file;     // HS256/384/512
  std::string jwt_public_key_file; // RS256 or ES256 (PEM)
  std::string jwt_issuer;          // "iss" must equal it, when set
  std::string jwt_audience;        // "aud" must contain it, when set
  unsigned jwt_leeway_s = 30;      // for exp and nbf
  bool optional = false;           // --auth optional: clients without credentials come in
  std::string user_room_prefix = "user:";
  std::string connect_hook_url;
  unsigned connect_hook_timeout_ms = 5000;

  bool tokens() const { return !jwt_secret_file.empty() || !jwt_public_key_file.empty(); }
  bool enabled() const { return tokens() || !connect_hook_url.empty(); }
};

struct api_options {
  bool enabled = false; // --api-port given
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string key_file;
  std::size_t max_body = 1 << 20;
};

struct webhook_options {
  std::string url;
  /// connect, disconnect, join, leave, client event names, or `*`: all of those, and every
  /// client event the rooms app does not answer itself.
  std::vector<std::string> events;
  std::string secret_file;
  unsigned timeout_ms = 5000;
  std::size_t max_in_flight = 64;
  std::size_t max_queued = 10000;

  bool enabled() const { return !url.empty(); }
};

struct backend_options {
  auth_options auth;
  api_options api;
  webhook_options webhooks;
};

} // namespace atrium::app
