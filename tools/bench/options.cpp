#include "tools/bench/options.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "protocol/decimal.hpp"

namespace atrium::bench {

namespace {

std::optional<server_url> parse_url(const std::string& text) {
  std::string_view rest = text;
  for (std::string_view scheme : {"http://", "ws://"}) {
    if (rest.substr(0, scheme.size()) == scheme) {
      rest.remove_prefix(scheme.size());
      break;
    }
  }
  // https/wss would need TLS, which would make the bench slower than what it measures.
  if (rest.find("://") != std::string_view::npos)
    return std::nullopt;
  rest = rest.substr(0, rest.find('/'));
  server_url url{text, {}, 80};
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') { // [IPv6]:port
    auto close = rest.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    url.host = std::string{rest.substr(1, close - 1)};
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return std::nullopt;
      port_text = rest.substr(1);
    }
  } else {
    auto colon = rest.rfind(':');
    url.host = std::string{rest.substr(0, colon)};
    if (colon != std::string_view::npos)
      port_text = rest.substr(colon + 1);
  }
  if (url.host.empty())
    return std::nullopt;
  if (!port_text.empty() || rest.find(':') != std::string_view::npos) {
    auto port = protocol::parse_decimal<std::uint16_t>(port_text);
    if (!port || *port == 0)
      return std::nullopt;
    url.port = *port;
  }
  return url;
}

bool parse_u64(const std::string& text, std::uint64_t& out) {
  auto v = protocol::parse_decimal<std::uint64_t>(text);
  if (!v)
    return false;
  out = *v;
  return true;
}

bool parse_count(const std::string& text, std::uint32_t min, std::uint32_t& out) {
  auto v = protocol::parse_decimal<std::uint32_t>(text);
  if (!v || *v < min)
    return false;
  out = *v;
  return true;
}

bool parse_number(const std::string& text, bool zero_allowed, double& out) {
  auto v = protocol::parse_decimal<double>(text);
  if (!v || *v < 0 || (*v == 0 && !zero_allowed))
    return false;
  out = *v;
  return true;
}

bool parse_positive(const std::string& text, double& out) {
  return parse_number(text, false, out);
}

// A comma-separated list of IP addresses, each checked.
bool parse_addresses(const std::string& text, std::vector<std::string>& out) {
  std::string_view rest = text;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string item{rest.substr(0, comma)};
    boost::system::error_code ec;
    boost::asio::ip::make_address(item, ec);
    if (ec)
      return false;
    out.push_back(std::move(item));
    if (comma == std::string_view::npos)
      break;
    rest.remove_prefix(comma + 1);
    if (rest.empty())
      return false;
  }
  return !out.empty();
}

// One flag of the command line, with what it said and where to complain.
struct flag_value {
  const std::string& flag;
  const std::string& value;
  std::string& error;

  bool bad(const char* what) const {
    error = "invalid " + flag + " '" + value + "': " + what;
    return true;
  }
  // Each reader below returns true when it used the flag (error set if the value was bad).
  bool count(std::uint32_t min, std::uint32_t& out) const {
    if (parse_count(value, min, out))
      return true;
    return bad(min == 0 ? "expected a whole number" : "expected a whole number >= 1");
  }
  bool positive(double& out, const char* what) const {
    return parse_positive(value, out) || bad(what);
  }
  // A rate of 0 switches that part of a load off.
  bool rate(double& out) const {
    return parse_number(value, true, out) || bad("expected a number per second, 0 or more");
  }
  bool bytes(std::uint32_t& out) const {
    return parse_count(value, 0, out) || bad("expected a whole number of bytes");
  }
  bool whole(std::uint64_t& out) const {
    return parse_u64(value, out) || bad("expected a whole number");
  }
  bool name(std::string& out) const {
    if (value.empty())
      return bad("expected a room name");
    out = value;
    return true;
  }
};

bool take_common(common_options& o, const flag_value& f) {
  if (f.flag == "--url") {
    auto url = parse_url(f.value);
    if (!url)
      return f.bad("expected http://HOST:PORT");
    o.urls.push_back(std::move(*url));
    return true;
  }
  if (f.flag == "--seconds")
    return f.positive(o.seconds, "expected a positive number");
  if (f.flag == "--server-pid") {
    std::uint32_t pid = 0;
    if (!parse_count(f.value, 1, pid)
        || pid > static_cast<std::uint32_t>(std::numeric_limits<int>::max()))
      return f.bad("expected a process id");
    o.server_pids.push_back(static_cast<int>(pid));
    return true;
  }
  if (f.flag == "--label") {
    o.label = f.value;
    return true;
  }
  if (f.flag == "--json" || f.flag == "--json-file") {
    o.json_file = f.value;
    return true;
  }
  if (f.flag == "--connect-timeout")
    return f.positive(o.connect_timeout, "expected a positive number of seconds");
  return false;
}

