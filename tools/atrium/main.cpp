// atrium: the Socket.IO server binary. Its application is the rooms app on every namespace,
// optionally in front of an application's back end (tokens or a connect hook, the server HTTP
// API, webhooks: README.md, "Atrium in front of your back end").

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/boundary/log.hpp"
#include "actors/boundary/metrics.hpp"
#include "atrium/http_server.hpp"
#include "atrium/server.hpp"
#include "net/api_server.hpp"
#include "net/health.hpp"
#include "net/http_client.hpp"
#include "tools/atrium/admin_ui.hpp"
#include "tools/atrium/client_auth.hpp"
#include "tools/atrium/config_file.hpp"
#include "tools/atrium/http_api.hpp"
#include "tools/atrium/options.hpp"
#include "tools/atrium/readiness.hpp"
#include "tools/atrium/rooms_app.hpp"
#include "tools/atrium/secret_file.hpp"
#include "tools/atrium/token_verifier.hpp"
#include "tools/atrium/webhooks.hpp"

namespace {

/// What the back-end flags need that can fail at start (files, URLs), made before anything
/// listens, so that a mistake is one line on stderr and exit status 1.
struct backend {
  std::shared_ptr<const atrium::app::token_verifier> verifier;
  std::shared_ptr<atrium::net::http_client> outbound; // the connect hook's and the webhooks'
  std::unique_ptr<atrium::app::webhooks> hooks;
  std::string api_key;

  explicit backend(const atrium::app::backend_options& b) {
    using atrium::net::http_client;
    if (b.auth.tokens()) {
      atrium::app::token_rules rules;
      rules.issuer = b.auth.jwt_issuer;
      rules.audience = b.auth.jwt_audience;
      rules.leeway_s = b.auth.jwt_leeway_s;
      verifier = atrium::app::token_verifier::from_files(b.auth.jwt_secret_file,
                                                         b.auth.jwt_public_key_file, rules);
    }
    for (auto* url : {&b.auth.connect_hook_url, &b.webhooks.url})
      if (!url->empty())
        if (auto why = http_client::check_url(*url); !why.empty())
          throw std::runtime_error(*url + ": " + why);
    if (!b.auth.connect_hook_url.empty() || b.webhooks.enabled()) {
      atrium::net::http_client_options client_opts;
      client_opts.max_in_flight = b.webhooks.max_in_flight;
      client_opts.max_queued = b.webhooks.max_queued;
      outbound = std::make_shared<http_client>(client_opts);
    }
    if (b.webhooks.enabled()) {
      std::string secret;
      if (!b.webhooks.secret_file.empty())
        secret = atrium::app::read_secret_file(b.webhooks.secret_file, "webhook secret file");
      hooks = std::make_unique<atrium::app::webhooks>(b.webhooks, std::move(secret), outbound);
    }
    if (b.api.enabled)
      api_key = atrium::app::read_secret_file(b.api.key_file, "API key file");
  }
};

const char* signal_name(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal";
}

// Webhooks and connect-hook requests waiting or in flight.
std::uint64_t outbound_pending(const backend& back) {
  if (!back.outbound)
    return 0;
  auto st = back.outbound->stats();
  return st.queued + st.in_flight;
}

// Whether every socket has gone from every namespace: its disconnect handlers (which post the
// `disconnect` webhooks) have run by then.
bool sockets_gone(const std::map<std::string, atrium::namespace_handle>& served) {
  for (auto& entry : served)
    if (!entry.second.sids().empty())
      return false;
  return true;
}

} // namespace

