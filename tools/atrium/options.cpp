#include "tools/atrium/options.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <type_traits>

#include "protocol/decimal.hpp"
#include "protocol/json.hpp"
#include "tools/atrium/config_file.hpp"

namespace atrium::cli {

namespace {

using spec = option_spec;

template <class T>
spec::kind number(T& (*field)(options&), T min = 0, T max = std::numeric_limits<T>::max()) {
  return spec::number<T>{field, min, max};
}

const char* add_slash(std::string& name) {
  if (name.front() != '/')
    name.insert(name.begin(), '/');
  return nullptr;
}

const char* host_port(std::string& address) {
  return address.find(':') == std::string::npos ? "HOST:PORT" : nullptr;
}

const char* as_given(std::string&) {
  return nullptr;
}

// "connect,chat" stays one value, split after parsing: a list of names without empty ones.
const char* event_list(std::string& list) {
  bool empty_name = list.front() == ',' || list.back() == ',' || list.find(",,") != std::string::npos;
  return empty_name ? "comma-separated event names" : nullptr;
}

std::vector<option_spec> make_table() {
  return {
    {"--host", "", "ADDR", spec::text{[](options& o) -> auto& { return o.http.host; }},
     "address to listen on (default {default})"},
    {"--port", "", "N", number<std::uint16_t>([](options& o) -> auto& { return o.http.port; }),
     "port to listen on (default {default}; 0 picks a free one)"},
    {"--namespace", "", "NAME",
     spec::list{[](options& o) -> auto& { return o.namespaces; }, add_slash},
     "serve namespace NAME too (repeatable; \"/\" always exists)"},
    {"--ping-interval", "", "MS",
     number<unsigned>([](options& o) -> auto& { return o.http.ping_interval_ms; }),
     "Engine.IO pingInterval (default {default})"},
    {"--ping-timeout", "", "MS",
     number<unsigned>([](options& o) -> auto& { return o.http.ping_timeout_ms; }),
     "Engine.IO pingTimeout (default {default})"},
    {"--max-payload", "", "BYTES",
     number<std::size_t>([](options& o) -> auto& { return o.http.max_payload; }),
     "maxHttpBufferSize: largest HTTP body / WebSocket message (default {default})"},
    {"--connect-timeout", "", "MS",
     number<unsigned>([](options& o) -> auto& { return o.http.connect_timeout_ms; }),
     "close clients that join no namespace in time (default {default})"},
    {"--request-timeout", "", "MS",
     number<unsigned>([](options& o) -> auto& { return o.http.request_timeout_ms; }, 1),
     "close HTTP connections whose request (headers and body) has not\n"
     "arrived whole in time, or that wait idle that long (default {default})"},
    {"--max-connections", "", "N",
     number<std::size_t>([](options& o) -> auto& { return o.http.max_connections; }),
     "clients connected at once; more are refused with HTTP 503\n"
     "(default {default}: no bound but the open-file limit)"},
    {"--max-connections-per-address", "", "N",
     number<std::size_t>([](options& o) -> auto& { return o.http.max_connections_per_address; }),
     "clients at once from one remote address (default {default}: no bound;\n"
     "behind a proxy every client has the proxy's address)"},
    {"--max-events-per-second", "", "N",
     number<double>([](options& o) -> auto& { return o.http.max_events_per_second; }),
     "events one socket may send a second (a second's worth at once);\n"
     "past it they are dropped and counted, and one that asked for an\n"
     "ack gets {\"ok\":false,\"error\":\"rate limited\"} (default {default}; 0: none)"},
    {"--disconnect-flooders", "", "",
     spec::flag{[](options& o) { o.http.disconnect_flooders = true; }},
     "past that rate, disconnect the socket instead"},
    {"--stall-timeout", "", "MS",
     number<unsigned>([](options& o) -> auto& { return o.http.stall_timeout_ms; }),
     "a client whose queued messages wait MS while it reads nothing (no\n"
     "poll, no byte taken by its WebSocket) is closed and counted\n"
     "(default {default}; 0: never)"},
    {"--gather-ms", "", "MS",
     number<unsigned>([](options& o) -> auto& { return o.http.gather_ms; }),
     "while the server is busy, a broadcast to a client written to less\n"
     "than MS ago waits for the rest of MS, so what follows it leaves in\n"
     "the same write; answers never wait (default {default}; 0: never)"},
    {"--max-queued-bytes", "", "N",
     number<std::size_t>([](options& o) -> auto& { return o.http.max_queued_bytes; }, 1),
     "the most one client's outbound queue may hold: a client that would\n"
     "pass it is closed and counted, however it reads (default {default})"},
    {"--max-namespaces-per-client", "", "N",
     number<std::size_t>([](options& o) -> auto& { return o.http.max_namespaces_per_client; }),
     "namespaces one connection may join at once (default {default}; 0: none);\n"
     "past it CONNECT gets CONNECT_ERROR"},
    {"--max-attachments", "", "N",
     number<std::size_t>([](options& o) -> auto& { return o.http.max_attachments; }),
     "binary attachments of one packet (default {default}); more closes the\n"
     "connection as a protocol error"},
    // The actors parse event data with the default depth: the flag may only lower it.
    {"--max-json-depth", "", "N",
     number<std::size_t>([](options& o) -> auto& { return o.http.max_json_depth; }, 1,
                         protocol::default_max_json_depth),
     "nesting of a packet's JSON ({min} to {max}, default {default}); deeper closes it too"},
    {"--stats", "", "", spec::flag{[](options& o) { o.http.stats_endpoint = true; }},
     "serve GET /atrium/stats: connections, and what was refused or\n"
     "dropped (connections, events, slow consumers, volatile packets)"},
    {"--static", "", "DIR",
     spec::text{[](options& o) -> auto& { return o.http.static_dir; }},
     "serve the files of DIR on the main port (GET and HEAD; index.html\n"
     "for a directory; never a path outside DIR); the Engine.IO path and\n"
     "/atrium/... come first. The chat page: share/atrium/chat"},
    {"--metrics", "", "", spec::flag{[](options& o) { o.http.metrics_endpoint = true; }},
     "serve GET /metrics (Prometheus) on this port too, not only on the\n"
     "API listener; it needs no key: keep the port private or filter it"},
    {"--threads", "", "N",
     number<unsigned>([](options& o) -> auto& { return o.http.threads; }, 1),
     "I/O threads (default {default})"},
    {"--actor-threads", "", "N",
     number<unsigned>([](options& o) -> auto& { return o.actor_threads; }),
     "actor scheduler threads (default: one per CPU the process may use)"},
    {"--worker-scheduling", "", "P",
     spec::choice{[](options& o, std::string_view word) {
                    if (word != "batch" && word != "normal")
                      return false;
                    o.batch_scheduling = word == "batch";
                    return true;
                  },
                  "batch or normal",
                  [](const options& o) -> std::string_view {
                    return o.batch_scheduling ? "batch" : "normal";
                  }},
     "batch (default): the actor threads run as SCHED_BATCH, so a message\n"
     "does not preempt the I/O thread that sent it on a shared CPU;\n"
     "normal: Linux's default policy"},
    {"--cluster-port", "", "N",
     number<std::uint16_t>([](options& o) -> auto& { return o.cluster.port; }),
     "join a cluster: listen for peer nodes on N (CAF network)"},
    {"--cluster-host", "", "ADDR",
     spec::text{[](options& o) -> auto& { return o.cluster.host; }},
     "address for peer nodes (default {default}; any other address\n"
     "needs TLS (--cluster-tls-*) or --cluster-insecure)"},
    {"--peer", "", "HOST:PORT",
     spec::list{[](options& o) -> auto& { return o.cluster.peers; }, host_port},
     "a node of the cluster to join (repeatable; the others are learned)"},
    {"--cluster-insecure", "", "", spec::flag{[](options& o) { o.cluster_insecure = true; }},
     "allow a cluster port on a non-loopback address without TLS"},
    {"--cluster-tls-cert", "", "F",
     spec::text{[](options& o) -> auto& { return o.cluster.tls_cert; }},
     "this node's certificate (PEM) for TLS between nodes"},
    {"--cluster-tls-key", "", "F",
     spec::text{[](options& o) -> auto& { return o.cluster.tls_key; }},
     "its private key (PEM, unencrypted)", spec::in_config::secret_path},
    {"--cluster-tls-ca", "", "F",
     spec::text{[](options& o) -> auto& { return o.cluster.tls_ca; }},
     "the CA that signs every node's certificate: peers without one\n"
     "signed by it can neither join nor send anything"},
    {"--allow-join", "", "PATTERN",
     spec::list{[](options& o) -> auto& { return o.policy.join_patterns; }, as_given},
     "room names clients may join (repeatable; * and ? are wildcards;\n"
     "default: any name). Never another socket's own-id room, nor any\n"
     "name of that form (15 URL-safe base64 characters)"},
    {"--allow-emit", "", "SCOPE",
     spec::choice{[](options& o, std::string_view word) {
                    auto scope = app::parse_emit_scope(word);
                    if (scope)
                      o.policy.emit = *scope;
                    return scope.has_value();
                  },
                  "none, member or any",
                  [](const options& o) -> std::string_view {
                    using scope = app::client_policy::emit_scope;
                    auto emit = o.policy.emit;
                    return emit == scope::none ? "none" : emit == scope::any ? "any" : "member";
                  }},
     "where clients may broadcast: none, member (default: only to rooms\n"
     "they are in) or any"},
    {"--no-private-messages", "", "",
     spec::flag{[](options& o) { o.policy.private_messages = false; }},
     "refuse `private message`"},
    {"--allow-admin", "", "", spec::flag{[](options& o) { o.policy.admin = true; }},
     "let clients inspect and command other sockets (adapter, watch,\n"
     "fetch-sockets, sockets-join/-leave, disconnect-sockets, all-rooms,\n"
     "cluster, server-side-emit)"},
    {"--max-rooms-per-socket", "", "N",
     number<std::size_t>([](options& o) -> auto& { return o.policy.max_rooms_per_socket; }, 1),
     "rooms a client may be in, its own included (default {default})"},
    {"--max-room-name", "", "BYTES",
     number<std::size_t>([](options& o) -> auto& { return o.policy.max_room_name; }, 1),
     "longest room name a client may join (default {default})"},
    // Its --max-events-per-second 0 is applied after parsing, unless that flag is given too.
    {"--trusted-clients", "", "",
     spec::flag{[](options& o) {
       o.policy.emit = app::client_policy::emit_scope::any;
       o.policy.admin = true;
     }},
     "clients may do everything (--allow-emit any --allow-admin\n"
     "--max-events-per-second 0): for tests and benchmarks, never on a\n"
     "public network"},
    {"--auth-jwt-secret-file", "", "FILE",
     spec::text{[](options& o) -> auto& { return o.backend.auth.jwt_secret_file; }},
     "clients must present a token (CONNECT auth {token}) signed with\n"
     "this HMAC secret (HS256, HS384 or HS512)", spec::in_config::secret_path},
    {"--auth-jwt-public-key-file", "", "FILE",
     spec::text{[](options& o) -> auto& { return o.backend.auth.jwt_public_key_file; }},
     "... or signed with this key's private half (PEM: RSA for RS256,\n"
     "EC P-256 for ES256); either or both"},
    {"--auth-jwt-issuer", "", "ISS",
     spec::text{[](options& o) -> auto& { return o.backend.auth.jwt_issuer; }},
     "tokens must have this \"iss\""},
    {"--auth-jwt-audience", "", "AUD",
     spec::text{[](options& o) -> auto& { return o.backend.auth.jwt_audience; }},
     "tokens must have this \"aud\""},
    {"--auth-jwt-leeway", "", "S",
     number<unsigned>([](options& o) -> auto& { return o.backend.auth.jwt_leeway_s; }, 0, 3600),
     "seconds of clock skew allowed for exp and nbf (default {default})"},
    {"--auth", "", "MODE",
     spec::choice{[](options& o, std::string_view word) {
                    if (word != "required" && word != "optional")
                      return false;
                    o.backend.auth.optional = word == "optional";
                    return true;
                  },
                  "required or optional",
                  [](const options& o) -> std::string_view {
                    return o.backend.auth.optional ? "optional" : "required";
                  }},
     "with a key or a connect hook: required (default) refuses clients\n"
     "without credentials; optional lets them in anonymously (invalid\n"
     "credentials are refused either way)"},
    {"--user-room-prefix", "", "P",
     spec::text{[](options& o) -> auto& { return o.backend.auth.user_room_prefix; }},
     "a client whose token has \"sub\" S (or whose hook answer has\n"
     "\"user\") is in room PS (default {default})"},
    {"--connect-hook-url", "", "URL",
     spec::text{[](options& o) -> auto& { return o.backend.auth.connect_hook_url; }},
     "instead of tokens, POST each CONNECT {namespace, auth, headers,\n"
     "query, address} to URL (http://), which answers {ok:true, user,\n"
     "rooms, data} or {ok:false, message}"},
    {"--connect-hook-timeout-ms", "", "MS",
     number<unsigned>([](options& o) -> auto& { return o.backend.auth.connect_hook_timeout_ms; },
                      1),
     "a hook that has not answered in time refuses the client\n"
     "(default {default})"},
    {"--api-port", "", "N",
     number<std::uint16_t>([](options& o) -> auto& { return o.backend.api.port; }),
     "serve the server HTTP API (/v1/...) on port N (0 picks a free one);\n"
     "needs --api-key-file"},
    {"--api-host", "", "ADDR", spec::text{[](options& o) -> auto& { return o.backend.api.host; }},
     "address of the API (default {default})"},
    {"--api-key-file", "", "FILE",
     spec::text{[](options& o) -> auto& { return o.backend.api.key_file; }},
     "every API request needs \"Authorization: Bearer <the file's first line>\"",
     spec::in_config::secret_path},
    {"--api-max-body", "", "BYTES",
     number<std::size_t>([](options& o) -> auto& { return o.backend.api.max_body; }, 1),
     "largest API request body; larger gets 413 (default {default})"},
    {"--webhook-url", "", "URL",
     spec::text{[](options& o) -> auto& { return o.backend.webhooks.url; }},
     "POST what clients do to URL (http://): {type, namespace, socket,\n"
     "event, args}; the answer's {ack: [...]} answers an event's ack"},
    {"--webhook-events", "", "LIST",
     spec::list{[](options& o) -> auto& { return o.backend.webhooks.events; }, event_list},
     "comma-separated: connect, disconnect, join, leave, client event\n"
     "names, or * for all of them (default: *; repeatable)"},
    {"--webhook-secret-file", "", "FILE",
     spec::text{[](options& o) -> auto& { return o.backend.webhooks.secret_file; }},
     "sign each webhook: X-Atrium-Signature: sha256=<hex HMAC-SHA256 of\n"
     "the body with the file's first line>", spec::in_config::secret_path},
    {"--webhook-timeout-ms", "", "MS",
     number<unsigned>([](options& o) -> auto& { return o.backend.webhooks.timeout_ms; }, 1),
     "a webhook unanswered in time has failed; an ack waiting for it gets\n"
     "{ok:false, error} (default {default})"},
    {"--webhook-concurrency", "", "N",
     number<std::size_t>([](options& o) -> auto& { return o.backend.webhooks.max_in_flight; }, 1),
     "webhook requests at once (default {default}); one socket's events\n"
     "are always sent one at a time, in order"},
    {"--webhook-queue", "", "N",
     number<std::size_t>([](options& o) -> auto& { return o.backend.webhooks.max_queued; }, 1),
     "webhooks waiting to be sent; past it they fail at once and are\n"
     "counted (default {default})"},
    {"--admin-ui", "", "", spec::flag{[](options& o) { o.admin.enabled = true; }},
     "serve the server side of the official Socket.IO Admin UI\n"
     "(@socket.io/admin-ui 0.5) on --admin-namespace; needs\n"
     "--admin-password-hash-file or --admin-no-auth"},
    {"--admin-namespace", "", "NAME",
     spec::text{[](options& o) -> auto& { return o.admin.namespace_name; }},
     "the Admin UI's namespace (default {default})"},
    {"--admin-username", "", "NAME",
     spec::text{[](options& o) -> auto& { return o.admin.username; }},
     "the Admin UI's login name (default {default})"},
    // A file, as every other secret: the hash never appears on a command line or in the
    // configuration's listing.
    {"--admin-password-hash-file", "", "FILE",
     spec::text{[](options& o) -> auto& { return o.admin.password_hash_file; }},
     "the Admin UI's password: the file's first line is its bcrypt hash\n"
     "($2b$, e.g. from python3's crypt.crypt with METHOD_BLOWFISH)"},
    {"--admin-no-auth", "", "", spec::flag{[](options& o) { o.admin.no_auth = true; }},
     "let anyone who reaches the Admin UI's namespace in, without a\n"
     "password (admin-ui's auth: false)"},
    {"--admin-read-only", "", "", spec::flag{[](options& o) { o.admin.read_only = true; }},
     "the Admin UI may look but not act: emit, join, leave and\n"
     "disconnect are refused"},
    {"--admin-mode", "", "MODE",
     spec::choice{[](options& o, std::string_view word) {
                    if (word != "development" && word != "production")
                      return false;
                    o.admin.development = word == "development";
                    return true;
                  },
                  "development or production"},
     "development (default): the UI also gets every socket and its\n"
     "room changes as they happen; production: server_stats only"},
    {"--admin-server-id", "", "ID",
     spec::text{[](options& o) -> auto& { return o.admin.server_id; }},
     "this node's name in the Admin UI (default: the host name, and\n"
     "host name#pid in a cluster)"},
    {"--conformance", "", "", spec::flag{[](options& o) { o.conformance = true; }},
     "the configuration the official Engine.IO/Socket.IO suites expect:\n"
     "/engine.io/ echo, namespaces / and /custom, ping 300/200 ms,\n"
     "--allow-emit any"},
    {"--drain-timeout", "", "MS",
     number<unsigned>([](options& o) -> auto& { return o.drain_timeout_ms; }),
     "on SIGTERM or SIGINT: refuse new clients, close the connected ones\n"
     "so that they reconnect elsewhere, let queued packets and webhooks\n"
     "leave, and exit 0 within MS; what is left then is abandoned\n"
     "(default {default}; a second signal exits at once)"},
    {"--recovery-window", "", "MS",
     number<unsigned>([](options& o) -> auto& { return o.recovery_window_ms; }),
     "connection state recovery (Socket.IO's maxDisconnectionDuration): a\n"
     "client that lost its connection and comes back within MS gets its id,\n"
     "rooms and data back and the events it missed; every event without an\n"
     "ack then carries an offset as its last argument (default 0: off)"},
    {"--recovery-buffer-bytes", "", "N",
     number<std::size_t>([](options& o) -> auto& { return o.recovery_buffer_bytes; }, 1024),
     "what the replay buffer of one namespace may hold (default {default});\n"
     "a client whose last event is older than what it keeps starts afresh"},
    {"--recovery-cluster-timeout", "", "MS",
     number<unsigned>([](options& o) -> auto& { return o.recovery_cluster_timeout_ms; }, 1),
     "in a cluster, how long a node waits for the others when a client comes\n"
     "back with a session kept elsewhere, before it gives it a fresh one\n"
     "(default {default})"},
    {"--recovery-middlewares", "", "M",
     spec::choice{[](options& o, std::string_view word) {
                    if (word != "skip" && word != "run")
                      return false;
                    o.recovery_skip_middlewares = word == "skip";
                    return true;
                  },
                  "skip or run",
                  [](const options& o) -> std::string_view {
                    return o.recovery_skip_middlewares ? "skip" : "run";
                  }},
     "skip (default, as Socket.IO): a recovered client is not checked\n"
     "again (token, connect hook); run: it is, and a refusal keeps it out"},
    {"--log-format", "", "F",
     spec::choice{[](options& o, std::string_view word) {
                    auto f = log::parse_format(word);
                    if (f)
                      o.log_format = *f;
                    return f.has_value();
                  },
                  "text or json",
                  [](const options& o) -> std::string_view {
                    return o.log_format == log::format::json ? "json" : "text";
                  }},
     "text (default) or json: one JSON object a line {time, level, msg,\n"
     "fields...} on stderr (the \"listening on\" lines stay on stdout)"},
    {"--log-level", "", "L",
     spec::choice{[](options& o, std::string_view word) {
                    auto l = log::parse_level(word);
                    if (l)
                      o.log_level = *l;
                    return l.has_value();
                  },
                  "error, warn, info or debug",
                  [](const options& o) -> std::string_view { return log::to_string(o.log_level); }},
     "error, warn, info (default) or debug: the least severe records written"},
    {"--version", "", "", spec::flag{[](options& o) { o.version = true; }},
     "print the version and exit", spec::in_config::never},
    {"--config", "", "FILE", spec::text{[](options& o) -> auto& { return o.config_file; }},
     "read options from the TOML file FILE first (README.md, \"Config\n"
     "file\"; tools/atrium.example.toml); those on the command line\n"
     "override it, a repeatable one replacing the file's list",
     spec::in_config::never},
    {"--print-config", "", "",
     spec::flag{[](options& o) { o.print_config = true; }},
     "print the configuration in effect (file, command line, defaults)\n"
     "as a file --config reads, secrets elided, and exit",
     spec::in_config::never},
    {"--help", "-h", "", spec::flag{[](options& o) { o.help = true; }}, "this text",
     spec::in_config::never},
  };
}

template <class>
constexpr bool is_number = false;
template <class T>
constexpr bool is_number<spec::number<T>> = true;

template <class T>
std::string show(T value) {
  if constexpr (std::is_floating_point_v<T>) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", value);
    return buf;
  } else {
    return std::to_string(value);
  }
}

// " >= 1", " from 1 to 32", or nothing: what a number of `n` may be.
template <class T>
std::string bounds(const spec::number<T>& n) {
  if (n.max != std::numeric_limits<T>::max())
    return " from " + show(n.min) + " to " + show(n.max);
  if (n.min != 0 || std::is_signed_v<T>)
    return " >= " + show(n.min);
  return {};
}

void replace_all(std::string& text, std::string_view marker, const std::string& with) {
  for (auto at = text.find(marker); at != std::string::npos;
       at = text.find(marker, at + with.size()))
    text.replace(at, marker.size(), with);
}

// The help of `o` with its markers replaced by what the parser has (`defaults`: options{}).
std::string help_text(const option_spec& o, options& defaults) {
  std::string help{o.help};
  std::visit(
    [&](const auto& kind) {
      using kind_type = std::decay_t<decltype(kind)>;
      if constexpr (is_number<kind_type>) {
        replace_all(help, "{default}", show(kind.field(defaults)));
        replace_all(help, "{min}", show(kind.min));
        replace_all(help, "{max}", show(kind.max));
      } else if constexpr (std::is_same_v<kind_type, spec::text>) {
        replace_all(help, "{default}", kind.field(defaults));
      }
    },
    o.target);
  return help;
}

// Applies `value` (nullopt: none given) to `opts`; what is wrong with it, or empty.
std::string apply(const option_spec& o, std::optional<std::string_view> value, options& opts) {
  std::string name{o.name};
  if (auto* flag = std::get_if<spec::flag>(&o.target)) {
    if (value)
      return name + " takes no value, got '" + std::string{*value} + "'";
    flag->set(opts);
    return {};
  }
  if (!value || value->empty())
    return "missing value for " + name;
  std::string text{*value};
  return std::visit(
    [&](const auto& kind) -> std::string {
      using kind_type = std::decay_t<decltype(kind)>;
      if constexpr (is_number<kind_type>) {
        using T = std::remove_reference_t<decltype(kind.field(opts))>;
        auto number = protocol::parse_decimal<T>(text);
        if (!number || *number < kind.min || *number > kind.max)
          return name + " needs a number" + bounds(kind) + ", got '" + text + "'";
        kind.field(opts) = *number;
      } else if constexpr (std::is_same_v<kind_type, spec::text>) {
        kind.field(opts) = std::move(text);
      } else if constexpr (std::is_same_v<kind_type, spec::list>) {
        if (auto expected = kind.admit(text))
          return name + " needs " + expected + ", got '" + text + "'";
        kind.field(opts).push_back(std::move(text));
      } else if constexpr (std::is_same_v<kind_type, spec::choice>) {
        if (!kind.set(opts, text))
          return name + " needs " + std::string{kind.expected} + ", got '" + text + "'";
      }
      return {};
    },
    o.target);
}

const option_spec* find(std::string_view name) {
  auto& table = option_table();
  auto it = std::find_if(table.begin(), table.end(), [&](const option_spec& o) {
    return o.name == name || (!o.alias.empty() && o.alias == name);
  });
  return it == table.end() ? nullptr : &*it;
}

// What no single option can tell: combinations, and the options that change others' defaults.
std::string finish(options& opts, const std::vector<std::string_view>& given) {
  auto was_given = [&](std::string_view name) {
    return std::find(given.begin(), given.end(), name) != given.end();
  };
  auto& c = opts.cluster;
  bool loopback = c.host == "127.0.0.1" || c.host == "::1" || c.host == "localhost";
  int tls_parts = !c.tls_cert.empty() + !c.tls_key.empty() + !c.tls_ca.empty();
  if (tls_parts != 0 && tls_parts != 3)
    return "TLS between nodes needs all of --cluster-tls-cert, --cluster-tls-key and"
           " --cluster-tls-ca";
  if (c.port != 0 && !loopback && !opts.cluster_insecure && !c.tls()) {
    // Peers can make a node do anything a client could: never expose that unauthenticated.
    return "--cluster-host " + c.host
           + " is not loopback: nodes there would be unauthenticated; use TLS"
             " (--cluster-tls-cert/-key/-ca) or pass --cluster-insecure if that network is"
             " trusted";
  }
  if (!c.peers.empty() && c.port == 0)
    return "--peer needs --cluster-port";
  auto& b = opts.backend;
  b.api.enabled = was_given("--api-port");
  if (b.api.enabled && b.api.key_file.empty())
    return "--api-port needs --api-key-file: the API is never open without a key";
  if (!b.api.enabled && (was_given("--api-key-file") || was_given("--api-host")))
    return "--api-key-file and --api-host need --api-port";
  if (!b.auth.enabled()
      && (was_given("--auth") || was_given("--auth-jwt-issuer") || was_given("--auth-jwt-audience")))
    return "--auth, --auth-jwt-issuer and --auth-jwt-audience need a key"
           " (--auth-jwt-secret-file, --auth-jwt-public-key-file) or --connect-hook-url";
  if (b.auth.tokens() && !b.auth.connect_hook_url.empty())
    return "--connect-hook-url replaces tokens: give either it or a key";
  if (!b.webhooks.enabled()
      && (was_given("--webhook-events") || was_given("--webhook-secret-file")))
    return "--webhook-events and --webhook-secret-file need --webhook-url";
  {
    std::vector<std::string> names; // the lists split at their commas
    for (auto& list : b.webhooks.events)
      for (std::size_t from = 0;;) {
        auto comma = list.find(',', from);
        names.push_back(list.substr(from, comma - from));
        if (comma == std::string::npos)
          break;
        from = comma + 1;
      }
    b.webhooks.events = names.empty() ? std::vector<std::string>{"*"} : names;
  }
  auto& admin = opts.admin;
  if (!admin.enabled
      && (was_given("--admin-namespace") || was_given("--admin-username")
          || was_given("--admin-password-hash-file") || was_given("--admin-no-auth")
          || was_given("--admin-read-only") || was_given("--admin-mode")
          || was_given("--admin-server-id")))
    return "the --admin-* options need --admin-ui";
  if (admin.enabled && admin.no_auth == !admin.password_hash_file.empty())
    return admin.no_auth
             ? "--admin-no-auth and --admin-password-hash-file exclude each other"
             : "--admin-ui needs --admin-password-hash-file (a bcrypt hash), or --admin-no-auth"
               " to serve it to anyone who can reach it";
  add_slash(admin.namespace_name);
  if (was_given("--trusted-clients") && !was_given("--max-events-per-second"))
    opts.http.max_events_per_second = 0;
  if (opts.conformance) {
    // Exactly what the official suites expect (see shared/CONFORMANCE.md).
    opts.http.engineio_echo = true;
    if (!was_given("--ping-interval"))
      opts.http.ping_interval_ms = 300;
    if (!was_given("--ping-timeout"))
      opts.http.ping_timeout_ms = 200;
    opts.namespaces.push_back("/custom");
    if (!was_given("--allow-emit") && !was_given("--trusted-clients"))
      opts.policy.emit = app::client_policy::emit_scope::any;
  }
  return {};
}

} // namespace