bool take(fanout_options& o, const flag_value& f) {
  if (f.flag == "--receivers")
    return f.count(1, o.receivers);
  if (f.flag == "--payload")
    return f.bytes(o.payload);
  if (f.flag == "--window")
    return f.count(1, o.window);
  if (f.flag == "--rate")
    return f.positive(o.rate, "expected a positive number of messages per second");
  if (f.flag == "--room")
    return f.name(o.room);
  return take_common(o, f);
}

bool take(rooms_options& o, const flag_value& f) {
  if (f.flag == "--clients")
    return f.count(1, o.clients);
  if (f.flag == "--rooms")
    return f.count(1, o.rooms);
  if (f.flag == "--per-client")
    return f.count(1, o.per_client);
  if (f.flag == "--union")
    return f.count(1, o.union_size);
  if (f.flag == "--publishers")
    return f.count(1, o.publishers);
  if (f.flag == "--window")
    return f.count(1, o.window);
  if (f.flag == "--payload")
    return f.bytes(o.payload);
  if (f.flag == "--seed")
    return f.whole(o.seed);
  return take_common(o, f);
}

bool take(churn_options& o, const flag_value& f) {
  if (f.flag == "--clients")
    return f.count(1, o.clients);
  if (f.flag == "--rooms")
    return f.count(1, o.rooms);
  if (f.flag == "--seed")
    return f.whole(o.seed);
  return take_common(o, f);
}

bool take(idle_options& o, const flag_value& f) {
  if (f.flag == "--connections")
    return f.count(1, o.connections);
  if (f.flag == "--source-addresses")
    return parse_addresses(f.value, o.source_addresses)
           || f.bad("expected IP addresses separated by commas");
  // idle measures no window of its own: --seconds is the hold, as in the other workloads the
  // time the load lasts.
  if (f.flag == "--hold" || f.flag == "--seconds")
    return f.positive(o.hold, "expected a positive number of seconds");
  return take_common(o, f);
}

bool take(soak_options& o, const flag_value& f) {
  if (f.flag == "--sample-every")
    return f.positive(o.sample_every, "expected a positive number of seconds");
  if (f.flag == "--clients")
    return f.count(1, o.clients);
  if (f.flag == "--rooms")
    return f.count(1, o.rooms);
  if (f.flag == "--per-client")
    return f.count(1, o.per_client);
  if (f.flag == "--union")
    return f.count(1, o.union_size);
  if (f.flag == "--publishers")
    return f.count(1, o.publishers);
  if (f.flag == "--churn-per-second")
    return f.rate(o.churn_rate);
  if (f.flag == "--moves-per-second")
    return f.rate(o.move_rate);
  if (f.flag == "--broadcasts-per-second")
    return f.rate(o.broadcast_rate);
  if (f.flag == "--payload")
    return f.bytes(o.payload);
  if (f.flag == "--seed")
    return f.whole(o.seed);
  return take_common(o, f);
}

bool take(recovery_options& o, const flag_value& f) {
  if (f.flag == "--clients")
    return f.count(1, o.clients);
  if (f.flag == "--messages")
    return f.count(1, o.messages);
  if (f.flag == "--payload")
    return f.bytes(o.payload);
  if (f.flag == "--room")
    return f.name(o.room);
  return take_common(o, f);
}

bool given(const std::vector<std::string>& flags, const char* flag) {
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

// What no single flag can tell: combinations, and the flags every run needs.
std::string check(const fanout_options& o, const std::vector<std::string>& flags) {
  if (given(flags, "--window") && o.rate_mode())
    return "--window and --rate exclude each other";
  return {};
}

std::string check(const rooms_options& o, const std::vector<std::string>&) {
  if (o.per_client > o.rooms)
    return "--per-client " + std::to_string(o.per_client) + " exceeds --rooms "
           + std::to_string(o.rooms);
  if (o.union_size > o.rooms)
    return "--union " + std::to_string(o.union_size) + " exceeds --rooms "
           + std::to_string(o.rooms);
  return {};
}

std::string check(const churn_options&, const std::vector<std::string>&) {
  return {};
}

std::string check(const idle_options&, const std::vector<std::string>& flags) {
  if (given(flags, "--hold") && given(flags, "--seconds"))
    return "for idle, --seconds is another name of --hold: give one";
  return {};
}

std::string check(const soak_options& o, const std::vector<std::string>&) {
  // RSS over time is what a soak is for.
  if (o.server_pids.empty())
    return "soak needs --server-pid: it samples the server's RSS";
  // A move leaves one of a client's rooms for one it is not in.
  if (o.per_client >= o.rooms)
    return "--per-client " + std::to_string(o.per_client) + " must be below --rooms "
           + std::to_string(o.rooms);
  if (o.union_size > o.rooms)
    return "--union " + std::to_string(o.union_size) + " exceeds --rooms "
           + std::to_string(o.rooms);
  return {};
}

std::string check(const recovery_options&, const std::vector<std::string>&) {
  return {};
}

template <class Options>
void parse_workload(int argc, char** argv, parsed_command& cmd) {
  Options opts;
  std::vector<std::string> flags;
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    std::optional<std::string> inline_value;
    if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = flag.substr(eq + 1);
      flag.resize(eq);
    }
    if (flag == "--help" || flag == "-h") {
      cmd.help = true;
      return;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      cmd.error = "missing value for " + flag;
      return;
    }
    if (!take(opts, flag_value{flag, value, cmd.error})) {
      cmd.error = "unknown option " + flag + " for " + argv[1];
      return;
    }
    if (!cmd.error.empty())
      return;
    flags.push_back(flag);
  }
  if (opts.urls.empty()) {
    cmd.error = "at least one --url is required";
    return;
  }
  cmd.error = check(opts, flags);
  if (cmd.error.empty())
    cmd.workload = std::move(opts);
}

} // namespace

