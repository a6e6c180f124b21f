#define CAF_SUITE options
#include <caf/test/unit_test.hpp>

#include <optional>
#include <string>
#include <vector>

#include "tests/atrium/command_line.hpp"
#include "tools/atrium/options.hpp"

using atrium::app::client_policy;
using atrium::cli::options;
using atrium::test::accepted;
using atrium::test::parse;
using atrium::test::problem;

CAF_TEST(help comes first wherever it is asked for) {
  // -h used to be taken for an option with a value: it swallowed --port, then "1" was unknown.
  CAF_CHECK_EQUAL(problem({"-h", "--port", "1"}), "ok");
  CAF_CHECK(accepted({"-h", "--port", "1"}).help);
  CAF_CHECK(accepted({"--port", "1", "-h"}).help);
  CAF_CHECK(accepted({"--help", "--port", "1"}).help);
  CAF_CHECK(accepted({"--port", "1", "--help"}).help);
  CAF_CHECK(accepted({"-h"}).help);
  CAF_CHECK(accepted({"--stats", "-h", "--conformance"}).help);
  // Nothing else on the line is judged: help is what was asked for.
  CAF_CHECK(accepted({"--bogus", "-h"}).help);
  CAF_CHECK(accepted({"--port", "x", "-h"}).help);
  CAF_CHECK(!accepted({"--port", "1"}).help);
  CAF_CHECK(!accepted({}).help);
}

CAF_TEST(no option gives the defaults) {
  auto o = accepted({});
  options defaults;
  CAF_CHECK_EQUAL(o.http.port, defaults.http.port);
  CAF_CHECK_EQUAL(o.http.host, "0.0.0.0");
  CAF_CHECK_EQUAL(o.namespaces, std::vector<std::string>{"/"});
  CAF_CHECK_EQUAL(o.http.max_events_per_second, 1000.0);
  CAF_CHECK(o.batch_scheduling);
  CAF_CHECK(o.policy.emit == client_policy::emit_scope::member);
}

CAF_TEST(flags take no value) {
  auto o = accepted({"--stats", "--disconnect-flooders", "--no-private-messages",
                     "--allow-admin", "--cluster-insecure"});
  CAF_CHECK(o.http.stats_endpoint);
  CAF_CHECK(o.http.disconnect_flooders);
  CAF_CHECK(!o.policy.private_messages);
  CAF_CHECK(o.policy.admin);
  CAF_CHECK(o.cluster_insecure);
  // A flag before an option with a value does not eat it.
  auto p = accepted({"--stats", "--port", "8080"});
  CAF_CHECK(p.http.stats_endpoint);
  CAF_CHECK_EQUAL(p.http.port, 8080u);
  // --disconnect-flooders=false would have switched it on.
  CAF_CHECK_EQUAL(problem({"--disconnect-flooders=false"}),
                  "--disconnect-flooders takes no value, got 'false'");
}

CAF_TEST(numbers) {
  auto o = accepted({"--port", "8080", "--max-payload=5000", "--ping-interval", "0",
                     "--max-events-per-second", "2.5", "--max-json-depth", "32",
                     "--actor-threads", "3", "--cluster-port", "7001"});
  CAF_CHECK_EQUAL(o.http.port, 8080u);
  CAF_CHECK_EQUAL(o.http.max_payload, 5000u);
  CAF_CHECK_EQUAL(o.http.ping_interval_ms, 0u);
  CAF_CHECK_EQUAL(o.http.max_events_per_second, 2.5);
  CAF_CHECK_EQUAL(o.http.max_json_depth, 32u);
  CAF_CHECK_EQUAL(o.actor_threads, 3u);
  CAF_CHECK_EQUAL(o.cluster.port, 7001u);
  CAF_CHECK_EQUAL(accepted({"--port", "0"}).http.port, 0u);
  CAF_CHECK_EQUAL(accepted({"--max-events-per-second", "0"}).http.max_events_per_second, 0.0);
  // The last of a repeated number wins.
  CAF_CHECK_EQUAL(accepted({"--port", "1", "--port", "2"}).http.port, 2u);
}

