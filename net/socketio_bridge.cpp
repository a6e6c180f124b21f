#include "net/socketio_bridge.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/boundary/control_packets.hpp"
#include "actors/boundary/metrics.hpp"
#include "net/close_log.hpp"
#include "net/engine_session.hpp"
#include "net/server_stats.hpp"
#include "net/session_connection.hpp"
#include "net/token_bucket.hpp"
#include "protocol/error.hpp"

namespace atrium::net {

namespace {

class socketio_bridge final : public session_handler {
public:
  socketio_bridge(engine_session& session, namespace_registry& registry,
                  std::shared_ptr<const bridge_options> opts)
    : session_(session),
      registry_(registry),
      opts_(std::move(opts)),
      conn_(std::make_shared<session_connection>(session.weak_from_this())) {
  }

  void opened() override {
    connect_timer_ =
      std::make_unique<engine_session::timer_type>(session_.executor(), opts_->connect_timeout);
    connect_timer_->async_wait(
      [this, alive = session_.weak_from_this()](const boost::system::error_code& ec) {
        auto s = alive.lock(); // the session owns this bridge: alive means this is valid
        if (ec || !s || closed_)
          return;
        if (sockets_.empty())
          session_.end(disconnect_reason::transport_close);
      });
  }

  void message(std::string data, bool binary) override {
    if (binary) {
      // A binary message is only ever an attachment of the packet being collected.
      if (!collector_ || !collector_->waiting())
        return protocol_error("a binary message no BINARY_EVENT or BINARY_ACK announced");
      if (collector_->add(std::move(data)))
        deliver(collector_->take_packet(attachments_));
      return;
    }
    if (collector_ && collector_->waiting())
      return protocol_error("a text message while binary attachments were announced");
    auto p = sio::decode(data, opts_->limits);
    if (!p)
      return protocol_error(std::string{"a Socket.IO packet that does not decode ("}
                            + protocol::to_string(static_cast<protocol::error>(p.error().code()))
                            + ")");
    switch (p->type) {
      case sio::packet_type::connect:
        return on_connect(std::move(*p));
      case sio::packet_type::disconnect:
        return on_disconnect(p->nsp);
      case sio::packet_type::event:
      case sio::packet_type::ack:
        attachments_.clear();
        return deliver(std::move(*p));
      case sio::packet_type::binary_event:
      case sio::packet_type::binary_ack:
        if (!collector_)
          collector_ = std::make_unique<sio::attachment_collector>();
        if (collector_->start(std::move(*p)))
          deliver(collector_->take_packet(attachments_));
        return;
      case sio::packet_type::connect_error:
        return; // only servers send these
    }
  }

  void closed(disconnect_reason why) override {
    closed_ = true;
    connect_timer_.reset(); // cancels its wait
    // An unfinished packet's attachments (up to maxPayload each) go now, not when the last
    // owner of the session lets it go (a timer's wait, a send in flight).
    collector_.reset();
    std::vector<std::string>{}.swap(attachments_);
    auto sockets = std::move(sockets_);
    sockets_.clear();
    for (auto& [nsp, joined] : sockets)
      joined.ep->disconnected(why);
  }

  void release(const std::string& nsp) override { sockets_.erase(nsp); }

  // As Socket.IO's disconnect(true): every namespace still connected is disconnected by the
  // server (the client sees "io server disconnect" on each), then the connection closes.
  void disconnect_all() override {
    auto sockets = std::move(sockets_);
    sockets_.clear();
    for (auto& [nsp, joined] : sockets) {
      session_.send(packets::disconnect(nsp));
      joined.ep->disconnected(disconnect_reason::server_namespace_disconnect);
    }
  }

private:
  struct joined_namespace {
    socket_endpoint_ptr ep;
    token_bucket events; // the client's events to this socket
  };
  using socket_map = std::map<std::string, joined_namespace>;