int main(int argc, char** argv) {
  // Block the shutdown signals before any thread starts, so every thread inherits the mask and
  // only sigwait() below receives them.
  sigset_t shutdown_signals;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGINT);
  sigaddset(&shutdown_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &shutdown_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::string problem;
  auto opts = atrium::cli::parse(argc, argv, problem);
  if (!opts) {
    std::fprintf(stderr, "atrium: %s\n\n%s", problem.c_str(), atrium::cli::usage().c_str());
    return 2;
  }
  if (opts->help) {
    std::fputs(atrium::cli::usage().c_str(), stdout);
    return 0;
  }
  if (opts->version) {
    std::printf("atrium %s\n", ATRIUM_VERSION);
    return 0;
  }
  if (opts->print_config) {
    std::fputs(atrium::cli::config_text(opts->settings).c_str(), stdout);
    return 0;
  }
  atrium::log::configure(opts->log_level, opts->log_format);
  namespace log = atrium::log;

  std::unique_ptr<backend> back;
  try {
    back = std::make_unique<backend>(opts->backend);
  } catch (const std::exception& e) {
    log::error("cannot start", {{"error", e.what()}}, std::string{"atrium: "} + e.what());
    return 1;
  }

  atrium::server_options server_opts;
  server_opts.threads = opts->actor_threads;
  server_opts.batch_scheduling = opts->batch_scheduling;
  server_opts.cluster = opts->cluster;
  server_opts.recovery.window = std::chrono::milliseconds{opts->recovery_window_ms};
  server_opts.recovery.max_buffer_bytes = opts->recovery_buffer_bytes;
  server_opts.recovery.cluster_timeout =
    std::chrono::milliseconds{opts->recovery_cluster_timeout_ms};
  server_opts.recovery.skip_middlewares = opts->recovery_skip_middlewares;
  std::unique_ptr<atrium::server> server;
  try {
    server = std::make_unique<atrium::server>(server_opts);
  } catch (const std::exception& e) {
    log::error("cannot start", {{"error", e.what()}}, std::string{"atrium: "} + e.what());
    return 1;
  }
  auto& io = *server;
  std::string names;
  std::map<std::string, atrium::namespace_handle> served;
  for (auto& name : opts->namespaces) {
    if (served.count(name) > 0)
      continue; // each namespace's app once, even if it was named twice
    served.emplace(name, io.of(name));
    names += names.empty() ? name : ", " + name;
    auto nsp = io.of(name);
    // Who a client is comes first, so that the app's handlers see its granted rooms.
    auto& auth = opts->backend.auth;
    if (back->verifier)
      atrium::app::install_token_auth(nsp, back->verifier, auth);
    else if (!auth.connect_hook_url.empty())
      atrium::app::install_connect_hook(nsp, back->outbound, auth);
    auto answered = atrium::app::install_rooms_app(nsp, opts->policy);
    if (opts->conformance) {
      auto more = atrium::app::install_conformance_app(nsp);
      answered.insert(more.begin(), more.end());
    }
    if (back->hooks)
      back->hooks->install(nsp, answered);
  }

  // Installed on every namespace before the transport starts.
  std::unique_ptr<atrium::app::admin_ui> admin;
  if (opts->admin.enabled) {
    try {
      // The transport's counts, from the metrics: the UI's dashboard splits clients by
      // transport and shows bytes. Its packets are the application's own (Socket.IO events,
      // counted by the admin UI), not Engine.IO's pings.
      atrium::app::engine_stats_source engine = [] {
        namespace m = atrium::metrics;
        auto& r = m::process();
        auto gauge = [&r](std::size_t s) {
          return static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.value(s)));
        };
        atrium::app::engine_counters c;
        c.polling_clients = gauge(m::connections_polling);
        c.clients = *c.polling_clients + gauge(m::connections_websocket);
        c.bytes_in = gauge(m::bytes_in);
        c.bytes_out = gauge(m::bytes_out);
        return c;
      };
      admin = std::make_unique<atrium::app::admin_ui>(opts->admin, io, served, std::move(engine));
    } catch (const std::exception& e) {
      log::error("cannot start", {{"error", e.what()}}, std::string{"atrium: "} + e.what());
      return 1;
    }
    admin->install();
    names += ", " + opts->admin.namespace_name + " (admin UI)";
  }
  auto self_address = opts->cluster.host + ":" + std::to_string(opts->cluster.port);
  atrium::app::readiness ready{opts->cluster.peers, self_address};
  opts->http.readiness = [&ready] { return ready.not_ready(); };

  std::unique_ptr<atrium::app::http_api> api;
  std::unique_ptr<atrium::net::api_server> api_listener;
  if (opts->backend.api.enabled) {
    auto* hooks = back->hooks.get();
    api = std::make_unique<atrium::app::http_api>(served, back->api_key, [hooks] {
      return std::string{R"({"webhooks":)"} + (hooks ? hooks->stats_json() : "null") + '}';
    });
    atrium::net::api_server_options api_opts;
    api_opts.host = opts->backend.api.host;
    api_opts.port = opts->backend.api.port;
    api_opts.max_body = opts->backend.api.max_body;
    api_listener = std::make_unique<atrium::net::api_server>(
      api_opts, [handler = api.get(), &ready](atrium::net::api_request request,
                                              atrium::net::api_reply reply) {
        // The probes need no key: orchestrators ask them.
        auto path = std::string_view{request.target}.substr(0, request.target.find('?'));
        if (atrium::net::is_probe(path)) {
          if (auto answer = atrium::net::answer_probe(request.method, path, ready.not_ready())) {
            atrium::net::api_response res;
            res.status = answer->status;
            res.body = std::move(answer->body);
            reply(std::move(res));
            return;
          }
        }
        handler->handle(std::move(request), std::move(reply));
      });
    try {
      api_listener->start();
    } catch (const std::exception& e) {
      log::error("cannot serve the API",
                 {{"host", api_opts.host}, {"port", api_opts.port}, {"error", e.what()}},
                 "atrium: cannot serve the API on " + api_opts.host + ":"
                   + std::to_string(api_opts.port) + ": " + e.what());
      return 1;
    }
  }

  atrium::net::http_server http{opts->http, io};
  try {
    http.start();
  } catch (const std::invalid_argument& e) {
    // An option the transport cannot use (a --static DIR that is no directory): not the port's
    // fault.
    log::error("cannot start", {{"error", e.what()}}, std::string{"atrium: "} + e.what());
    return 1;
  } catch (const std::exception& e) {
    log::error("cannot listen",
               {{"host", opts->http.host}, {"port", opts->http.port}, {"error", e.what()}},
               "atrium: cannot listen on " + opts->http.host + ":"
                 + std::to_string(opts->http.port) + ": " + e.what());
    return 1;
  }
  if (admin)
    admin->start();
  // Before the "listening" line, which is what scripts wait for.
  if (api_listener)
    std::printf("atrium API on http://%s:%u\n", opts->backend.api.host.c_str(),
                static_cast<unsigned>(api_listener->port()));
  std::printf("atrium listening on http://%s:%u (namespaces: %s%s)\n", opts->http.host.c_str(),
              static_cast<unsigned>(http.port()), names.c_str(),
              opts->conformance ? "; conformance mode" : "");
  if (opts->cluster.port != 0)
    std::printf("atrium cluster: node %s:%u\n", opts->cluster.host.c_str(),
                static_cast<unsigned>(opts->cluster.port));
  std::fflush(stdout);
  ready.listening();
  // In text the lines above are the start line; JSON logs get a record of their own.
  if (log::current_format() == log::format::json)
    log::info("started", {{"version", ATRIUM_VERSION},
                          {"host", opts->http.host},
                          {"port", http.port()},
                          {"namespaces", names},
                          {"api_port", api_listener ? api_listener->port() : 0},
                          {"cluster_port", opts->cluster.port},
                          {"pid", static_cast<long>(getpid())}});

  // Meanwhile, once a second, hand the memory glibc holds free back to the system: it keeps
  // what a large teardown frees (the ~100,000 room actors of clients that left at their room
  // limit: 160 MB) in fragmented arena heaps it never trims on its own. A trim costs about
  // 13 µs when there is nothing to give back, 10 ms after 10,000 clients left.
  // The cluster part of readiness is refreshed here too, a few times a second: the probes run
  // on I/O threads, which must not wait for an actor.
  const timespec slice{0, 200'000'000};
  int sig = -1;
  for (unsigned n = 0; (sig = sigtimedwait(&shutdown_signals, nullptr, &slice)) < 0; ++n) {
    if (ready.clustered())
      ready.cluster(io.peers());
    if (n % 5 == 4)
      malloc_trim(0);
  }

  // Drain: refuse new clients, close the connected ones so that they reconnect elsewhere, let
  // what they were sent and what their going posted (webhooks) leave, within the deadline.
  using clock = std::chrono::steady_clock;
  auto drain_started = clock::now();
  auto deadline = drain_started + std::chrono::milliseconds{opts->drain_timeout_ms};
  log::info("stopping", {{"signal", signal_name(sig)}, {"drain_timeout_ms", opts->drain_timeout_ms}},
            "atrium: stopping (" + std::string{signal_name(sig)} + "): draining for at most "
              + std::to_string(opts->drain_timeout_ms) + " ms");
  ready.draining();
  http.drain();
  const timespec tick{0, 10'000'000};
  bool drained = false;
  while (clock::now() < deadline) {
    // In this order: once the sockets are gone nothing posts webhooks any more.
    if (http.drained() && sockets_gone(served) && outbound_pending(*back) == 0) {
      drained = true;
      break;
    }
    if (int again = sigtimedwait(&shutdown_signals, nullptr, &tick); again >= 0) {
      log::warn("second signal: exiting at once", {{"signal", signal_name(again)}},
                std::string{"atrium: "} + signal_name(again) + " again: exiting at once");
      std::_Exit(1);
    }
  }
  if (!drained)
    log::warn("drain timeout: abandoning what is left",
              {{"drain_timeout_ms", opts->drain_timeout_ms},
               {"webhooks_pending", outbound_pending(*back)}},
              "atrium: drain timeout (" + std::to_string(opts->drain_timeout_ms)
                + " ms): abandoning the clients and " + std::to_string(outbound_pending(*back))
                + " webhooks left");
  // Connection state recovery: the sessions of the clients just closed go to a peer, which
  // recovers them wherever they come back (here too, once restarted). Within what is left of
  // the drain, so that a frozen peer cannot hold the exit past --drain-timeout (by more than
  // the moment a hand-off needs when the drain used it all).
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  if (auto handed = io.hand_off_sessions(std::max(left, std::chrono::milliseconds{200})))
    log::info("recovery sessions handed off", {{"sessions", handed}},
              "atrium: " + std::to_string(handed) + " recovery sessions handed to a peer");
  if (api_listener)
    api_listener->stop();
  http.stop();
  if (admin)
    admin->stop();
  // Every webhook and hook callback runs now, while the actors it answers still exist (the
  // handlers that hold the client go only with the server). What is left after the drain is
  // answered "shutting down", not delivered.
  if (back->outbound)
    back->outbound->stop();
  io.shutdown();
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - drain_started);
  log::info("stopped", {{"drain_ms", static_cast<std::int64_t>(took.count())}},
            "atrium: stopped (" + std::to_string(took.count()) + " ms after the signal)");
  return 0;
}
