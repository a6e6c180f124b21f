#pragma once

// Event webhooks: what clients do (connect, disconnect, join, leave, events), POSTed to the
// application's back end, signed; an event's ack is answered from the response. One socket's
// webhooks go one at a time, in the order it did things; a slow or dead back end holds back
// only the sockets waiting for it, never the server.

#include <atomic>
#include <memory>
#include <set>
#include <string>

#include "atrium/namespace.hpp"
#include "tools/atrium/backend_options.hpp"

namespace atrium::net {
class http_client;
}

namespace atrium::app {

class webhooks {
public:
  /// `secret`: the HMAC-SHA256 key of X-Atrium-Signature (empty: unsigned).
  webhooks(const webhook_options& opts, std::string secret,
           std::shared_ptr<net::http_client> client);
  ~webhooks();

  /// Sends `nsp`'s webhooks. `answered`: the events the server's own app answers, which `*`
  /// leaves out (naming one in the list forwards it too, its ack still the app's).
  void install(namespace_handle nsp, const std::set<std::string>& answered);

  /// Counters as a JSON object: posted, delivered, failed, timed_out, rejected (queue full),
  /// refused (answered with a status other than 2xx), queued, in_flight.
  std::string stats_json() const;

  struct state;

private:
  std::shared_ptr<state> st_;
};

/// The hexadecimal HMAC-SHA256 of `body` under `secret` (the signature's value after `sha256=`).
std::string hmac_sha256_hex(const std::string& secret, const std::string& body);

} // namespace atrium::app
