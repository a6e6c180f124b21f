#include "tools/atrium/options.hpp"

#include <charconv>
#include <cstring>
#include <limits>
#include <string_view>

#include "protocol/json.hpp"

namespace atrium::cli {

namespace {

template <class Int>
bool to_number(std::string_view text, Int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

} // namespace

const char* usage() {
  return R"(usage: atrium [options]

Runs a Socket.IO v5 (Engine.IO v4) server whose application is the rooms app:
clients join/leave rooms and broadcast to them (see README.md).

  --host ADDR            address to listen on (default 0.0.0.0)
  --port N               port to listen on (default 3000; 0 picks a free one)
  --namespace NAME       serve namespace NAME too (repeatable; "/" always exists)
  --ping-interval MS     Engine.IO pingInterval (default 25000)
  --ping-timeout MS      Engine.IO pingTimeout (default 20000)
  --max-payload BYTES    maxHttpBufferSize: largest HTTP body / WebSocket message (default 1000000)
  --connect-timeout MS   close clients that join no namespace in time (default 45000)
  --request-timeout MS   close HTTP connections whose request (headers and body) has not
                         arrived whole in time, or that wait idle that long (default 30000)
  --max-connections N    clients connected at once; more are refused with HTTP 503
                         (default 0: no bound but the open-file limit)
  --max-connections-per-address N
                         clients at once from one remote address (default 0: no bound;
                         behind a proxy every client has the proxy's address)
  --max-events-per-second N
                         events one socket may send a second (a second's worth at once);
                         past it they are dropped and counted, and one that asked for an
                         ack gets {"ok":false,"error":"rate limited"} (default 1000; 0: none)
  --disconnect-flooders  past that rate, disconnect the socket instead
  --stall-timeout MS     a client whose queued messages wait MS while it reads nothing (no
                         poll, no byte taken by its WebSocket) is closed and counted
                         (default 30000; 0: never)
  --gather-ms MS         while the server is busy, a broadcast to a client written to less
                         than MS ago waits for the rest of MS, so what follows it leaves in
                         the same write; answers never wait (default 10; 0: never)
  --max-queued-bytes N   the most one client's outbound queue may hold: a client that would
                         pass it is closed and counted, however it reads (default 33554432)
  --max-namespaces-per-client N
                         namespaces one connection may join at once (default 32; 0: none);
                         past it CONNECT gets CONNECT_ERROR
  --max-attachments N    binary attachments of one packet (default 10); more closes the
                         connection as a protocol error
  --max-json-depth N     nesting of a packet's JSON (1 to 32, default 32); deeper closes it too
  --stats                serve GET /atrium/stats: connections, and what was refused or
                         dropped (connections, events, slow consumers, volatile packets)
  --threads N            I/O threads (default 1)
  --actor-threads N      actor scheduler threads (default: one per CPU the process may use)
  --worker-scheduling P  batch (default): the actor threads run as SCHED_BATCH, so a message
                         does not preempt the I/O thread that sent it on a shared CPU;
                         normal: Linux's default policy
  --cluster-port N       join a cluster: listen for peer nodes on N (CAF network)
  --cluster-host ADDR    address for peer nodes (default 127.0.0.1; any other address
                         needs TLS (--cluster-tls-*) or --cluster-insecure)
  --peer HOST:PORT       a node of the cluster to join (repeatable; the others are learned)
  --cluster-insecure     allow a cluster port on a non-loopback address without TLS
  --cluster-tls-cert F   this node's certificate (PEM) for TLS between nodes
  --cluster-tls-key F    its private key (PEM, unencrypted)
  --cluster-tls-ca F     the CA that signs every node's certificate: peers without one
                         signed by it can neither join nor send anything
  --allow-join PATTERN   room names clients may join (repeatable; * and ? are wildcards;
                         default: any name). Never another socket's own-id room, nor any
                         name of that form (15 URL-safe base64 characters)
  --allow-emit SCOPE     where clients may broadcast: none, member (default: only to rooms
                         they are in) or any
  --no-private-messages  refuse `private message`
  --allow-admin          let clients inspect and command other sockets (adapter, watch,
                         fetch-sockets, sockets-join/-leave, disconnect-sockets, all-rooms,
                         cluster, server-side-emit)
  --max-rooms-per-socket N  rooms a client may be in, its own included (default 1000)
  --max-room-name BYTES  longest room name a client may join (default 256)
  --trusted-clients      clients may do everything (--allow-emit any --allow-admin
                         --max-events-per-second 0): for tests and benchmarks, never on a
                         public network
  --conformance          the configuration the official Engine.IO/Socket.IO suites expect:
                         /engine.io/ echo, namespaces / and /custom, ping 300/200 ms,
                         --allow-emit any
  --help                 this text
)";
}

std::optional<options> parse(int argc, char** argv, std::string& problem) {
  options opts;
  bool ping_interval_set = false;
  bool ping_timeout_set = false;
  bool emit_set = false;
  bool trusted = false;
  bool events_set = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    std::string_view value;
    if (auto eq = arg.find('='); arg.substr(0, 2) == "--" && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (arg != "--help" && arg != "--conformance" && arg != "--cluster-insecure"
               && arg != "--no-private-messages" && arg != "--allow-admin"
               && arg != "--trusted-clients" && arg != "--disconnect-flooders"
               && arg != "--stats" && i + 1 < argc) {
      value = argv[++i];
    }
    auto number = [&](auto& out) {
      if (!to_number(value, out)) {
        problem = std::string{arg} + " needs a number, got '" + std::string{value} + "'";
        return false;
      }
      return true;
    };
    auto positive = [&](auto& out) {
      if (!number(out))
        return false;
      if (out == 0) {
        problem = std::string{arg} + " needs a number >= 1";
        return false;
      }
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      opts.help = true;
    } else if (arg == "--conformance") {
      opts.conformance = true;
    } else if (arg == "--cluster-insecure") {
      opts.cluster_insecure = true;
    } else if (arg == "--no-private-messages") {
      opts.policy.private_messages = false;
    } else if (arg == "--allow-admin") {
      opts.policy.admin = true;
    } else if (arg == "--trusted-clients") {
      emit_set = true;
      opts.policy.emit = app::client_policy::emit_scope::any;
      opts.policy.admin = true;
      trusted = true;
    } else if (arg == "--disconnect-flooders") {
      opts.http.disconnect_flooders = true;
    } else if (arg == "--stats") {
      opts.http.stats_endpoint = true;
    } else if (value.empty()) {
      problem = std::string{"missing value for "} + std::string{arg};
      return std::nullopt;
    } else if (arg == "--host") {
      opts.http.host = std::string{value};
    } else if (arg == "--port") {
      if (!number(opts.http.port))
        return std::nullopt;
    } else if (arg == "--namespace") {
      std::string name{value};
      if (name.front() != '/')
        name.insert(name.begin(), '/');
      opts.namespaces.push_back(std::move(name));
    } else if (arg == "--ping-interval") {
      if (!number(opts.http.ping_interval_ms))
        return std::nullopt;
      ping_interval_set = true;
    } else if (arg == "--ping-timeout") {
      if (!number(opts.http.ping_timeout_ms))
        return std::nullopt;
      ping_timeout_set = true;
    } else if (arg == "--max-payload") {
      if (!number(opts.http.max_payload))
        return std::nullopt;
    } else if (arg == "--connect-timeout") {
      if (!number(opts.http.connect_timeout_ms))
        return std::nullopt;
    } else if (arg == "--request-timeout") {
      if (!positive(opts.http.request_timeout_ms))
        return std::nullopt;
    } else if (arg == "--max-connections") {
      if (!number(opts.http.max_connections))
        return std::nullopt;
    } else if (arg == "--max-connections-per-address") {
      if (!number(opts.http.max_connections_per_address))
        return std::nullopt;
    } else if (arg == "--max-events-per-second") {
      if (!number(opts.http.max_events_per_second) || opts.http.max_events_per_second < 0) {
        problem = "--max-events-per-second needs a number >= 0";
        return std::nullopt;
      }
      events_set = true;
    } else if (arg == "--stall-timeout") {
      if (!number(opts.http.stall_timeout_ms))
        return std::nullopt;
    } else if (arg == "--gather-ms") {
      if (!number(opts.http.gather_ms))
        return std::nullopt;
    } else if (arg == "--max-queued-bytes") {
      if (!positive(opts.http.max_queued_bytes))
        return std::nullopt;
    } else if (arg == "--max-namespaces-per-client") {
      if (!number(opts.http.max_namespaces_per_client))
        return std::nullopt;
    } else if (arg == "--max-attachments") {
      if (!number(opts.http.max_attachments))
        return std::nullopt;
    } else if (arg == "--max-json-depth") {
      // The actors parse event data with the default depth: the flag may only lower it.
      if (!number(opts.http.max_json_depth) || opts.http.max_json_depth == 0
          || opts.http.max_json_depth > protocol::default_max_json_depth) {
        problem = "--max-json-depth needs a number from 1 to "
                  + std::to_string(protocol::default_max_json_depth);
        return std::nullopt;
      }
    } else if (arg == "--threads") {
      if (!positive(opts.http.threads))
        return std::nullopt;
    } else if (arg == "--cluster-port") {
      if (!number(opts.cluster.port))
        return std::nullopt;
    } else if (arg == "--cluster-host") {
      opts.cluster.host = std::string{value};
    } else if (arg == "--cluster-tls-cert") {
      opts.cluster.tls_cert = std::string{value};
    } else if (arg == "--cluster-tls-key") {
      opts.cluster.tls_key = std::string{value};
    } else if (arg == "--cluster-tls-ca") {
      opts.cluster.tls_ca = std::string{value};
    } else if (arg == "--peer") {
      if (value.find(':') == std::string_view::npos) {
        problem = "--peer needs HOST:PORT, got '" + std::string{value} + "'";
        return std::nullopt;
      }
      opts.cluster.peers.emplace_back(value);
    } else if (arg == "--allow-join") {
      opts.policy.join_patterns.emplace_back(value);
    } else if (arg == "--allow-emit") {
      auto scope = app::parse_emit_scope(value);
      if (!scope) {
        problem = "--allow-emit needs none, member or any, got '" + std::string{value} + "'";
        return std::nullopt;
      }
      opts.policy.emit = *scope;
      emit_set = true;
    } else if (arg == "--max-rooms-per-socket") {
      if (!positive(opts.policy.max_rooms_per_socket))
        return std::nullopt;
    } else if (arg == "--max-room-name") {
      if (!positive(opts.policy.max_room_name))
        return std::nullopt;
    } else if (arg == "--actor-threads") {
      if (!number(opts.actor_threads))
        return std::nullopt;
    } else if (arg == "--worker-scheduling") {
      if (value != "batch" && value != "normal") {
        problem = "--worker-scheduling is batch or normal";
        return std::nullopt;
      }
      opts.batch_scheduling = value == "batch";
    } else {
      problem = "unknown option " + std::string{arg};
      return std::nullopt;
    }
  }
  bool loopback = opts.cluster.host == "127.0.0.1" || opts.cluster.host == "::1"
                  || opts.cluster.host == "localhost";
  auto& c = opts.cluster;
  int tls_parts = !c.tls_cert.empty() + !c.tls_key.empty() + !c.tls_ca.empty();
  if (tls_parts != 0 && tls_parts != 3) {
    problem = "TLS between nodes needs all of --cluster-tls-cert, --cluster-tls-key and"
              " --cluster-tls-ca";
    return std::nullopt;
  }
  if (opts.cluster.port != 0 && !loopback && !opts.cluster_insecure && !c.tls()) {
    // Peers can make a node do anything a client could: never expose that unauthenticated.
    problem = "--cluster-host " + opts.cluster.host
              + " is not loopback: nodes there would be unauthenticated; use TLS"
                " (--cluster-tls-cert/-key/-ca) or pass --cluster-insecure if that network is"
                " trusted";
    return std::nullopt;
  }
  if (!opts.cluster.peers.empty() && opts.cluster.port == 0) {
    problem = "--peer needs --cluster-port";
    return std::nullopt;
  }
  if (trusted && !events_set)
    opts.http.max_events_per_second = 0;
  if (opts.conformance) {
    // Exactly what the official suites expect (see shared/CONFORMANCE.md).
    opts.http.engineio_echo = true;
    if (!ping_interval_set)
      opts.http.ping_interval_ms = 300;
    if (!ping_timeout_set)
      opts.http.ping_timeout_ms = 200;
    opts.namespaces.push_back("/custom");
    if (!emit_set)
      opts.policy.emit = app::client_policy::emit_scope::any;
  }
  return opts;
}

} // namespace atrium::cli
