#include "tools/scenario/inprocess_engine.hpp"

#include <caf/scheduler/test_coordinator.hpp>

#include "actors/packets.hpp"
#include "actors/server_core.hpp"
#include "protocol/json.hpp"
#include "tools/atrium/rooms_app.hpp"

namespace atrium::scenario {

namespace {

/// What the actors see as the client's connection: it records what they send into the
/// link's inbox, decoded as a client would.
struct link_state {
  inbox* box = nullptr;
  std::map<std::string, socket_endpoint_ptr> sockets; // by namespace, as net/'s bridge keeps them
  bool closed = false;
};

class recording_connection final : public connection {
public:
  explicit recording_connection(std::shared_ptr<link_state> st) : st_(std::move(st)) {}

  void send(packet_ptr packet, urgency) override {
    if (st_->closed)
      return;
    auto text = std::string_view{packet->text}.substr(1); // without the Engine.IO '4'
    auto decoded = sio::decode(text);
    if (!decoded) {
      // Runs inside an actor: report it as an event the scenario will not expect.
      sio::packet odd;
      odd.data = "[\"undecodable packet\"," + protocol::to_json(rapidjson::Value{
                   packet->text.c_str(), static_cast<rapidjson::SizeType>(packet->text.size())})
                 + "]";
      st_->box->push({std::move(odd), {}});
      return;
    }
    st_->box->push({std::move(*decoded), packet->attachments});
  }

  void release(const std::string& nsp) override { st_->sockets.erase(nsp); }

  void close() override {
    // As net/ does for socket.disconnect(true): every namespace left gets DISCONNECT first.
    auto sockets = std::move(st_->sockets);
    st_->sockets.clear();
    for (auto& [nsp, ep] : sockets) {
      send(packets::disconnect(nsp), urgency::now);
      ep->disconnected(disconnect_reason::server_namespace_disconnect);
    }
    st_->closed = true;
    st_->box->closed("transport close");
  }

private:
  std::shared_ptr<link_state> st_;
};

class inprocess_link final : public client_link {
public:
  explicit inprocess_link(server& io) : io_(io), st_(std::make_shared<link_state>()) {
    st_->box = &inbox_;
    conn_ = std::make_shared<recording_connection>(st_);
  }

  ~inprocess_link() override { disconnect(true); }

  void send(sio::packet p) override {
    if (st_->closed)
      return;
    switch (p.type) {
      case sio::packet_type::connect: {
        auto hs = std::make_shared<handshake>();
        hs->address = "in-process";
        auto auth = p.data.empty() ? std::string{"{}"} : p.data;
        auto ep = server_access::core(io_)->connect(p.nsp, conn_, std::move(hs), auth);
        if (!ep)
          conn_->send(packets::connect_error(p.nsp, "Invalid namespace"));
        else
          st_->sockets[p.nsp] = std::move(ep);
        return;
      }
      case sio::packet_type::disconnect: {
        auto found = st_->sockets.find(p.nsp);
        if (found == st_->sockets.end())
          return;
        auto ep = std::move(found->second);
        st_->sockets.erase(found);
        ep->disconnected(disconnect_reason::client_namespace_disconnect);
        return;
      }
      default: {
        auto found = st_->sockets.find(p.nsp);
        if (found != st_->sockets.end())
          found->second->packet(std::move(p), {});
      }
    }
  }

  void disconnect(bool) override {
    if (st_->closed)
      return;
    st_->closed = true;
    auto sockets = std::move(st_->sockets);
    st_->sockets.clear();
    for (auto& entry : sockets)
      entry.second->disconnected(disconnect_reason::transport_close);
    inbox_.closed("client close");
  }

private:
  server& io_;
  std::shared_ptr<link_state> st_;
  connection_ptr conn_;
};

caf::scheduler::test_coordinator& scheduler_of(server& io) {
  return dynamic_cast<caf::scheduler::test_coordinator&>(server_access::core(io)->system().scheduler());
}

} // namespace

inprocess_engine::inprocess_engine() = default;

inprocess_engine::~inprocess_engine() {
  for (auto& entry : nodes_) {
    entry.second->shutdown();
    scheduler_of(*entry.second).run();
  }
}

void inprocess_engine::start_node(const std::string& node, const std::vector<std::string>& flags) {
  if (nodes_.count(node) > 0)
    throw engine_error("node " + node + " is running already");
  std::vector<std::string> namespaces{"/"};
  for (std::size_t i = 0; i < flags.size(); ++i) {
    if (flags[i] == "--namespace" && i + 1 < flags.size())
      namespaces.push_back(flags[++i]);
    else
      throw engine_error("the in-process engine knows no node flag " + flags[i]
                         + " (only --namespace NAME); run this scenario live");
  }
  server_options opts;
  opts.deterministic = true;
  auto io = std::make_unique<server>(opts);
  for (auto& name : namespaces)
    app::install_rooms_app(io->of(name), app::client_policy::trusted());
  scheduler_of(*io).run();
  nodes_.emplace(node, std::move(io));
}

void inprocess_engine::stop_node(const std::string& node, stop_node::how) {
  throw engine_error("stopping, killing or restarting node " + node
                     + " needs processes: run this scenario with the live engine");
}

std::unique_ptr<client_link> inprocess_engine::open(const std::string& node, transport) {
  auto found = nodes_.find(node);
  if (found == nodes_.end())
    throw engine_error("no node named " + node);
  return std::make_unique<inprocess_link>(*found->second);
}

void inprocess_engine::settle() {
  // Until no node has anything left to run (a node's actors may wake another's).
  for (bool busy = true; busy;) {
    busy = false;
    for (auto& entry : nodes_)
      busy = scheduler_of(*entry.second).run() > 0 || busy;
  }
}

} // namespace atrium::scenario