CAF_TEST(a bad number is named with its option) {
  CAF_CHECK_EQUAL(problem({"--port", "abc"}), "--port needs a number, got 'abc'");
  CAF_CHECK_EQUAL(problem({"--port", "-1"}), "--port needs a number, got '-1'");
  CAF_CHECK_EQUAL(problem({"--port", "+1"}), "--port needs a number, got '+1'");
  CAF_CHECK_EQUAL(problem({"--port", " 1"}), "--port needs a number, got ' 1'");
  CAF_CHECK_EQUAL(problem({"--port", "1.5"}), "--port needs a number, got '1.5'");
  CAF_CHECK_EQUAL(problem({"--threads", "2x"}), "--threads needs a number >= 1, got '2x'");
  CAF_CHECK_EQUAL(problem({"--max-events-per-second", "lots"}),
                  "--max-events-per-second needs a number >= 0, got 'lots'");
  CAF_CHECK_EQUAL(problem({"--max-events-per-second", "inf"}),
                  "--max-events-per-second needs a number >= 0, got 'inf'");
}

CAF_TEST(a number out of range is refused and not wrapped) {
  CAF_CHECK_EQUAL(problem({"--port", "65536"}), "--port needs a number, got '65536'");
  CAF_CHECK_EQUAL(problem({"--cluster-port", "70000"}),
                  "--cluster-port needs a number, got '70000'");
  CAF_CHECK_EQUAL(problem({"--ping-timeout", "4294967296"}),
                  "--ping-timeout needs a number, got '4294967296'");
  CAF_CHECK_EQUAL(problem({"--max-payload", "18446744073709551616"}),
                  "--max-payload needs a number, got '18446744073709551616'");
  CAF_CHECK_EQUAL(problem({"--threads", "0"}), "--threads needs a number >= 1, got '0'");
  CAF_CHECK_EQUAL(problem({"--request-timeout", "0"}),
                  "--request-timeout needs a number >= 1, got '0'");
  CAF_CHECK_EQUAL(problem({"--max-queued-bytes", "0"}),
                  "--max-queued-bytes needs a number >= 1, got '0'");
  CAF_CHECK_EQUAL(problem({"--max-rooms-per-socket", "0"}),
                  "--max-rooms-per-socket needs a number >= 1, got '0'");
  CAF_CHECK_EQUAL(problem({"--max-room-name", "0"}),
                  "--max-room-name needs a number >= 1, got '0'");
  CAF_CHECK_EQUAL(problem({"--max-json-depth", "0"}),
                  "--max-json-depth needs a number from 1 to 32, got '0'");
  CAF_CHECK_EQUAL(problem({"--max-json-depth", "33"}),
                  "--max-json-depth needs a number from 1 to 32, got '33'");
  CAF_CHECK_EQUAL(problem({"--max-events-per-second", "-1"}),
                  "--max-events-per-second needs a number >= 0, got '-1'");
  CAF_CHECK_EQUAL(problem({"--max-events-per-second", "1e400"}),
                  "--max-events-per-second needs a number >= 0, got '1e400'");
}

CAF_TEST(text) {
  auto o = accepted({"--host", "127.0.0.1", "--cluster-host=::1", "--cluster-tls-cert", "c.pem",
                     "--cluster-tls-key", "k.pem", "--cluster-tls-ca", "ca.pem"});
  CAF_CHECK_EQUAL(o.http.host, "127.0.0.1");
  CAF_CHECK_EQUAL(o.cluster.host, "::1");
  CAF_CHECK_EQUAL(o.cluster.tls_cert, "c.pem");
  CAF_CHECK_EQUAL(o.cluster.tls_key, "k.pem");
  CAF_CHECK_EQUAL(o.cluster.tls_ca, "ca.pem");
  // A value is whatever follows, even when it looks like an option.
  CAF_CHECK_EQUAL(accepted({"--host", "--stats"}).http.host, "--stats");
}

CAF_TEST(repeated list options add up) {
  auto o = accepted({"--namespace", "chat", "--namespace", "/admin", "--namespace=news"});
  CAF_CHECK_EQUAL(o.namespaces, (std::vector<std::string>{"/", "/chat", "/admin", "/news"}));
  auto p = accepted({"--allow-join", "lobby", "--allow-join", "game-*"});
  CAF_CHECK_EQUAL(p.policy.join_patterns, (std::vector<std::string>{"lobby", "game-*"}));
  auto q = accepted({"--cluster-port", "7003", "--peer", "127.0.0.1:7001", "--peer",
                     "127.0.0.1:7002"});
  CAF_CHECK_EQUAL(q.cluster.peers,
                  (std::vector<std::string>{"127.0.0.1:7001", "127.0.0.1:7002"}));
  CAF_CHECK_EQUAL(problem({"--cluster-port", "7003", "--peer", "nowhere"}),
                  "--peer needs HOST:PORT, got 'nowhere'");
}

