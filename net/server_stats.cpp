#include "net/server_stats.hpp"

namespace atrium::net {

std::string server_stats::to_json(std::size_t connections) const {
  auto field = [](std::string& out, const char* name, std::uint64_t value) {
    out += out.size() > 1 ? ",\"" : "\"";
    out += name;
    out += "\":";
    out += std::to_string(value);
  };
  std::string out = "{";
  field(out, "connections", connections);
  field(out, "connections_refused", connections_refused.load());
  field(out, "events_dropped", events_dropped.load());
  field(out, "flood_disconnects", flood_disconnects.load());
  field(out, "slow_consumer_closes", slow_consumer_closes.load());
  field(out, "stalled_closes", stalled_closes.load());
  field(out, "queue_full_closes", queue_full_closes.load());
  field(out, "volatile_dropped", volatile_dropped.load());
  return out + "}";
}

} // namespace atrium::net
