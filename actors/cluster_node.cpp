#include "actors/cluster_node.hpp"

#include <algorithm>
#include <cstdio>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/openssl/manager.hpp>

#include "actors/boundary/metrics.hpp"
#include "actors/boundary/log.hpp"
#include "protocol/decimal.hpp"

namespace atrium {

namespace {

using self_ptr = caf::stateful_actor<cluster_state>*;

constexpr std::chrono::seconds connect_timeout{5};

bool split(const std::string& address, std::string& host, std::uint16_t& port) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return false;
  host = address.substr(0, colon);
  port = protocol::parse_decimal<std::uint16_t>(address.substr(colon + 1)).value_or(0);
  return port != 0;
}

std::vector<std::string> known(const cluster_state& st) {
  std::vector<std::string> result{st.address};
  for (auto& entry : st.peers)
    result.push_back(entry.second.address);
  return result;
}

bool connected_to(const cluster_state& st, const std::string& address) {
  return std::any_of(st.peers.begin(), st.peers.end(),
                     [&](auto& entry) { return entry.second.address == address; });
}

void add_peer(self_ptr self, const caf::actor& peer, const std::string& address);

void learn(self_ptr self, const std::vector<std::string>& addresses);

/// Reaches for `address` unless it is this node, connected, or being connected to. Never
/// blocks: the middleman connects and answers asynchronously.
void reach(self_ptr self, const std::string& address) {
  auto& st = self->state;
  if (address == st.address || connected_to(st, address) || !st.connecting.insert(address).second)
    return;
  std::string host;
  std::uint16_t port = 0;
  if (!split(address, host, port)) {
    st.connecting.erase(address);
    return;
  }
  auto again = [self, address] {
    self->state.connecting.erase(address);
    self->delayed_send(self, self->state.retry, retry_atom::value, address);
  };
  // With TLS the OpenSSL module's middleman connects (and checks the peer's certificate).
  auto& sys = self->system();
  auto connector = sys.has_openssl_manager() ? sys.openssl_manager().actor_handle()
                                             : sys.middleman().actor_handle();
  self->request(connector, connect_timeout, caf::connect_atom::value, host, port)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        auto peer = caf::actor_cast<caf::actor>(ptr);
        if (!peer) {
          again();
          return;
        }
        // Introduce ourselves; the answer lists the members the peer knows.
        metrics::count(metrics::cluster_sent);
        self
          ->request(peer, connect_timeout, hello_atom::value, self->state.address,
                    known(self->state))
          .then(
            [=](const std::vector<std::string>& theirs) {
              self->state.connecting.erase(address);
              add_peer(self, peer, address);
              learn(self, theirs);
            },
            [=](caf::error&) { again(); });
      },
      [=](caf::error&) { again(); });
}

void learn(self_ptr self, const std::vector<std::string>& addresses) {
  for (auto& address : addresses) {
    self->state.wanted.insert(address);
    reach(self, address);
  }
}

// One message to each peer node has just left.
void sent_to_peers(self_ptr self) {
  metrics::count(metrics::cluster_sent, static_cast<std::int64_t>(self->state.peers.size()));
}

void add_peer(self_ptr self, const caf::actor& peer, const std::string& address) {
  auto& st = self->state;
  auto [entry, added] = st.peers.emplace(peer.node(), cluster_state::peer{peer, address});
  if (!added)
    return;
  st.wanted.insert(address);
  self->monitor(peer);
  metrics::count(metrics::cluster_peers);
  log::info("cluster peer up", {{"peer", address}}, "atrium cluster: peer " + address + " up");
}

} // namespace

