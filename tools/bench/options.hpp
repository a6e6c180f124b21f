// Command line of atrium-bench. Another script drives the binary, so the flags are an interface:
// change them only together with their callers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace atrium::bench {

/// A server to connect to, as given by --url (http://HOST:PORT or ws://HOST:PORT).
struct server_url {
  std::string text;
  std::string host;
  std::uint16_t port = 0;
};

struct fanout_options {
  std::vector<server_url> urls;         // the publisher uses the first; receivers go round-robin
  std::uint32_t receivers = 1000;
  std::uint32_t payload = 100;          // approximate size of the event's argument, in bytes
  double seconds = 5;
  std::uint32_t window = 32;            // saturation mode: messages not yet received by all
  double rate = 0;                      // messages per second; 0 means saturation mode
  std::string room = "bench";
  std::vector<int> server_pids;
  std::string label;
  std::string json_file;                // empty: the JSON line goes to stdout
  double connect_timeout = 20;

  bool rate_mode() const { return rate > 0; }
};

/// What the command line asked for, or why it cannot be run.
struct parsed_command {
  std::optional<fanout_options> fanout;
  bool help = false;
  std::string error;
};

parsed_command parse_command_line(int argc, char** argv);
const char* usage();

} // namespace atrium::bench
