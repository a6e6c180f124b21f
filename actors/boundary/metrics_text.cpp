// The Prometheus text exposition format (version 0.0.4) of a registry: one HELP and one TYPE
// line per family, then its samples. Formatting happens here only, at scrape time.

#include <cstdio>

#include "actors/boundary/metrics.hpp"

namespace atrium::metrics {

namespace {

class writer {
public:
  explicit writer(const registry& r) : r_(r) {}

  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  void sample(const char* name, std::int64_t value, std::string_view label = {},
              std::string_view label_value = {}) {
    out_ += name;
    if (!label.empty()) {
      out_ += '{';
      out_ += label;
      out_ += "=\"";
      escaped(label_value);
      out_ += "\"}";
    }
    out_ += ' ';
    out_ += std::to_string(value);
    out_ += '\n';
  }

  void counter(const char* name, std::size_t s, const char* help) {
    family(name, "counter", help);
    sample(name, r_.value(s));
  }

  // A gauge counted as ups and downs on different threads can read below zero for an instant.
  void gauge(const char* name, std::size_t s, const char* help) {
    family(name, "gauge", help);
    sample(name, non_negative(s));
  }

  template <class Labels>
  void labelled(const char* name, const char* type, const char* help, const char* label,
                std::size_t first, const Labels& labels) {
    family(name, type, help);
    for (std::size_t i = 0; i < labels.size(); ++i)
      sample(name, r_.value(first + i), label, labels[i]);
  }

  void by_namespace(const char* name, std::size_t first, const char* help) {
    family(name, "gauge", help);
    for (std::size_t i = 0; i <= max_namespaces; ++i) {
      auto label = r_.namespace_name(i);
      if (label.empty() || (i == max_namespaces && r_.value(first + i) == 0))
        continue;
      sample(name, non_negative(first + i), "namespace", label);
    }
  }

  void append(std::string_view text) { out_ += text; }

  std::int64_t non_negative(std::size_t s) const {
    auto v = r_.value(s);
    return v < 0 ? 0 : v;
  }

  std::string take() { return std::move(out_); }

private:
  void escaped(std::string_view v) {
    for (char c : v) {
      if (c == '\\')
        out_ += "\\\\";
      else if (c == '"')
        out_ += "\\\"";
      else if (c == '\n')
        out_ += "\\n";
      else
        out_ += c;
    }
  }

  const registry& r_;
  std::string out_;
};

void webhook_histogram(writer& w, const registry& r) {
  constexpr const char* name = "atrium_webhook_duration_seconds";
  w.family(name, "histogram",
           "Time from posting a webhook to its response (any status), in seconds.");
  // Cumulative, and the count is the +Inf bucket: the buckets are read one by one while
  // webhooks complete, and this keeps the series consistent with each other.
  std::int64_t cumulative = 0;
  char line[128];
  for (std::size_t i = 0; i <= webhook_buckets.size(); ++i) {
    cumulative += r.value(webhook_bucket_first + i);
    if (i < webhook_buckets.size())
      std::snprintf(line, sizeof line, "%s_bucket{le=\"%g\"} %lld\n", name, webhook_buckets[i],
                    static_cast<long long>(cumulative));
    else
      std::snprintf(line, sizeof line, "%s_bucket{le=\"+Inf\"} %lld\n", name,
                    static_cast<long long>(cumulative));
    w.append(line);
  }
  std::snprintf(line, sizeof line, "%s_sum %.6f\n%s_count %lld\n", name,
                static_cast<double>(r.value(webhook_sum_us)) / 1e6, name,
                static_cast<long long>(cumulative));
  w.append(line);
}

} // namespace

std::string render(const registry& r) {
  writer w{r};
  w.family("atrium_connections", "gauge", "Engine.IO connections open now, by transport.");
  w.sample("atrium_connections", w.non_negative(connections_polling), "transport", "polling");
  w.sample("atrium_connections", w.non_negative(connections_websocket), "transport",
           "websocket");
  w.by_namespace("atrium_sockets", sockets_first,
                 "Socket.IO sockets connected now, by namespace.");
  w.by_namespace("atrium_rooms", rooms_first,
                 "Rooms with members now (besides each socket's own-id room), by namespace.");
  w.counter("atrium_room_joins_total", joins,
            "Sockets that joined a room (own-id rooms not counted).");
  w.counter("atrium_room_leaves_total", leaves,
            "Sockets that left a room, disconnection included (own-id rooms not counted).");
  w.counter("atrium_engineio_received_packets_total", packets_in,
            "Engine.IO packets received from clients.");
  w.counter("atrium_engineio_sent_packets_total", packets_out,
            "Engine.IO packets written to clients from their outbound queues.");
  w.counter("atrium_engineio_received_bytes_total", bytes_in,
            "Bytes of Engine.IO payloads and WebSocket messages received.");
  w.counter("atrium_engineio_sent_bytes_total", bytes_out,
            "Bytes of Engine.IO packets written to clients from their outbound queues.");
  w.counter("atrium_broadcasts_total", broadcasts,
            "Broadcasts a namespace supervisor of this node routed (a peer's relayed ones "
            "included).");
  w.counter("atrium_deliveries_total", deliveries,
            "Packets handed to a socket's connection by the fan-out (broadcasts, private "
            "messages, CONNECT answers).");
  w.labelled("atrium_disconnects_total", "counter",
             "Engine.IO connections closed, by reason.", "reason", disconnects_first,
             disconnect_labels);
  w.labelled("atrium_limit_closes_total", "counter",
             "Clients closed for breaking a limit or the protocol, by rule.", "reason",
             limit_closes_first, limit_close_labels);
  w.counter("atrium_connections_refused_total", connections_refused,
            "Handshakes refused past --max-connections(-per-address).");
  w.counter("atrium_volatile_dropped_total", volatile_dropped,
            "Volatile packets dropped because a client could not take them at once.");
  w.counter("atrium_events_rate_limited_total", events_rate_limited,
            "Events past --max-events-per-second, never delivered to the application.");
  w.gauge("atrium_cluster_peers", cluster_peers, "Cluster peer nodes connected now.");
  w.counter("atrium_cluster_messages_sent_total", cluster_sent,
            "Messages this node sent to peer nodes (one per peer).");
  w.counter("atrium_cluster_messages_received_total", cluster_received,
            "Messages this node received from peer nodes.");
  w.gauge("atrium_recovery_sessions", recovery_sessions,
          "Sessions kept for clients that may come back (connection state recovery).");
  w.gauge("atrium_recovery_bytes", recovery_bytes,
          "Bytes the recovery sessions and replay buffers hold.");
  w.labelled("atrium_recoveries_total", "counter",
             "Clients that came back with a session id, by outcome.", "result", recovery_first,
             recovery_labels);
  w.family("atrium_api_requests_total", "counter", "Server API requests answered, by status.");
  for (std::size_t i = 0; i <= api_codes.size(); ++i)
    w.sample("atrium_api_requests_total", r.value(api_first + i), "code",
             i < api_codes.size() ? std::to_string(api_codes[i]) : "other");
  webhook_histogram(w, r);
  return w.take();
}

} // namespace atrium::metrics