caf::behavior cluster_node(caf::stateful_actor<cluster_state>* self, cluster_options opts) {
  auto& st = self->state;
  st.address = opts.host + ":" + std::to_string(opts.port);
  st.retry = opts.retry;
  self->set_down_handler([=](const caf::down_msg& down) {
    auto& st = self->state;
    for (auto it = st.peers.begin(); it != st.peers.end(); ++it) {
      if (it->second.actor.address() != down.source)
        continue;
      auto address = it->second.address;
      st.peers.erase(it);
      metrics::count(metrics::cluster_peers, -1);
      log::info("cluster peer down", {{"peer", address}},
                "atrium cluster: peer " + address + " down");
      // Keep reaching for it: a restarted node comes back on the same address.
      self->delayed_send(self, st.retry, retry_atom::value, address);
      return;
    }
  });
  learn(self, opts.peers);
  return {
    [=](register_atom, const std::string& nsp, const caf::actor& supervisor) {
      self->state.supervisors[nsp] = supervisor;
    },
    [=](relay_atom, const std::string& nsp, const broadcast_options& opts,
        const wire_packet& packet) {
      for (auto& entry : self->state.peers)
        self->send(entry.second.actor, remote_broadcast_atom::value, nsp, opts, packet);
      sent_to_peers(self);
    },
    [=](remote_broadcast_atom, const std::string& nsp, broadcast_options& opts,
        wire_packet& packet) {
      metrics::count(metrics::cluster_received);
      auto found = self->state.supervisors.find(nsp);
      if (found == self->state.supervisors.end())
        return; // a namespace this node does not serve
      opts.local = true; // it has crossed once; here it stays
      auto local = std::make_shared<encoded_packet>();
      local->text = std::move(packet.text);
      local->attachments = std::move(packet.attachments);
      // Kept by this node's replay buffer too, in this node's order: a client here comes back
      // with the offset of whatever it got last, from whichever node.
      local->offset = std::move(packet.offset);
      self->send(found->second, broadcast_atom::value, std::move(opts), packet_ptr{local},
                 outlet_ptr{}, std::uint64_t{0});
    },
    // A broadcast asking for acks, in the same order as the plain ones around it; the
    // collector learns how many nodes it went to, and each node tells it how many it asked.
    [=](relay_ack_atom, const std::string& nsp, const broadcast_options& opts,
        const std::string& name, const wire_packet& a, const caf::actor& collector,
        std::uint64_t timeout_ms) {
      auto& peers = self->state.peers;
      for (auto& entry : peers)
        self->send(entry.second.actor, remote_ack_atom::value, nsp, opts, name, a, collector,
                   timeout_ms);
      self->send(collector, ack_nodes_atom::value, static_cast<std::uint64_t>(peers.size()));
      sent_to_peers(self);
    },
    [=](remote_ack_atom, const std::string& nsp, const broadcast_options& opts,
        const std::string& name, const wire_packet& a, const caf::actor& collector,
        std::uint64_t timeout_ms) {
      metrics::count(metrics::cluster_received);
      auto found = self->state.supervisors.find(nsp);
      if (found == self->state.supervisors.end()) {
        self->send(collector, ack_asked_atom::value, std::uint64_t{0}); // no such namespace here
        return;
      }
      self->send(found->second, emit_ack_atom::value, opts, name, a, collector, timeout_ms,
                 outlet_ptr{}, std::uint64_t{0});
    },
    [=](hello_atom, const std::string& address, const std::vector<std::string>& theirs) {
      metrics::count(metrics::cluster_received);
      auto peer = caf::actor_cast<caf::actor>(self->current_sender());
      auto mine = known(self->state);
      if (peer)
        add_peer(self, peer, address);
      learn(self, theirs);
      return mine;
    },
    [=](retry_atom, const std::string& address) { reach(self, address); },
    // A supervisor's cluster-wide operation: the same message to every peer node.
    [=](forward_atom, const std::string& nsp, const caf::message& msg) {
      for (auto& entry : self->state.peers)
        self->send(entry.second.actor, ask_atom::value, nsp, msg);
      sent_to_peers(self);
    },
    // From a peer: for this node's supervisor of `nsp`, which answers the asker directly.
    [=](ask_atom, const std::string& nsp, caf::message& msg) -> caf::result<caf::message> {
      metrics::count(metrics::cluster_received);
      auto found = self->state.supervisors.find(nsp);
      if (found == self->state.supervisors.end())
        return caf::make_error(caf::sec::invalid_argument); // a namespace this node lacks
      return self->delegate(found->second, std::move(msg));
    },
    // Connection state recovery (cluster_recovery.cpp): answered once every peer node has
    // answered a barrier of its own, and so has sent this actor everything it had sent before
    // (one sender, one receiver: in order); this actor passed all that on to its supervisors
    // before it answers. False when a peer did not answer within `timeout_ms`.
    [=](barrier_atom, std::uint64_t timeout_ms) -> caf::result<bool> {
      auto rp = self->make_response_promise<bool>();
      auto& peers = self->state.peers;
      if (peers.empty()) {
        rp.deliver(true);
        return rp;
      }
      auto left = std::make_shared<std::size_t>(peers.size());
      auto all_answered = std::make_shared<bool>(true);
      for (auto& entry : peers)
        self->request(entry.second.actor, std::chrono::milliseconds{timeout_ms},
                      peer_barrier_atom::value)
          .then(
            [=](bool) mutable {
              if (--*left == 0)
                rp.deliver(*all_answered);
            },
            [=](caf::error&) mutable {
              *all_answered = false;
              if (--*left == 0)
                rp.deliver(false);
            });
      sent_to_peers(self);
      return rp;
    },
    [=](peer_barrier_atom) {
      metrics::count(metrics::cluster_received);
      return true;
    },
    [=](members_atom) {
      std::vector<caf::actor> result;
      for (auto& entry : self->state.peers)
        result.push_back(entry.second.actor);
      return result;
    },
    [=](peers_atom) {
      std::vector<std::string> result;
      for (auto& entry : self->state.peers)
        result.push_back(entry.second.address);
      std::sort(result.begin(), result.end());
      return result;
    },
  };
}

} // namespace atrium