CAF_TEST(choices) {
  CAF_CHECK(accepted({"--allow-emit", "none"}).policy.emit == client_policy::emit_scope::none);
  CAF_CHECK(accepted({"--allow-emit", "any"}).policy.emit == client_policy::emit_scope::any);
  CAF_CHECK(!accepted({"--worker-scheduling", "normal"}).batch_scheduling);
  CAF_CHECK(accepted({"--worker-scheduling=batch"}).batch_scheduling);
  CAF_CHECK_EQUAL(problem({"--allow-emit", "all"}),
                  "--allow-emit needs none, member or any, got 'all'");
  CAF_CHECK_EQUAL(problem({"--worker-scheduling", "fifo"}),
                  "--worker-scheduling needs batch or normal, got 'fifo'");
}

CAF_TEST(a missing value is named) {
  CAF_CHECK_EQUAL(problem({"--port"}), "missing value for --port");
  CAF_CHECK_EQUAL(problem({"--stats", "--host"}), "missing value for --host");
  CAF_CHECK_EQUAL(problem({"--port="}), "missing value for --port");
  CAF_CHECK_EQUAL(problem({"--namespace", ""}), "missing value for --namespace");
  CAF_CHECK_EQUAL(problem({"--allow-emit"}), "missing value for --allow-emit");
}

CAF_TEST(an unknown option is named) {
  CAF_CHECK_EQUAL(problem({"--bogus"}), "unknown option --bogus");
  CAF_CHECK_EQUAL(problem({"--bogus=1"}), "unknown option --bogus");
  CAF_CHECK_EQUAL(problem({"--port", "1", "-x"}), "unknown option -x");
  CAF_CHECK_EQUAL(problem({"3000"}), "unknown option 3000");
  CAF_CHECK_EQUAL(problem({"--Port", "1"}), "unknown option --Port");
}

CAF_TEST(every problem is one line) {
  for (auto& line : std::vector<std::vector<std::string>>{
         {"--port", "x"}, {"--bogus"}, {"--host"}, {"--allow-emit", "x"}, {"--stats=1"},
         {"--cluster-port", "7001", "--cluster-host", "10.0.0.1"}}) {
    auto text = problem(line);
    CAF_CHECK_NOT_EQUAL(text, "ok");
    CAF_CHECK_EQUAL(text.find('\n'), std::string::npos);
  }
}

CAF_TEST(options that set others) {
  auto trusted = accepted({"--trusted-clients"});
  CAF_CHECK(trusted.policy.emit == client_policy::emit_scope::any);
  CAF_CHECK(trusted.policy.admin);
  CAF_CHECK_EQUAL(trusted.http.max_events_per_second, 0.0);
  auto limited = accepted({"--max-events-per-second", "50", "--trusted-clients"});
  CAF_CHECK_EQUAL(limited.http.max_events_per_second, 50.0);
  // The last word on the emit scope wins.
  CAF_CHECK(accepted({"--trusted-clients", "--allow-emit", "none"}).policy.emit
            == client_policy::emit_scope::none);
  auto conf = accepted({"--conformance"});
  CAF_CHECK(conf.http.engineio_echo);
  CAF_CHECK_EQUAL(conf.http.ping_interval_ms, 300u);
  CAF_CHECK_EQUAL(conf.http.ping_timeout_ms, 200u);
  CAF_CHECK_EQUAL(conf.namespaces, (std::vector<std::string>{"/", "/custom"}));
  CAF_CHECK(conf.policy.emit == client_policy::emit_scope::any);
  auto own = accepted({"--conformance", "--ping-interval", "1000", "--allow-emit", "member"});
  CAF_CHECK_EQUAL(own.http.ping_interval_ms, 1000u);
  CAF_CHECK_EQUAL(own.http.ping_timeout_ms, 200u);
  CAF_CHECK(own.policy.emit == client_policy::emit_scope::member);
}

