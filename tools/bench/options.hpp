// Command line of atrium-bench. Another script drives the binary, so the flags are an interface:
// change them only together with their callers.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace atrium::bench {

/// A server to connect to, as given by --url (http://HOST:PORT or ws://HOST:PORT).
struct server_url {
  std::string text;
  std::string host;
  std::uint16_t port = 0;
};

/// The flags every workload takes.
struct common_options {
  std::vector<server_url> urls;         // connections go round-robin over them
  double seconds = 5;                   // the measured window
  std::vector<int> server_pids;         // processes whose CPU and memory are reported
  std::string label;
  std::string json_file;                // empty: the JSON line goes to stdout
  double connect_timeout = 20;
};

struct fanout_options : common_options {
  // The publisher uses the first URL; receivers go round-robin.
  std::uint32_t receivers = 1000;
  std::uint32_t payload = 100;          // approximate size of the event's argument, in bytes
  std::uint32_t window = 32;            // saturation mode: messages not yet received by all
  double rate = 0;                      // messages per second; 0 means saturation mode
  std::string room = "bench";

  bool rate_mode() const { return rate > 0; }
};

struct rooms_options : common_options {
  std::uint32_t clients = 1000;
  std::uint32_t rooms = 100;            // named r0 .. r{rooms-1}
  std::uint32_t per_client = 5;         // distinct rooms each client joins
  std::uint32_t union_size = 3;         // distinct rooms each message is emitted to (--union)
  std::uint32_t publishers = 10;        // extra connections, joined to nothing, that emit
  // Messages not yet received by all their recipients. A client waits for about
  // window * (recipients / clients) of them: 256 keeps about 37 waiting for each, as fanout's
  // window of 32 does for each receiver. With 32, no more than 4 or 5 can wait for a client,
  // and the run measures the round trip rather than the server's maximum.
  std::uint32_t window = 256;
  std::uint32_t payload = 100;
  std::uint64_t seed = 1;               // the same seed gives the same rooms and targets
};

struct churn_options : common_options {
  std::uint32_t clients = 200;
  std::uint32_t rooms = 50;             // named c0 .. c{rooms-1}
  std::uint64_t seed = 1;
};

struct soak_options : common_options {
  soak_options() { seconds = 1800; }    // half an hour: long enough for a leak to show

  double sample_every = 10;             // seconds between two samples of the servers' RSS
  std::uint32_t clients = 500;          // the steady population, each in per_client rooms
  std::uint32_t rooms = 50;             // named s0 .. s{rooms-1}
  std::uint32_t per_client = 3;
  std::uint32_t union_size = 2;         // distinct rooms each broadcast goes to (--union)
  std::uint32_t publishers = 4;         // extra connections, in no room, that broadcast
  double churn_rate = 20;               // clients per second that disconnect and come back
  double move_rate = 20;                // clients per second that leave a room and join another
  double broadcast_rate = 100;          // broadcasts per second, each acked
  std::uint32_t payload = 100;
  std::uint64_t seed = 1;
};

struct idle_options : common_options {
  std::uint32_t connections = 10000;
  std::vector<std::string> source_addresses;  // local addresses to bind to, round-robin
  double hold = 5;                      // seconds to keep them all open once connected
};

struct recovery_options : common_options {
  std::uint32_t clients = 1000;         // each cut, then back with its session id and offset
  std::uint32_t messages = 1000;        // sent to their room while they are away
  std::uint32_t payload = 100;
  std::string room = "recovery";
};

/// What the command line asked for, or why it cannot be run.
struct parsed_command {
  std::variant<std::monostate, fanout_options, rooms_options, churn_options, idle_options,
               soak_options, recovery_options>
    workload;
  bool help = false;
  std::string error;
};

parsed_command parse_command_line(int argc, char** argv);
const char* usage();

} // namespace atrium::bench
