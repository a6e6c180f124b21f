#include "tools/bench/options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string_view>

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
    std::string digits{port_text};
    char* end = nullptr;
    errno = 0;
    auto port = std::strtoul(digits.c_str(), &end, 10);
    if (digits.empty() || *end != '\0' || errno != 0 || port == 0 || port > 65535)
      return std::nullopt;
    url.port = static_cast<std::uint16_t>(port);
  }
  return url;
}

bool parse_count(const std::string& text, std::uint32_t min, std::uint32_t& out) {
  char* end = nullptr;
  errno = 0;
  auto v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || text.front() == '-' || v < min
      || v > std::numeric_limits<std::uint32_t>::max())
    return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

bool parse_positive(const std::string& text, double& out) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(v) || v <= 0)
    return false;
  out = v;
  return true;
}

} // namespace

const char* usage() {
  return "usage: atrium-bench fanout --url http://127.0.0.1:3001 [--url URL ...]\n"
         "                           [--receivers 1000] [--payload 100] [--seconds 5]\n"
         "                           [--window 32 | --rate MSGS_PER_S] [--room bench]\n"
         "                           [--server-pid PID ...] [--label TEXT] [--json FILE]\n"
         "                           [--connect-timeout 20]\n"
         "\n"
         "fanout: receivers join one room over Socket.IO v5 / WebSocket, a publisher emits to it.\n"
         "  --window W   saturation: at most W messages not yet received by every receiver\n"
         "  --rate R     fixed rate: R messages per second, latency percentiles reported\n"
         "exit status: 0 no loss and no duplicate, 1 loss or duplicates, 2 setup failure\n";
}

parsed_command parse_command_line(int argc, char** argv) {
  parsed_command cmd;
  if (argc < 2) {
    cmd.error = "missing workload";
    return cmd;
  }
  std::string workload = argv[1];
  if (workload == "--help" || workload == "-h") {
    cmd.help = true;
    return cmd;
  }
  if (workload != "fanout") {
    cmd.error = "unknown workload '" + workload + "' (known: fanout)";
    return cmd;
  }
  fanout_options opts;
  bool window_given = false;
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    std::optional<std::string> inline_value;
    if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = flag.substr(eq + 1);
      flag.resize(eq);
    }
    if (flag == "--help" || flag == "-h") {
      cmd.help = true;
      return cmd;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      cmd.error = "missing value for " + flag;
      return cmd;
    }
    auto bad = [&](const char* what) {
      cmd.error = "invalid " + flag + " '" + value + "': " + what;
    };
    if (flag == "--url") {
      auto url = parse_url(value);
      if (!url) {
        bad("expected http://HOST:PORT");
        return cmd;
      }
      opts.urls.push_back(std::move(*url));
    } else if (flag == "--receivers") {
      if (!parse_count(value, 1, opts.receivers)) {
        bad("expected a whole number >= 1");
        return cmd;
      }
    } else if (flag == "--payload") {
      if (!parse_count(value, 0, opts.payload)) {
        bad("expected a whole number of bytes");
        return cmd;
      }
    } else if (flag == "--seconds") {
      if (!parse_positive(value, opts.seconds)) {
        bad("expected a positive number");
        return cmd;
      }
    } else if (flag == "--window") {
      if (!parse_count(value, 1, opts.window)) {
        bad("expected a whole number >= 1");
        return cmd;
      }
      window_given = true;
    } else if (flag == "--rate") {
      if (!parse_positive(value, opts.rate)) {
        bad("expected a positive number of messages per second");
        return cmd;
      }
    } else if (flag == "--room") {
      if (value.empty()) {
        bad("expected a room name");
        return cmd;
      }
      opts.room = value;
    } else if (flag == "--server-pid") {
      std::uint32_t pid = 0;
      if (!parse_count(value, 1, pid) || pid > static_cast<std::uint32_t>(
                                                  std::numeric_limits<int>::max())) {
        bad("expected a process id");
        return cmd;
      }
      opts.server_pids.push_back(static_cast<int>(pid));
    } else if (flag == "--label") {
      opts.label = value;
    } else if (flag == "--json") {
      opts.json_file = value;
    } else if (flag == "--connect-timeout") {
      if (!parse_positive(value, opts.connect_timeout)) {
        bad("expected a positive number of seconds");
        return cmd;
      }
    } else {
      cmd.error = "unknown option " + flag;
      return cmd;
    }
  }
  if (opts.urls.empty()) {
    cmd.error = "at least one --url is required";
    return cmd;
  }
  if (window_given && opts.rate_mode()) {
    cmd.error = "--window and --rate exclude each other";
    return cmd;
  }
  cmd.fanout = std::move(opts);
  return cmd;
}

} // namespace atrium::bench
