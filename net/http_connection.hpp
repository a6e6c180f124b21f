#pragma once

// One accepted TCP connection speaking HTTP/1.1: reads requests, answers the non-Engine.IO
// ones (404, CORS preflight, static files), hands polling requests to their endpoint and waits
// for the answer, and hands WebSocket upgrades over for good.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

namespace atrium::net {

class engine_endpoint;
class static_files;

/// Where requests go, fixed once the server starts.
struct http_routes {
  std::vector<std::pair<std::string, engine_endpoint*>> engines; // path ("/socket.io/") → endpoint
  std::string cors_origin = "*";
  std::size_t max_body = 1000000;
  /// A request's headers and body must arrive within this (slowloris); also how long a
  /// connection may wait idle for its next request.
  std::chrono::milliseconds read_timeout{30000};
  /// When set, GET /atrium/stats answers with what it returns (JSON).
  std::function<std::string()> stats;
  /// When set, GET and HEAD of any path not reserved below answer with its files.
  const static_files* files = nullptr;
  /// When set, GET /metrics answers with what it returns (Prometheus text).
  std::function<std::string()> metrics;
  /// What GET /readyz reports as keeping the server from being ready; empty: ready.
  std::function<std::string()> not_ready;

  /// The endpoint serving `path` ("/socket.io/" or "/socket.io"), if any.
  engine_endpoint* find(std::string_view path) const;
  /// Whether `path` belongs to the server itself (an engine's path and what is under it,
  /// /atrium/...), so that no file of `files` can shadow it.
  bool reserved(std::string_view path) const;
};

/// Starts serving an accepted socket (its executor should be a strand of its own).
void serve_http(boost::asio::ip::tcp::socket socket, const http_routes& routes);

} // namespace atrium::net