CAF_TEST(combinations no single option can judge) {
  CAF_CHECK_EQUAL(problem({"--peer", "127.0.0.1:7001"}), "--peer needs --cluster-port");
  CAF_CHECK_EQUAL(problem({"--cluster-port", "7001", "--cluster-tls-cert", "c.pem"}),
                  "TLS between nodes needs all of --cluster-tls-cert, --cluster-tls-key and"
                  " --cluster-tls-ca");
  CAF_CHECK_NOT_EQUAL(problem({"--cluster-port", "7001", "--cluster-host", "10.0.0.1"}), "ok");
  CAF_CHECK_EQUAL(problem({"--cluster-port", "7001", "--cluster-host", "10.0.0.1",
                           "--cluster-insecure"}),
                  "ok");
}

// --- the table behind both the parser and --help ---

CAF_TEST(the usage text lists every option of the table) {
  auto text = atrium::cli::usage();
  CAF_CHECK_EQUAL(text.rfind("usage: atrium [options]\n", 0), 0u);
  CAF_CHECK_GREATER_OR_EQUAL(atrium::cli::option_table().size(), 38u);
  for (auto& o : atrium::cli::option_table()) {
    std::string name{o.name};
    std::string shown = "\n  " + (o.alias.empty() ? "" : std::string{o.alias} + ", ") + name;
    bool takes_value = !std::holds_alternative<atrium::cli::option_spec::flag>(o.target);
    // An option that takes a value shows what it takes; a flag shows nothing after its name.
    shown += takes_value ? " " + std::string{o.metavar} : std::string{};
    auto at = text.find(shown);
    CAF_CHECK_NOT_EQUAL(at, std::string::npos);
    if (at == std::string::npos) {
      CAF_MESSAGE("not in the usage text: " << shown);
      continue;
    }
    auto after = text[at + shown.size()];
    CAF_CHECK(after == ' ' || after == '\n');
    CAF_CHECK_EQUAL(takes_value, !o.metavar.empty());
    // And the parser knows every name the help lists.
    std::vector<std::string> line{name};
    if (takes_value)
      line.push_back("1");
    CAF_CHECK_EQUAL(problem(line).find("unknown option"), std::string::npos);
  }
}