const char* usage() {
  return "usage: atrium-bench WORKLOAD --url http://127.0.0.1:3001 [--url URL ...] [options]\n"
         "\n"
         "common options: [--seconds 5] [--server-pid PID ...] [--label TEXT] [--json FILE]\n"
         "                [--connect-timeout 20]\n"
         "\n"
         "fanout [--receivers 1000] [--payload 100] [--window 32 | --rate MSGS_PER_S]\n"
         "       [--room bench]\n"
         "  receivers join one room over Socket.IO v5 / WebSocket, a publisher emits to it;\n"
         "  every delivery is checked (lost, duplicates, out of order).\n"
         "  --window W   saturation: at most W messages not yet received by every receiver\n"
         "  --rate R     fixed rate: R messages per second, latency percentiles reported\n"
         "rooms [--clients 1000] [--rooms 100] [--per-client 5] [--union 3] [--publishers 10]\n"
         "      [--window 256] [--payload 100] [--seed 1]\n"
         "  each client joins --per-client random rooms r0..; publishers emit to the union of\n"
         "  --union random rooms, at most W messages in flight; every delivery is checked\n"
         "  against the membership (lost, duplicates, unexpected) and against its publisher's\n"
         "  order (out of order: older than one the client already got from that publisher).\n"
         "churn [--clients 200] [--rooms 50] [--seed 1]\n"
         "  each client joins and leaves a random room c0.., waiting for each ack, in a loop;\n"
         "  operations (join+leave pairs) per second and ack latency percentiles.\n"
         "idle [--connections 10000] [--source-addresses 127.0.0.2,127.0.0.3,...] [--hold 5]\n"
         "  opens that many Socket.IO connections (at most 256 handshakes at a time), reads the\n"
         "  servers' memory before and after, holds them (--hold, or --seconds) and checks\n"
         "  that every one still answers; --connect-timeout bounds a ramp without progress.\n"
         "soak --server-pid PID [--seconds 1800] [--sample-every 10] [--clients 500] [--rooms 50]\n"
         "     [--per-client 3] [--union 2] [--publishers 4] [--churn-per-second 20]\n"
         "     [--moves-per-second 20] [--broadcasts-per-second 100] [--payload 100] [--seed 1]\n"
         "  a mixed load held steady: clients in --per-client rooms s0.. disconnect and come back\n"
         "  in new sessions (churn), move from a room to another, and publishers broadcast to\n"
         "  unions of --union rooms, acked; every delivery is judged against the membership\n"
         "  and its publisher's order. Prints the servers' RSS every --sample-every seconds,\n"
         "  then the curve (growth from the first quarter to the last); only losses,\n"
         "  duplicates, deliveries out of order, strays and acks fail it.\n"
         "recovery [--clients 1000] [--messages 1000] [--payload 100] [--room recovery]\n"
         "  connection state recovery (the server must have it on): the clients join one\n"
         "  room and get an event, their connections are cut, a publisher sends --messages\n"
         "  to the room, then every client comes back at once with its session id and\n"
         "  offset; each must get its former id and every message, in order, once. Tells\n"
         "  the first --server-pid's memory kept per gone client and per buffered message,\n"
         "  the servers' CPU per buffered message, and the replay's time and CPU.\n"
         "\n"
         "--json-file is another name of --json.\n"
         "\n"
         "exit status: 0 every check passed, 1 a check failed (loss, duplicates, out of order,\n"
         "bad or missing acks, connections lost), 2 usage or setup failure\n";
}

parsed_command parse_command_line(int argc, char** argv) {
  parsed_command cmd;
  if (argc < 2) {
    cmd.error = "missing workload";
    return cmd;
  }
  std::string workload = argv[1];
  if (workload == "--help" || workload == "-h")
    cmd.help = true;
  else if (workload == "fanout")
    parse_workload<fanout_options>(argc, argv, cmd);
  else if (workload == "rooms")
    parse_workload<rooms_options>(argc, argv, cmd);
  else if (workload == "churn")
    parse_workload<churn_options>(argc, argv, cmd);
  else if (workload == "idle")
    parse_workload<idle_options>(argc, argv, cmd);
  else if (workload == "soak")
    parse_workload<soak_options>(argc, argv, cmd);
  else if (workload == "recovery")
    parse_workload<recovery_options>(argc, argv, cmd);
  else
    cmd.error = "unknown workload '" + workload
                + "' (known: fanout, rooms, churn, idle, soak, recovery)";
  return cmd;
}

} // namespace atrium::bench