const std::vector<option_spec>& option_table() {
  static const std::vector<option_spec> table = make_table();
  return table;
}

std::string usage() {
  // Help starts in this column; an option too wide for it has its help on the next line.
  constexpr std::size_t help_column = 25;
  std::string out = "usage: atrium [options]\n"
                    "\n"
                    "Runs a Socket.IO v5 (Engine.IO v4) server whose application is the rooms "
                    "app:\n"
                    "clients join/leave rooms and broadcast to them (see README.md).\n"
                    "\n";
  options defaults;
  for (auto& o : option_table()) {
    std::string left = "  ";
    if (!o.alias.empty())
      left.append(o.alias).append(", ");
    left += o.name;
    if (!std::holds_alternative<spec::flag>(o.target))
      left.append(" ").append(o.metavar);
    out += left;
    if (left.size() + 2 <= help_column)
      out.append(help_column - left.size(), ' ');
    else
      out.append("\n").append(help_column, ' ');
    for (char ch : help_text(o, defaults)) {
      out += ch;
      if (ch == '\n')
        out.append(help_column, ' ');
    }
    out += '\n';
  }
  return out;
}

namespace {

std::optional<options> parse_all(int argc, char** argv, std::string& problem) {
  options opts;
  // Whoever asks for help gets it, wherever they ask and whatever else the line holds; the
  // same for the version.
  for (int i = 1; i < argc; ++i) {
    if (std::string_view arg{argv[i]}; arg == "--help" || arg == "-h") {
      opts.help = true;
      return opts;
    }
  }
  for (int i = 1; i < argc; ++i) {
    if (std::string_view{argv[i]} == "--version") {
      opts.version = true;
      return opts;
    }
  }
  // The line is read whole before anything is applied: the file its --config names, wherever
  // that stands, goes first.
  std::vector<std::pair<const option_spec*, std::optional<std::string_view>>> line;
  const option_spec* config = find("--config");
  std::optional<std::string_view> config_path;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    std::optional<std::string_view> value;
    if (auto eq = arg.find('='); arg.substr(0, 2) == "--" && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto* o = find(arg);
    if (!o) {
      problem = "unknown option " + std::string{arg};
      return std::nullopt;
    }
    if (!value && !std::holds_alternative<spec::flag>(o->target) && i + 1 < argc)
      value = argv[++i];
    if (o == config) {
      // Two files would need a rule for which wins: one is all there is.
      if (config_path) {
        problem = "--config given twice";
        return std::nullopt;
      }
      config_path = value.value_or("");
    }
    line.emplace_back(o, value);
  }

  std::vector<setting> file;
  if (config_path && !config_path->empty()) {
    auto read = read_config_file(std::string{*config_path}, option_table(), problem);
    if (!read)
      return std::nullopt;
    file = std::move(*read);
  }
  auto on_line = [&](const option_spec* o) {
    return std::any_of(line.begin(), line.end(), [o](auto& given) { return given.first == o; });
  };
  // Each option once, where its last value applied: an earlier value of the same option is
  // overwritten anyway, so the file --print-config writes means what this line meant.
  auto& settings = opts.settings;
  auto record = [&](const option_spec* o, std::vector<std::string> values, std::string where) {
    auto it = std::find_if(settings.begin(), settings.end(),
                           [o](const setting& s) { return s.option == o; });
    if (it != settings.end() && std::holds_alternative<spec::list>(o->target)) {
      it->values.insert(it->values.end(), values.begin(), values.end());
      return;
    }
    if (it != settings.end())
      settings.erase(it);
    settings.push_back(setting{o, std::move(values), std::move(where)});
  };
  // The file's values go through the same apply() as the line's, so each is judged the same
  // (bounds, words, admit) wherever it is written.
  options overridden; // where the file's lists that the line replaces are still checked
  for (auto& s : file) {
    bool replaced = std::holds_alternative<spec::list>(s.option->target) && on_line(s.option);
    auto& into = replaced ? overridden : opts;
    std::optional<std::string_view> none;
    for (std::size_t i = 0; i < std::max<std::size_t>(s.values.size(), 1); ++i) {
      auto value = s.values.empty() ? none : std::optional<std::string_view>{s.values[i]};
      if (problem = apply(*s.option, value, into); !problem.empty()) {
        problem = s.where + ": " + problem;
        return std::nullopt;
      }
    }
    if (!replaced)
      record(s.option, std::move(s.values), std::move(s.where));
  }
  for (auto& [o, value] : line) {
    if (problem = apply(*o, value, opts); !problem.empty())
      return std::nullopt;
    if (o->config == spec::in_config::never)
      continue;
    std::vector<std::string> values;
    if (value)
      values.emplace_back(*value);
    record(o, std::move(values), {});
  }
  std::vector<std::string_view> given;
  for (auto& s : settings)
    given.push_back(s.option->name);
  if (problem = finish(opts, given); !problem.empty())
    return std::nullopt;
  return opts;
}

// A value quoted in a problem may hold a line break (a file's "a\nb", an argument's): escaped,
// the problem stays the one line that a script or a log reads.
std::string one_line(const std::string& text) {
  std::string out;
  for (unsigned char ch : text) {
    if (ch == '\n') {
      out += "\\n";
    } else if (ch < 0x20 || ch == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out;
}

} // namespace

std::optional<options> parse(int argc, char** argv, std::string& problem) {
  auto opts = parse_all(argc, argv, problem);
  if (!opts)
    problem = one_line(problem);
  return opts;
}

} // namespace atrium::cli
