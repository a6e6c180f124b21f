#include "atrium/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include "actors/boundary/metrics.hpp"
#include "net/echo_handler.hpp"
#include "net/engine_endpoint.hpp"
#include "net/http_connection.hpp"
#include "net/listener.hpp"
#include "net/server_stats.hpp"
#include "net/socketio_bridge.hpp"
#include "net/static_files.hpp"
#include "net/websocket_transport.hpp"
#include "net/write_gatherer.hpp"
#include "protocol/json.hpp"

namespace atrium::net {

namespace asio = boost::asio;

struct http_server::impl {
  impl(server_options o, std::shared_ptr<namespace_registry> r)
    : registry(std::move(r)), opts(std::move(o)) {}

  // Declared first, released last: every session's bridge refers to it.
  std::shared_ptr<namespace_registry> registry;
  server_options opts;
  server_stats stats; // outlives the endpoints, sessions and connections that count into it
  // Declared first, destroyed last: everything below may hold handles into it.
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<write_gatherer> gatherer;
  std::unique_ptr<engine_endpoint> socketio;
  std::unique_ptr<engine_endpoint> echo;
  std::unique_ptr<const static_files> files;
  http_routes routes;
  std::shared_ptr<listener> accept;
  std::vector<std::thread> threads;
  std::mutex lifecycle;
  bool started = false;
  bool stopped = false;
  std::atomic<bool> draining{false};
  std::uint16_t bound_port = 0;

  std::size_t live_sessions() const {
    return (socketio ? socketio->sessions() : 0) + (echo ? echo->sessions() : 0);
  }
};

http_server::http_server(server_options opts, std::shared_ptr<namespace_registry> registry)
  : impl_(std::make_unique<impl>(std::move(opts), std::move(registry))) {
}

http_server::~http_server() {
  stop();
}

void http_server::start() {
  std::lock_guard<std::mutex> guard{impl_->lifecycle};
  auto& d = *impl_;
  if (d.started)
    return;
  session_config cfg;
  cfg.ping_interval = std::chrono::milliseconds(d.opts.ping_interval_ms);
  cfg.ping_timeout = std::chrono::milliseconds(d.opts.ping_timeout_ms);
  cfg.max_payload = d.opts.max_payload;
  cfg.stats = &d.stats;
  cfg.max_queued_bytes = d.opts.max_queued_bytes;
  cfg.stall_timeout = std::chrono::milliseconds(d.opts.stall_timeout_ms);
  d.gatherer = std::make_unique<write_gatherer>(d.ioc, std::chrono::milliseconds(d.opts.gather_ms));
  cfg.gatherer = d.gatherer.get();
  auto reply = protocol::parse_json(d.opts.rate_limited_ack);
  if (!reply)
    throw std::invalid_argument("server_options::rate_limited_ack is not one JSON value: "
                                + d.opts.rate_limited_ack);
  bridge_options bridge;
  bridge.connect_timeout = std::chrono::milliseconds(d.opts.connect_timeout_ms);
  bridge.events_per_second = d.opts.max_events_per_second;
  bridge.event_burst = d.opts.max_events_per_second; // a second's worth at once
  bridge.on_flood = d.opts.disconnect_flooders ? flood_action::disconnect : flood_action::drop;
  bridge.rate_limited_ack = protocol::to_json(*reply); // compact, as a packet carries it
  bridge.stats = &d.stats;
  bridge.max_namespaces = d.opts.max_namespaces_per_client;
  bridge.limits.max_attachments = d.opts.max_attachments;
  bridge.limits.max_json_depth = d.opts.max_json_depth;
  auto& registry = *d.registry;
  session_limits limits;
  limits.max_sessions = d.opts.max_connections;
  limits.max_per_address = d.opts.max_connections_per_address;
  d.socketio = std::make_unique<engine_endpoint>(
    d.ioc, cfg,
    [&registry, shared = std::make_shared<const bridge_options>(std::move(bridge))](
      engine_session& s) { return make_socketio_bridge(s, registry, shared); },
    limits);
  d.routes.engines.clear(); // a start() that failed to bind may be retried
  d.routes.engines.emplace_back(d.opts.path, d.socketio.get());
  if (d.opts.engineio_echo) {
    d.echo = std::make_unique<engine_endpoint>(d.ioc, cfg, [](engine_session& s) {
      return make_echo_handler(s);
    });
    d.routes.engines.emplace_back("/engine.io/", d.echo.get());
  }
  d.routes.cors_origin = d.opts.cors_origin;
  if (d.opts.stats_endpoint)
    d.routes.stats = [&d] { return d.stats.to_json(d.live_sessions()); };
  d.files.reset();
  if (!d.opts.static_dir.empty())
    d.files = std::make_unique<const static_files>(d.opts.static_dir);
  d.routes.files = d.files.get();
  if (d.opts.metrics_endpoint)
    d.routes.metrics = [] { return metrics::render(metrics::process()); };
  d.routes.not_ready = [&d]() -> std::string {
    if (d.draining.load(std::memory_order_relaxed))
      return "draining";
    return d.opts.readiness ? d.opts.readiness() : std::string{};
  };
  d.routes.max_body = d.opts.max_payload;
  d.routes.read_timeout = std::chrono::milliseconds{d.opts.request_timeout_ms};

  auto address = asio::ip::make_address(d.opts.host); // throws system_error when malformed
  d.accept = std::make_shared<listener>(d.ioc, asio::ip::tcp::endpoint{address, d.opts.port},
                                        d.routes);
  d.bound_port = d.accept->port();
  d.accept->run();
  d.gatherer->start();
  d.work.emplace(d.ioc.get_executor());
  for (unsigned i = 0; i < std::max(1u, d.opts.threads); ++i)
    d.threads.emplace_back([&d] { d.ioc.run(); });
  d.started = true;
  registry.serving();
}

void http_server::drain() {
  std::lock_guard<std::mutex> guard{impl_->lifecycle};
  auto& d = *impl_;
  if (!d.started || d.stopped || d.draining.exchange(true))
    return;
  if (d.socketio)
    d.socketio->drain();
  if (d.echo)
    d.echo->drain();
}

bool http_server::drained() const {
  return impl_->live_sessions() == 0 && live_websockets() == 0;
}

void http_server::stop() {
  std::lock_guard<std::mutex> guard{impl_->lifecycle};
  auto& d = *impl_;
  if (!d.started || d.stopped)
    return;
  d.stopped = true;
  d.accept->stop();
  d.gatherer->stop(); // the sessions' closing flushes their queues themselves
  // Every session closes (sockets hear `server shutting down`, WebSockets get a close
  // frame, a waiting poll gets its close packet); give the closing handshakes a moment.
  if (d.socketio)
    d.socketio->shutdown(disconnect_reason::server_shutting_down);
  if (d.echo)
    d.echo->shutdown(disconnect_reason::server_shutting_down);
  auto grace = d.draining.load() ? std::chrono::milliseconds(0) : std::chrono::milliseconds(1500);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline
         && (d.live_sessions() > 0 || live_websockets() > 0))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  d.work.reset();
  d.ioc.stop();
  for (auto& t : d.threads)
    if (t.joinable())
      t.join();
  d.threads.clear();
}

std::uint16_t http_server::port() const {
  return impl_->bound_port;
}

} // namespace atrium::net