CAF_TEST(the usage text shows the defaults the parser has) {
  auto text = atrium::cli::usage();
  CAF_CHECK_EQUAL(text.find("{default}"), std::string::npos);
  CAF_CHECK_EQUAL(text.find("{min}"), std::string::npos);
  CAF_CHECK_EQUAL(text.find("{max}"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("(default 0.0.0.0)"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("(default 3000; 0 picks a free one)"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("(default 1000; 0: none)"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("(default 33554432)"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("(1 to 32, default 32)"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("(default 127.0.0.1; any other address"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("\n  -h, --help             this text\n"), std::string::npos);
}

CAF_TEST(the back end options) {
  auto none = accepted({});
  CAF_CHECK(!none.backend.api.enabled);
  CAF_CHECK(!none.backend.auth.enabled());
  CAF_CHECK(!none.backend.webhooks.enabled());

  // The API is never open without a key; port 0 still means "enabled, any free port".
  CAF_CHECK_EQUAL(problem({"--api-port", "0"}),
                  "--api-port needs --api-key-file: the API is never open without a key");
  auto api = accepted({"--api-port", "0", "--api-key-file", "k"});
  CAF_CHECK(api.backend.api.enabled);
  CAF_CHECK_EQUAL(api.backend.api.host, "127.0.0.1");
  CAF_CHECK_EQUAL(problem({"--api-key-file", "k"}), "--api-key-file and --api-host need --api-port");

  CAF_CHECK_NOT_EQUAL(problem({"--auth", "optional"}), "ok");
  CAF_CHECK_NOT_EQUAL(problem({"--auth", "maybe", "--auth-jwt-secret-file", "s"}), "ok");
  auto jwt = accepted({"--auth-jwt-secret-file", "s", "--auth", "optional"});
  CAF_CHECK(jwt.backend.auth.tokens());
  CAF_CHECK(jwt.backend.auth.optional);
  CAF_CHECK_EQUAL(jwt.backend.auth.user_room_prefix, "user:");
  CAF_CHECK_NOT_EQUAL(problem({"--auth-jwt-secret-file", "s", "--connect-hook-url", "http://x/"}),
                      "ok");

  // The event list: commas or repeats, `*` when none is given.
  auto hooks = accepted({"--webhook-url", "http://127.0.0.1:1/", "--webhook-events",
                         "connect,chat", "--webhook-events", "leave"});
  CAF_CHECK_EQUAL(hooks.backend.webhooks.events,
                  (std::vector<std::string>{"connect", "chat", "leave"}));
  CAF_CHECK_EQUAL(accepted({"--webhook-url", "http://h/"}).backend.webhooks.events,
                  (std::vector<std::string>{"*"}));
  CAF_CHECK_EQUAL(problem({"--webhook-url", "http://h/", "--webhook-events", "a,,b"}),
                  "--webhook-events needs comma-separated event names, got 'a,,b'");
  CAF_CHECK_NOT_EQUAL(problem({"--webhook-events", "connect"}), "ok");
}

CAF_TEST(the admin UI options) {
  auto none = accepted({});
  CAF_CHECK(!none.admin.enabled);
  CAF_CHECK_EQUAL(none.admin.namespace_name, "/admin");
  CAF_CHECK(none.admin.development); // admin-ui's default mode

  // Never served without a password unless that is said explicitly.
  CAF_CHECK_EQUAL(problem({"--admin-ui"}),
                  "--admin-ui needs --admin-password-hash-file (a bcrypt hash), or --admin-no-auth"
                  " to serve it to anyone who can reach it");
  CAF_CHECK_NOT_EQUAL(problem({"--admin-ui", "--admin-no-auth", "--admin-password-hash-file", "f"}),
                      "ok");
  auto open = accepted({"--admin-ui", "--admin-no-auth", "--admin-namespace", "ops"});
  CAF_CHECK(open.admin.no_auth);
  CAF_CHECK_EQUAL(open.admin.namespace_name, "/ops");

  auto full = accepted({"--admin-ui", "--admin-password-hash-file", "f", "--admin-read-only",
                        "--admin-mode", "production", "--admin-username", "ops",
                        "--admin-server-id", "node-1"});
  CAF_CHECK_EQUAL(full.admin.password_hash_file, "f");
  CAF_CHECK(full.admin.read_only);
  CAF_CHECK(!full.admin.development);
  CAF_CHECK_EQUAL(full.admin.username, "ops");
  CAF_CHECK_EQUAL(full.admin.server_id, "node-1");
  CAF_CHECK_EQUAL(problem({"--admin-ui", "--admin-no-auth", "--admin-mode", "test"}),
                  "--admin-mode needs development or production, got 'test'");

  for (auto* alone : {"--admin-read-only", "--admin-no-auth"})
    CAF_CHECK_EQUAL(problem({alone}), "the --admin-* options need --admin-ui");
  CAF_CHECK_EQUAL(problem({"--admin-password-hash-file", "f"}),
                  "the --admin-* options need --admin-ui");
}

CAF_TEST(drain and log options) {
  auto none = accepted({});
  CAF_CHECK_EQUAL(none.drain_timeout_ms, 10000u);
  CAF_CHECK(none.log_level == atrium::log::level::info);
  CAF_CHECK(none.log_format == atrium::log::format::text);
  auto set = accepted({"--drain-timeout", "250", "--log-format", "json", "--log-level", "error"});
  CAF_CHECK_EQUAL(set.drain_timeout_ms, 250u);
  CAF_CHECK(set.log_level == atrium::log::level::error);
  CAF_CHECK(set.log_format == atrium::log::format::json);
  CAF_CHECK_EQUAL(problem({"--log-format", "xml"}), "--log-format needs text or json, got 'xml'");
  CAF_CHECK_EQUAL(problem({"--log-level", "verbose"}),
                  "--log-level needs error, warn, info or debug, got 'verbose'");
  CAF_CHECK_EQUAL(problem({"--drain-timeout", "-1"}), "--drain-timeout needs a number, got '-1'");
}

CAF_TEST(version comes first like help) {
  CAF_CHECK(accepted({"--version"}).version);
  CAF_CHECK(accepted({"--bogus", "--version"}).version);
  CAF_CHECK(!accepted({}).version);
  CAF_CHECK(accepted({"--version", "-h"}).help);
}