  void on_connect(sio::packet p) {
    // A CONNECT for a namespace this client is in (or is being let into) already is ignored,
    // as socket.io does: replacing the socket would let a late release() of the old one drop
    // the new one, and a body of repeated CONNECTs would spawn a socket each.
    if (sockets_.count(p.nsp) > 0)
      return;
    if (opts_->max_namespaces != 0 && sockets_.size() >= opts_->max_namespaces) {
      session_.send(packets::connect_error(p.nsp, "Too many namespaces on one connection"));
      return;
    }
    std::string auth = p.data.empty() ? std::string{"{}"} : std::move(p.data);
    auto ep = registry_.connect(p.nsp, conn_, session_.client_handshake(), std::move(auth));
    if (!ep) {
      session_.send(packets::connect_error(p.nsp, "Invalid namespace"));
      return;
    }
    if (closed_) {
      ep->disconnected(disconnect_reason::transport_close);
      return;
    }
    sockets_.emplace(p.nsp, joined_namespace{std::move(ep), token_bucket{opts_->events_per_second,
                                                                         opts_->event_burst}});
    connect_timer_.reset(); // cancels its wait
  }

  void on_disconnect(const std::string& nsp) {
    auto i = sockets_.find(nsp);
    if (i == sockets_.end())
      return;
    auto ep = std::move(i->second.ep);
    sockets_.erase(i);
    ep->disconnected(disconnect_reason::client_namespace_disconnect);
  }

  void deliver(sio::packet p) {
    auto i = sockets_.find(p.nsp);
    if (i == sockets_.end()) {
      attachments_.clear();
      return; // not connected to that namespace: ignored
    }
    bool is_event = p.type == sio::packet_type::event || p.type == sio::packet_type::binary_event;
    if (is_event && !i->second.events.take()) {
      attachments_.clear();
      if (p.id) // the client waits for an answer: it gets the refusal, not silence
        session_.send(packets::ack_value(p.nsp, *p.id, opts_->rate_limited_ack));
      return flooded(i);
    }
    i->second.ep->packet(std::move(p), std::move(attachments_));
    attachments_ = {};
  }

  /// Events past the socket's rate: dropped, or the socket is disconnected (as a server-side
  /// disconnect: the client sees "io server disconnect").
  void flooded(socket_map::iterator i) {
    if (opts_->stats)
      ++opts_->stats->events_dropped;
    metrics::count(metrics::events_rate_limited);
    if (opts_->on_flood != flood_action::disconnect)
      return;
    if (opts_->stats)
      ++opts_->stats->flood_disconnects;
    metrics::count(metrics::limit_closes_first
                   + static_cast<std::size_t>(close_cause::flood));
    auto nsp = i->first;
    auto ep = std::move(i->second.ep);
    sockets_.erase(i);
    log_close(close_cause::flood, session_.sid(), session_.client_handshake()->address,
              "its socket of namespace " + nsp
                + " is disconnected (events past --max-events-per-second, --disconnect-flooders)");
    session_.send(packets::disconnect(nsp));
    ep->disconnected(disconnect_reason::server_namespace_disconnect);
  }

  void protocol_error(const std::string& what) {
    session_.end(disconnect_reason::parse_error, close_cause::protocol_error, what);
  }

  engine_session& session_; // owns this bridge
  namespace_registry& registry_;
  std::shared_ptr<const bridge_options> opts_; // the server's, shared
  connection_ptr conn_; // what the actors hold: a session_connection, weak to the session
  socket_map sockets_;
  // Only clients that send binary packets need one.
  std::unique_ptr<sio::attachment_collector> collector_;
  std::vector<std::string> attachments_;
  std::unique_ptr<engine_session::timer_type> connect_timer_; // until the first CONNECT
  bool closed_ = false;
};

} // namespace

std::unique_ptr<session_handler> make_socketio_bridge(
  engine_session& session, namespace_registry& registry,
  std::shared_ptr<const bridge_options> opts) {
  return std::make_unique<socketio_bridge>(session, registry, std::move(opts));
}

} // namespace atrium::net
