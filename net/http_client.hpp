#pragma once

// An outbound HTTP/1.1 client for webhooks and the connect hook: POSTs a body to an http:// URL
// on io threads of its own and calls back with what came of it. Bounded everywhere: requests
// in flight, requests waiting, bytes of a response, time of an exchange.
//
// No Beast or Asio here (pimpl): tools/atrium includes this header.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace atrium::net {

/// One POST to send.
struct outbound_request {
  std::string url; // http://host[:port]/path
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  /// The whole life of the request, counted from post(): waiting in the queue or behind its
  /// lane, resolving, connecting, writing, reading. So a queued request cannot wait forever.
  std::chrono::milliseconds timeout{5000};
  /// Requests of one non-empty lane are sent one at a time, in post order (per-socket order);
  /// empty: no ordering.
  std::string lane;
};

/// What came of one request.
struct outbound_response {
  bool delivered = false; // a response arrived (any status)
  unsigned status = 0;
  std::string body;
  /// Why not delivered: "timed out", "connection refused", "host not found", "queue full",
  /// "response too large", "connection closed", "shutting down", "bad URL", "bad header", ...
  std::string error;
};

struct http_client_options {
  std::size_t max_in_flight = 64; // concurrent requests
  std::size_t max_queued = 10000; // waiting beyond those; more are answered at once, "queue full"
  std::size_t max_response_bytes = 1 << 20;
  unsigned threads = 1; // io threads of its own
};

/// Counters since construction: every posted request ends up exactly once in `delivered` or
/// `failed` (any error, refusals included); `timed_out` and `rejected` ("queue full") are
/// parts of `failed`. `queued` and `in_flight` are the current numbers.
struct http_client_stats {
  std::uint64_t posted, delivered, failed, timed_out, rejected;
  std::uint64_t queued, in_flight;
};

/// Sends requests, at most `max_in_flight` at once. A request of a lane waits (queued) until
/// the lane's previous request has finished; a lane whose request stalls holds back only its
/// own later requests, but it does hold one of the `max_in_flight` slots until its timeout.
/// Every request opens a connection of its own (Connection: close); no reuse yet.
class http_client {
public:
  explicit http_client(http_client_options opts = {});
  /// Stops: requests still waiting or in flight are answered with error "shutting down" (on
  /// the client's threads), then the threads are joined. Requests posted by those callbacks
  /// are answered "shutting down" too. Must not be called from a callback.
  ~http_client();

  /// What the destructor does, now: for an owner that must see every callback run before it
  /// tears down what they call into (the actor system), while others still hold the client.
  /// Afterwards post() answers "shutting down" at once, on the calling thread. Idempotent.
  void stop();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Thread-safe, never blocks; `done` runs exactly once, on one of the client's threads
  /// (even for a refusal such as "queue full"). An exception escaping `done` is swallowed.
  void post(outbound_request req, std::function<void(outbound_response)> done);

  http_client_stats stats() const;

  /// Empty if `url` can be posted to, else why not (e.g. "only http:// URLs are supported",
  /// "bad URL").
  static std::string check_url(const std::string& url);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace atrium::net
