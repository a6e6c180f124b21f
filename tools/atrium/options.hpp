#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/boundary/log.hpp"
#include "actors/cluster_node.hpp"
#include "atrium/http_server.hpp"
#include "tools/atrium/admin_ui_options.hpp"
#include "tools/atrium/backend_options.hpp"
#include "tools/atrium/client_policy.hpp"

namespace atrium::cli {

struct option_spec;

/// One option as it was given, after --config's file and the command line are merged: each
/// option at most once, in the order they apply (--print-config writes them back so).
struct setting {
  const option_spec* option;
  std::vector<std::string> values; // none for a flag, the list's for a repeatable one
  std::string where;               // "FILE:LINE: KEY" from a config file, empty from the line
};

struct options {
  net::server_options http;
  cluster_options cluster;
  bool cluster_insecure = false;
  std::vector<std::string> namespaces{"/"};
  unsigned actor_threads = 0;
  bool batch_scheduling = true; // --worker-scheduling batch|normal
  app::client_policy policy;
  app::backend_options backend;
  app::admin_ui_options admin;
  bool conformance = false;
  /// How long a SIGTERM waits for clients to go and queued packets and webhooks to leave.
  unsigned drain_timeout_ms = 10000;
  /// Connection state recovery (--recovery-*): off while the window is 0.
  unsigned recovery_window_ms = 0;
  std::size_t recovery_buffer_bytes = 64u << 20;
  unsigned recovery_cluster_timeout_ms = 2000;
  bool recovery_skip_middlewares = true;
  log::level log_level = log::level::info;
  log::format log_format = log::format::text;
  bool help = false;
  std::string config_file;   // --config
  bool print_config = false; // --print-config
  std::vector<setting> settings;
  bool version = false;
};

/// Parses the command line and the config file its `--config FILE` names (anywhere on the
/// line; tools/atrium/config_file.hpp). The file is applied first, the command line over it: a
/// repeatable option given on the line replaces the file's list. On a bad option returns nullopt
/// and sets `problem` (one line that names the option, and for the file, "FILE:LINE: KEY: ").
/// `-h` or `--help` anywhere gives `help` and nothing else is looked at; so does `--version`
/// (after those), giving `version`.
std::optional<options> parse(int argc, char** argv, std::string& problem);

/// The --help text, written from `option_table()`.
std::string usage();

/// One option of the command line: what it sets and how --help shows it. The parser and
/// usage() both read nothing but this, so the help cannot list an option the parser does not
/// take, or show one that takes a value as one that does not.
struct option_spec {
  /// Takes no value.
  struct flag {
    void (*set)(options&);
  };
  /// A decimal number from `min` to `max` (protocol::parse_decimal).
  template <class T>
  struct number {
    T& (*field)(options&);
    T min;
    T max;
  };
  /// Any text but the empty one.
  struct text {
    std::string& (*field)(options&);
  };
  /// Repeatable: each value is appended. `admit` may rewrite the value, or refuse it with what
  /// it should have been ("HOST:PORT").
  struct list {
    std::vector<std::string>& (*field)(options&);
    const char* (*admit)(std::string& value);
  };
  /// One of a few words, `expected` spelling them out for the error ("batch or normal").
  /// `word`, when there is one, names the value `options` has: --print-config shows the
  /// default with it.
  struct choice {
    bool (*set)(options&, std::string_view word);
    std::string_view expected;
    std::string_view (*word)(const options&) = nullptr;
  };
  using kind = std::variant<flag, number<std::uint16_t>, number<unsigned>, number<std::size_t>,
                            number<double>, text, list, choice>;

  std::string_view name;    // "--port"
  std::string_view alias;   // "-h", or empty
  std::string_view metavar; // what --help shows for the value ("N"); empty for a flag
  kind target;
  /// Lines joined by '\n'. In a number's or a text's help, `{default}` is the value the
  /// option has when it is not given, read off `options{}`, and `{min}`/`{max}` its bounds.
  std::string_view help;
  /// What a config file and --print-config do with it. Marked here, not guessed from the name,
  /// so that a new option holding a secret says so where it is declared.
  enum class in_config {
    setting,     // a key of the file, printed as it is
    secret_path, // a key, and the path of a file holding a secret: printed (a path is no secret)
    secret,      // a key holding a secret itself: printed as "<elided>"
    never,       // an action of the command line (--help, --config; a --version too): no key
  };
  in_config config = in_config::setting;
};

/// Every option, in the order --help lists them.
const std::vector<option_spec>& option_table();

} // namespace atrium::cli
