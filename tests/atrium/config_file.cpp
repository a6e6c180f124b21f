#define CAF_SUITE config_file
#include <caf/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "tests/atrium/command_line.hpp"
#include "tools/atrium/config_file.hpp"
#include "tools/atrium/options.hpp"

using atrium::app::client_policy;
using atrium::cli::option_spec;
using atrium::cli::options;
using atrium::test::parse;
using atrium::test::problem;
using atrium::test::accepted;

namespace {

// A directory of its own per test binary run, for the files the tests write and parse; removed
// at exit, so that runs leave nothing behind in /tmp.
const std::string& temp_dir() {
  struct directory {
    std::string path;
    directory() : path("/tmp/atrium-config-test-XXXXXX") {
      CAF_REQUIRE(mkdtemp(path.data()) != nullptr);
    }
    ~directory() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const directory dir;
  return dir.path;
}

// Writes `text` to a new file in temp_dir() and returns its path.
std::string write_file(const std::string& text) {
  static int files = 0;
  auto path = temp_dir() + "/" + std::to_string(++files) + ".toml";
  std::ofstream out{path, std::ios::binary};
  out << text;
  CAF_REQUIRE(out.good());
  return path;
}

std::string problem_with(const std::string& toml, std::vector<std::string> more = {}) {
  auto path = write_file(toml);
  more.insert(more.begin(), {"--config", path});
  auto res = parse(more);
  return res.opts ? "ok" : res.problem;
}

// The problem with `toml`, its path replaced by "FILE": the messages are compared whole.
std::string file_problem(const std::string& toml) {
  auto path = write_file(toml);
  auto res = parse({"--config", path});
  if (res.opts)
    return "ok";
  auto text = res.problem;
  if (text.rfind(path, 0) == 0)
    text.replace(0, path.size(), "FILE");
  return text;
}

options from_file(const std::string& toml, std::vector<std::string> more = {}) {
  auto path = write_file(toml);
  more.insert(more.begin(), {"--config", path});
  return accepted(more);
}

std::string print_config(std::vector<std::string> args) {
  return atrium::cli::config_text(accepted(std::move(args)).settings);
}

} // namespace

CAF_TEST(every kind of option has its type) {
  auto o = from_file(R"(
# a comment
port = 3001                     # uint16
ping-interval = 1000            # unsigned
max-payload = 5000              # size_t
max-events-per-second = 2.5     # double, as a float
stats = true                    # a flag
disconnect-flooders = false     # a flag not given
host = "127.0.0.1"              # text
namespace = ["/chat", "news"]   # a list: its admit function still runs ("news" -> "/news")
allow-join = "lobby"            # a list of one, as a single string
allow-emit = "any"              # a choice
worker-scheduling = "normal"
)");
  CAF_CHECK_EQUAL(o.http.port, 3001u);
  CAF_CHECK_EQUAL(o.http.ping_interval_ms, 1000u);
  CAF_CHECK_EQUAL(o.http.max_payload, 5000u);
  CAF_CHECK_EQUAL(o.http.max_events_per_second, 2.5);
  CAF_CHECK(o.http.stats_endpoint);
  CAF_CHECK(!o.http.disconnect_flooders);
  CAF_CHECK_EQUAL(o.http.host, "127.0.0.1");
  CAF_CHECK_EQUAL(o.namespaces, (std::vector<std::string>{"/", "/chat", "/news"}));
  CAF_CHECK_EQUAL(o.policy.join_patterns, std::vector<std::string>{"lobby"});
  CAF_CHECK(o.policy.emit == client_policy::emit_scope::any);
  CAF_CHECK(!o.batch_scheduling);
  // A fractional option takes an integer too; an empty list is as if not given.
  auto p = from_file("max-events-per-second = 7\nallow-join = []\n");
  CAF_CHECK_EQUAL(p.http.max_events_per_second, 7.0);
  CAF_CHECK(p.policy.join_patterns.empty());
  CAF_CHECK(p.settings.size() == 1);
  // An empty file is the defaults.
  CAF_CHECK_EQUAL(from_file("").http.port, options{}.http.port);
}

CAF_TEST(tables group the prefix of a name) {
  auto o = from_file(R"(
webhook.url = "http://127.0.0.1:9/"   # a dotted key
peer = ["127.0.0.1:7002"]             # --peer: no cluster- prefix, so not under [cluster]
stall = { timeout = 100 }             # an inline table

[api]
port = 8080
key-file = "api.key"

[cluster]
port = 7001

[cluster.tls]                         # nested: cluster-tls-*
cert = "c.pem"
key = "k.pem"
ca = "ca.pem"

[auth.jwt]
secret-file = "s"

[max]                                 # any split at a "-" names the same option
events-per-second = 9
)");
  CAF_CHECK_EQUAL(o.backend.webhooks.url, "http://127.0.0.1:9/");
  CAF_CHECK_EQUAL(o.http.stall_timeout_ms, 100u);
  CAF_CHECK(o.backend.api.enabled);
  CAF_CHECK_EQUAL(o.backend.api.port, 8080u);
  CAF_CHECK_EQUAL(o.backend.api.key_file, "api.key");
  CAF_CHECK_EQUAL(o.cluster.port, 7001u);
  CAF_CHECK_EQUAL(o.cluster.peers, std::vector<std::string>{"127.0.0.1:7002"});
  CAF_CHECK_EQUAL(o.cluster.tls_cert, "c.pem");
  CAF_CHECK_EQUAL(o.cluster.tls_key, "k.pem");
  CAF_CHECK_EQUAL(o.cluster.tls_ca, "ca.pem");
  CAF_CHECK_EQUAL(o.backend.auth.jwt_secret_file, "s");
  CAF_CHECK_EQUAL(o.http.max_events_per_second, 9.0);
  // The combinations are judged on what file and line give together, as on the line alone.
  CAF_CHECK_EQUAL(problem_with("[api]\nport = 8080\n"),
                  "--api-port needs --api-key-file: the API is never open without a key");
  CAF_CHECK_EQUAL(problem_with("[api]\nport = 8080\n", {"--api-key-file", "k"}), "ok");
}

CAF_TEST(the command line overrides the file) {
  auto file = "port = 1\nhost = \"127.0.0.1\"\nnamespace = [\"/a\", \"/b\"]\nstats = true\n"
              "allow-emit = \"none\"\n";
  auto o = from_file(file, {"--port", "2", "--allow-emit=any"});
  CAF_CHECK_EQUAL(o.http.port, 2u);
  CAF_CHECK_EQUAL(o.http.host, "127.0.0.1");
  CAF_CHECK(o.http.stats_endpoint);
  CAF_CHECK(o.policy.emit == client_policy::emit_scope::any);
  CAF_CHECK_EQUAL(o.namespaces, (std::vector<std::string>{"/", "/a", "/b"}));
  // A repeatable option on the line replaces the file's list.
  auto p = from_file(file, {"--namespace", "/c", "--namespace", "/d"});
  CAF_CHECK_EQUAL(p.namespaces, (std::vector<std::string>{"/", "/c", "/d"}));
  // --config anywhere on the line, in either spelling; the line still wins wherever it stands.
  auto path = write_file(file);
  CAF_CHECK_EQUAL(accepted({"--port", "3", "--config", path}).http.port, 3u);
  CAF_CHECK_EQUAL(accepted({"--stats", "--config=" + path, "--threads", "2"}).http.port, 1u);
  CAF_CHECK_EQUAL(accepted({"--config=" + path, "--port=4"}).http.port, 4u);
  // The file's values are judged even where the line overrides them.
  CAF_CHECK_NOT_EQUAL(problem_with("port = 70000\n", {"--port", "1"}), "ok");
  CAF_CHECK_NOT_EQUAL(problem_with("namespace = [\"\"]\n", {"--namespace", "/x"}), "ok");
  CAF_CHECK_EQUAL(problem({"--config", path, "--config", path}), "--config given twice");
  CAF_CHECK_EQUAL(problem({"--config"}), "missing value for --config");
  CAF_CHECK_EQUAL(problem({"--config="}), "missing value for --config");
}

CAF_TEST(an unknown key is named with its file and line) {
  CAF_CHECK_EQUAL(file_problem("port = 1\n\n[api]\nprot = 8080\n"),
                  "FILE:4: api.prot: unknown key (there is no option --api-prot)");
  CAF_CHECK_EQUAL(file_problem("Port = 1\n"),
                  "FILE:1: Port: unknown key (there is no option --Port)");
  CAF_CHECK_EQUAL(file_problem("[api]\n"), "ok"); // an empty table sets nothing
  // The command line's own actions are no keys: a file that names another would be a loop.
  CAF_CHECK_EQUAL(file_problem("config = \"x.toml\"\n"),
                  "FILE:1: config: unknown key (--config is for the command line only)");
  CAF_CHECK_EQUAL(file_problem("print-config = true\n"),
                  "FILE:1: print-config: unknown key (--print-config is for the command line "
                  "only)");
  CAF_CHECK_EQUAL(file_problem("help = true\n"),
                  "FILE:1: help: unknown key (--help is for the command line only)");
  // One option twice under two spellings.
  CAF_CHECK_EQUAL(file_problem("api-port = 1\n[api]\nport = 2\n"),
                  "FILE:3: api.port: --api-port is set twice: line 1 (api-port) too");
  // Even where one of them changes nothing.
  CAF_CHECK_EQUAL(file_problem("disconnect-flooders = false\n[disconnect]\nflooders = true\n"),
                  "FILE:3: disconnect.flooders: --disconnect-flooders is set twice: line 1 "
                  "(disconnect-flooders) too");
}

CAF_TEST(a value of the wrong type is named with its file and line) {
  CAF_CHECK_EQUAL(file_problem("\nport = \"3000\"\n"),
                  "FILE:2: port: --port takes an integer, not a string");
  CAF_CHECK_EQUAL(file_problem("port = 3000.0\n"),
                  "FILE:1: port: --port takes an integer, not a float");
  CAF_CHECK_EQUAL(file_problem("port = true\n"),
                  "FILE:1: port: --port takes an integer, not a boolean");
  CAF_CHECK_EQUAL(file_problem("max-events-per-second = \"5\"\n"),
                  "FILE:1: max-events-per-second: --max-events-per-second takes a number, not a "
                  "string");
  CAF_CHECK_EQUAL(file_problem("stats = 1\n"),
                  "FILE:1: stats: --stats takes a boolean, not an integer");
  CAF_CHECK_EQUAL(file_problem("host = 127\n"),
                  "FILE:1: host: --host takes a string, not an integer");
  CAF_CHECK_EQUAL(file_problem("allow-emit = [\"any\"]\n"),
                  "FILE:1: allow-emit: --allow-emit takes a string, not an array");
  CAF_CHECK_EQUAL(file_problem("namespace = 1\n"),
                  "FILE:1: namespace: --namespace takes a string or an array of strings, not an "
                  "integer");
  // The line of the element, on an array written over several lines.
  CAF_CHECK_EQUAL(file_problem("namespace = [\n  \"/a\",\n  2,\n]\n"),
                  "FILE:3: namespace: --namespace takes an array of strings, not of an integer");
  CAF_CHECK_EQUAL(file_problem("[[namespace]]\nname = \"/a\"\n"),
                  "FILE:1: namespace: --namespace takes an array of strings, not of a table");
  CAF_CHECK_EQUAL(file_problem("host = 1979-05-27\n"),
                  "FILE:1: host: --host takes a string, not a date or time");
}

CAF_TEST(a value out of range is refused as on the command line) {
  // The option table's own checks, with the file's place in front.
  CAF_CHECK_EQUAL(file_problem("port = 70000\n"),
                  "FILE:1: port: --port needs a number, got '70000'");
  CAF_CHECK_EQUAL(file_problem("port = -1\n"), "FILE:1: port: --port needs a number, got '-1'");
  CAF_CHECK_EQUAL(file_problem("\n\nthreads = 0\n"),
                  "FILE:3: threads: --threads needs a number >= 1, got '0'");
  CAF_CHECK_EQUAL(file_problem("max-json-depth = 33\n"),
                  "FILE:1: max-json-depth: --max-json-depth needs a number from 1 to 32, got '33'");
  CAF_CHECK_EQUAL(file_problem("max-events-per-second = -0.5\n"),
                  "FILE:1: max-events-per-second: --max-events-per-second needs a number >= 0, "
                  "got '-0.5'");
  CAF_CHECK_EQUAL(file_problem("max-events-per-second = inf\n"),
                  "FILE:1: max-events-per-second: --max-events-per-second needs a number >= 0, "
                  "got 'inf'");
  // Judged as written: toml11 alone would take these for the largest int64 and double.
  CAF_CHECK_EQUAL(file_problem("port = 99999999999999999999\n"),
                  "FILE:1: port: --port needs a number, got '99999999999999999999'");
  CAF_CHECK_EQUAL(file_problem("max-payload = 1_000_000_000_000_000_000_000\n"),
                  "FILE:1: max-payload: --max-payload needs a number, got "
                  "'1000000000000000000000'");
  CAF_CHECK_EQUAL(file_problem("max-events-per-second = 1e400\n"),
                  "FILE:1: max-events-per-second: --max-events-per-second needs a number >= 0, "
                  "got '1e400'");
  CAF_CHECK_EQUAL(problem({"--max-events-per-second", "1e400"}),
                  "--max-events-per-second needs a number >= 0, got '1e400'");
  // The same numbers in TOML's other spellings.
  CAF_CHECK_EQUAL(from_file("max-payload = +1_000\n").http.max_payload, 1000u);
  CAF_CHECK_EQUAL(from_file("max-payload = 0x7fffffffffffffff\n").http.max_payload,
                  9223372036854775807u);
  CAF_CHECK_EQUAL(from_file("max-payload = 0o17\n").http.max_payload, 15u);
  CAF_CHECK_EQUAL(from_file("stall = { timeout = 0b101 }  # in an inline table\n")
                    .http.stall_timeout_ms,
                  5u);
  CAF_CHECK_EQUAL(from_file("max-events-per-second = 1_000.25 # a comment\n")
                    .http.max_events_per_second,
                  1000.25);
  CAF_CHECK_EQUAL(from_file("[max]\n  events-per-second=2E3   \n").http.max_events_per_second,
                  2000.0);
  CAF_CHECK_EQUAL(file_problem("max-payload = 9223372036854775807\n"), "ok");
  CAF_CHECK_EQUAL(file_problem("allow-emit = \"all\"\n"),
                  "FILE:1: allow-emit: --allow-emit needs none, member or any, got 'all'");
  CAF_CHECK_EQUAL(file_problem("peer = [\"127.0.0.1:1\", \"nowhere\"]\ncluster-port = 1\n"),
                  "FILE:1: peer: --peer needs HOST:PORT, got 'nowhere'");
  CAF_CHECK_EQUAL(file_problem("host = \"\"\n"), "FILE:1: host: missing value for --host");
  // A line break in a quoted value is escaped: a problem is one line.
  CAF_CHECK_EQUAL(file_problem("allow-emit = \"a\\nb\"\n"),
                  "FILE:1: allow-emit: --allow-emit needs none, member or any, got 'a\\nb'");
  CAF_CHECK_EQUAL(file_problem("webhook-url = \"http://h/\"\nwebhook-events = \"a,,b\"\n"),
                  "FILE:2: webhook-events: --webhook-events needs comma-separated event names, "
                  "got 'a,,b'");
}

CAF_TEST(invalid TOML is named with its file and line) {
  auto syntax = [](const std::string& toml) {
    auto text = file_problem(toml);
    return text.substr(0, text.find(": invalid TOML: ") + 16);
  };
  CAF_CHECK_EQUAL(syntax("port = 1\nport 2\n"), "FILE:2: invalid TOML: ");
  CAF_CHECK_EQUAL(syntax("port = \n"), "FILE:1: invalid TOML: ");
  CAF_CHECK_EQUAL(syntax("\n\nhost = \"open\n"), "FILE:3: invalid TOML: ");
  CAF_CHECK_EQUAL(syntax("port = 1\nport = 2\n"), "FILE:2: invalid TOML: ");

  // TOML has no leading zeros (the command line's --max-payload 0100 is written back as 100).
  CAF_CHECK_EQUAL(syntax("max-payload = 0100\n"), "FILE:1: invalid TOML: ");
  // Every problem a file has is one line, as the command line's are.
  for (auto toml : {"port 2\n", "[api\n", "x = 1\n", "port = \"a\"\n", "port = 0x\n"}) {
    auto text = file_problem(toml);
    CAF_CHECK_EQUAL(text.rfind("FILE:1: ", 0), 0u);
    CAF_CHECK_EQUAL(text.find('\n'), std::string::npos);
  }
}

CAF_TEST(a file that cannot be read is a clear error) {
  auto missing = temp_dir() + "/missing.toml";
  CAF_CHECK_EQUAL(problem({"--config", missing}),
                  "cannot read config file " + missing + ": No such file or directory");
  CAF_CHECK_EQUAL(problem({"--config", temp_dir()}),
                  "cannot read config file " + temp_dir() + ": Is a directory");
}

CAF_TEST(print config writes what is in effect and reads back the same) {
  auto path = write_file(R"(
port = 3001
namespace = ["chat", "/news"]
max-events-per-second = 2.5
disconnect-flooders = true
allow-emit = "any"
host = "tab\there \"quoted\" \\ back"
[api]
port = 8080
key-file = "/etc/atrium/api.key"
[webhook]
url = "http://127.0.0.1:9/"
events = ["connect", "chat,leave"]
)");
  auto text = print_config({"--config", path, "--max-payload", "0100", "--threads", "2",
                            "--port", "3002"});
  for (auto line : {"\nport = 3002\n", "\nnamespace = [\"/chat\", \"/news\"]\n",
                    "\nmax-events-per-second = 2.5\n", "\nmax-payload = 100\n",
                    "\ndisconnect-flooders = true\n", "\nallow-emit = \"any\"\n",
                    "\nhost = \"tab\\there \\\"quoted\\\" \\\\ back\"\n", "\napi-port = 8080\n",
                    "\nwebhook-events = [\"connect\", \"chat,leave\"]\n", "\nthreads = 2\n",
                    // What is not set, with its default, as a comment that changes nothing.
                    "\n# ping-interval = 25000\n", "\n# stats = false\n",
                    "\n# worker-scheduling = \"batch\"\n", "\n# cluster-host = \"127.0.0.1\"\n",
                    "\n# peer is not set\n"}) {
    CAF_CHECK_NOT_EQUAL(text.find(line), std::string::npos);
    if (text.find(line) == std::string::npos)
      CAF_MESSAGE("not in --print-config: " << line);
  }
  // A secret's path is shown: it is no secret.
  CAF_CHECK_NOT_EQUAL(text.find("\napi-key-file = \"/etc/atrium/api.key\" # the path of a secret"),
                      std::string::npos);
  // The line's own actions are not written.
  CAF_CHECK_EQUAL(text.find("\nconfig"), std::string::npos);
  CAF_CHECK_EQUAL(text.find("\n# config "), std::string::npos);
  CAF_CHECK_EQUAL(text.find("print-config ="), std::string::npos);
  // Read back, it gives the same options and the same text.
  auto again = write_file(text);
  auto first = accepted({"--config", path, "--max-payload", "0100", "--threads", "2", "--port",
                         "3002"});
  auto second = accepted({"--config", again, "--print-config"});
  CAF_CHECK_EQUAL(atrium::cli::config_text(second.settings), text);
  CAF_CHECK_EQUAL(second.http.port, 3002u);
  CAF_CHECK_EQUAL(second.http.host, first.http.host);
  CAF_CHECK_EQUAL(second.http.max_payload, 100u);
  CAF_CHECK_EQUAL(second.namespaces, first.namespaces);
  CAF_CHECK_EQUAL(second.backend.webhooks.events, first.backend.webhooks.events);
  CAF_CHECK(second.print_config);
  // The defaults alone round-trip too.
  auto defaults = print_config({});
  CAF_CHECK_EQUAL(print_config({"--config", write_file(defaults)}), defaults);
}

CAF_TEST(print config keeps what the order of options meant) {
  // --trusted-clients sets the emit scope too: the later of the two wins, in a file as on the
  // line, and the written file keeps them in that order.
  using scope = client_policy::emit_scope;
  for (auto [line, emit] : std::vector<std::pair<std::vector<std::string>, scope>>{
         {{"--trusted-clients", "--allow-emit", "none"}, scope::none},
         {{"--allow-emit", "none", "--trusted-clients"}, scope::any},
         {{"--allow-emit", "none", "--trusted-clients", "--allow-emit", "member"}, scope::member}}) {
    auto direct = accepted(line);
    CAF_CHECK(direct.policy.emit == emit);
    auto text = atrium::cli::config_text(direct.settings);
    auto back = accepted({"--config", write_file(text)});
    CAF_CHECK(back.policy.emit == emit);
    CAF_CHECK_EQUAL(back.http.max_events_per_second, direct.http.max_events_per_second);
    CAF_CHECK_EQUAL(atrium::cli::config_text(back.settings), text);
  }
  // A default that an option changes (--conformance's ping interval) stays a comment: written
  // as a value it would count as given.
  auto conformance = print_config({"--conformance"});
  auto back = accepted({"--config", write_file(conformance)});
  CAF_CHECK_EQUAL(back.http.ping_interval_ms, 300u);
  CAF_CHECK_EQUAL(back.namespaces, (std::vector<std::string>{"/", "/custom"}));
}

CAF_TEST(secrets are elided) {
  // The table marks the files of secrets; none of today's options holds a secret itself, so a
  // table of the tests' own has one.
  using in_config = option_spec::in_config;
  auto marked = [](std::string_view name) {
    for (auto& o : atrium::cli::option_table())
      if (o.name == name)
        return o.config;
    return in_config::never;
  };
  for (auto name : {"--api-key-file", "--webhook-secret-file", "--auth-jwt-secret-file",
                    "--cluster-tls-key"})
    CAF_CHECK(marked(name) == in_config::secret_path);
  CAF_CHECK(marked("--auth-jwt-public-key-file") == in_config::setting);
  CAF_CHECK(marked("--config") == in_config::never);

  std::vector<option_spec> table{
    {"--password-hash", "", "HASH",
     option_spec::text{[](options& o) -> auto& { return o.backend.auth.jwt_issuer; }}, "a secret",
     in_config::secret},
    {"--tokens", "", "T",
     option_spec::list{[](options& o) -> auto& { return o.policy.join_patterns; },
                       [](std::string&) -> const char* { return nullptr; }},
     "secrets", in_config::secret},
    {"--host", "", "ADDR", option_spec::text{[](options& o) -> auto& { return o.http.host; }},
     "not one"},
  };
  std::string problem;
  auto path = write_file("password-hash = \"$2b$12$hidden\"\ntokens = [\"t1\", \"t2\"]\n"
                         "host = \"shown\"\n");
  auto read = atrium::cli::read_config_file(path, table, problem);
  CAF_REQUIRE(read.has_value());
  CAF_CHECK_EQUAL(problem, "");
  auto text = atrium::cli::config_text(*read, table);
  CAF_CHECK_NOT_EQUAL(text.find("\npassword-hash = \"<elided>\"\n"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("\ntokens = [\"<elided>\"]\n"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("\nhost = \"shown\"\n"), std::string::npos);
  CAF_CHECK_EQUAL(text.find("hidden"), std::string::npos);
  CAF_CHECK_EQUAL(text.find("t1"), std::string::npos);
  // Read back, the placeholder is refused rather than taken for the secret.
  auto again = write_file(text);
  CAF_CHECK(!atrium::cli::read_config_file(again, table, problem));
  CAF_CHECK_EQUAL(problem, again + ":4: password-hash: the secret was elided by --print-config: "
                                   "write the real one back");
}

CAF_TEST(every option of the table is a key of the file) {
  // Written from the table alone, so that an option added to it is covered the day it is.
  using in_config = option_spec::in_config;
  std::string toml;
  std::size_t keys = 0;
  for (auto& o : atrium::cli::option_table()) {
    if (o.config == in_config::never)
      continue;
    ++keys;
    toml += std::string{o.name.substr(2)} + " = ";
    std::visit(
      [&](const auto& kind) {
        using kind_type = std::decay_t<decltype(kind)>;
        if constexpr (std::is_same_v<kind_type, option_spec::flag>)
          toml += "true";
        else if constexpr (std::is_same_v<kind_type, option_spec::number<double>>)
          toml += "1.5";
        else if constexpr (std::is_same_v<kind_type, option_spec::text>
                           || std::is_same_v<kind_type, option_spec::choice>)
          toml += "\"x\"";
        else if constexpr (std::is_same_v<kind_type, option_spec::list>)
          toml += "[\"x\", \"y\"]";
        else
          toml += "1";
      },
      o.target);
    toml += '\n';
  }
  std::string problem;
  auto read = atrium::cli::read_config_file(write_file(toml), atrium::cli::option_table(), problem);
  CAF_CHECK_EQUAL(problem, "");
  CAF_REQUIRE(read.has_value());
  CAF_CHECK_EQUAL(read->size(), keys);
  // And each is written back as a value of its own key, none as a default.
  auto text = atrium::cli::config_text(*read);
  for (auto& o : atrium::cli::option_table())
    if (o.config != in_config::never)
      CAF_CHECK_NOT_EQUAL(text.find("\n" + std::string{o.name.substr(2)} + " = "),
                          std::string::npos);
  CAF_CHECK_EQUAL(text.find(" is not set"), std::string::npos);
  auto again =
    atrium::cli::read_config_file(write_file(text), atrium::cli::option_table(), problem);
  CAF_REQUIRE(again.has_value());
  CAF_CHECK_EQUAL(atrium::cli::config_text(*again), text);
}

CAF_TEST(the example config file is valid) {
  std::string example = ATRIUM_SOURCE_DIR "/tools/atrium.example.toml";
  auto o = accepted({"--config", example});
  CAF_CHECK_GREATER(o.settings.size(), 5u);
  // Its commented-out examples ("# key = value", "# [table]") are real keys too, with values of
  // the right type: uncommented, the file still reads (the combinations are not judged here:
  // some are alternatives).
  std::ifstream in{example};
  std::string line, uncommented;
  int examples = 0;
  while (std::getline(in, line)) {
    if (line.rfind("# [", 0) == 0
        || (line.rfind("# ", 0) == 0 && line.find(" = ") != std::string::npos
            && line.find_first_of(" ", 2) == line.find(" = "))) {
      line.erase(0, 2);
      ++examples;
    }
    uncommented += line + '\n';
  }
  CAF_CHECK_GREATER(examples, 10);
  std::string problem;
  auto read = atrium::cli::read_config_file(write_file(uncommented), atrium::cli::option_table(),
                                            problem);
  CAF_CHECK_EQUAL(problem, "");
  CAF_CHECK(read.has_value());
}

CAF_TEST(a damaged file is an error of one line or a valid configuration) {
  // Random edits of a file that holds every kind of value: whatever toml11 or the table makes of
  // them, atrium answers with one line that names the file, or with options; never a throw.
  const std::string good = R"(port = 3001
namespace = ["/chat", "news"]   # comment
max-events-per-second = 2.5
disconnect-flooders = true
allow-emit = "any"
[api]
port = 8080
key-file = "k"
[cluster.tls]
cert = 'c.pem'
key = "k.pem"
ca = """ca.pem"""
)";
  std::mt19937 rng{20261207};
  const std::string alphabet = "=[]{}\"'.,#-_+0123456789eE\n\t azAZ\\\x7f\xc3";
  int valid = 0;
  for (int round = 0; round < 1500; ++round) {
    auto text = good;
    for (int edits = 1 + rng() % 3; edits > 0; --edits) {
      auto at = rng() % (text.size() + 1);
      switch (rng() % 3) {
        case 0:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 1:
          if (at < text.size())
            text.erase(at, 1 + rng() % 4);
          break;
        default:
          if (at < text.size())
            text[at] = alphabet[rng() % alphabet.size()];
      }
    }
    auto path = write_file(text);
    auto res = parse({"--config", path});
    if (res.opts) {
      ++valid;
      continue;
    }
    CAF_CHECK_EQUAL(res.problem.find('\n'), std::string::npos);
    // What the file itself has wrong names it; a combination (TLS without its key) is the whole
    // configuration's.
    std::string problem;
    bool read = atrium::cli::read_config_file(path, atrium::cli::option_table(), problem)
                  .has_value();
    CAF_CHECK(read || problem.rfind(path + ":", 0) == 0);
    if (res.problem.find('\n') != std::string::npos || !(read || problem.rfind(path + ":", 0) == 0))
      CAF_MESSAGE("for the file:\n" << text << "\nthe problem: " << res.problem);
  }
  // Both outcomes occur, or the edits tested nothing.
  CAF_CHECK_GREATER(valid, 10);
  CAF_CHECK_LESS(valid, 1400);
}
