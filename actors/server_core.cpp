#include "actors/server_core.hpp"
#include "actors/server_registry.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include <sched.h>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/all.hpp>
#include <caf/thread_hook.hpp>

#include "actors/cluster_node.hpp"
#include "actors/cluster_ops.hpp"
#include "actors/namespace_supervisor.hpp"
#include "actors/socket_actor.hpp"
#include "actors/socket_command.hpp"
#include "actors/boundary/random_id.hpp"
#include "actors/boundary/usable_cpus.hpp"

namespace atrium {

namespace {

/// net/'s handle on one socket actor.
class actor_endpoint final : public socket_endpoint {
public:
  explicit actor_endpoint(caf::actor socket) : socket_(std::move(socket)) {}

  void packet(sio::packet p, std::vector<std::string> attachments) override {
    caf::anon_send(socket_, packet_atom::value, std::move(p), std::move(attachments));
  }

  void disconnected(disconnect_reason why) override {
    caf::anon_send(socket_, socket_command::closed_by(why));
  }

private:
  caf::actor socket_;
};

std::string normalized(std::string name) {
  if (name.empty() || name.front() != '/')
    return "/" + name;
  return name;
}

/// Puts each thread of the actor system under SCHED_BATCH. On a shared core, waking a worker
/// for every message from an I/O thread made the two take turns message by message (churn:
/// 22.5 us of CPU per join and leave; 19.9 us with batch scheduling, and a lower ack latency).
class batch_scheduling final : public caf::thread_hook {
public:
  void init(caf::actor_system&) override {}
  void thread_started() override {
    sched_param none{};
    if (sched_setscheduler(0, SCHED_BATCH, &none) != 0)
      std::perror("atrium: SCHED_BATCH for an actor thread"); // harmless: the default policy stays
  }
  void thread_terminates() override {}
};

/// Marks each thread of the actor system, so that a blocking call made on one fails at once
/// instead of waiting for an actor that this very thread would have to run.
thread_local bool actor_thread = false;

class actor_thread_mark final : public caf::thread_hook {
public:
  void init(caf::actor_system&) override {}
  void thread_started() override { actor_thread = true; }
  void thread_terminates() override {}
};

} // namespace

bool on_actor_thread() noexcept {
  return actor_thread;
}

void refuse_blocking_call(const server_core& core, const char* what) {
  if (core.deterministic())
    throw std::logic_error(std::string{"atrium: "} + what
                           + " waits for an actor, which never runs on the deterministic"
                             " coordinator until the caller drives it");
  if (on_actor_thread())
    throw std::logic_error(std::string{"atrium: "} + what
                           + " waits for an actor; inside a handler or listener use the"
                             " asynchronous form (socket::fetch_rooms, fetch_peers...)");
}

server_core::server_core(const server_options& opts)
  : deterministic_(opts.deterministic), recovery_(opts.recovery) {
  // CAF's default (max(4, all cores)) ignores the affinity mask: pinned to one core, four
  // workers would only take turns on it, waking each other up.
  workers_ = opts.threads > 0 ? opts.threads : usable_cpus();
  config_.set("scheduler.max-threads", static_cast<size_t>(workers_));
  config_.add_thread_hook<actor_thread_mark>();
  if (opts.batch_scheduling && !opts.deterministic)
    config_.add_thread_hook<batch_scheduling>();
  // Not CAF's default, work stealing: its 0.17 queue walks a victim's whole job list for each
  // job it steals, so a burst of jobs (100 clients leaving 1,000 rooms each: 100,000 room
  // actors to run) took the workers tens of seconds, quadratically. Sharing is one locked queue.
  if (opts.deterministic)
    config_.set("scheduler.policy", caf::atom("testing"));
  else
    config_.set("scheduler.policy", caf::atom("sharing"));
  if (opts.cluster.port != 0) {
    config_.load<caf::io::middleman>();
    if (opts.cluster.tls()) {
      config_.load<caf::openssl::manager>();
      config_.openssl_certificate = opts.cluster.tls_cert;
      config_.openssl_key = opts.cluster.tls_key;
      config_.openssl_cafile = opts.cluster.tls_ca; // a CA file turns on peer authentication
    }
    // CAF 0.17 notices a frozen peer only with heartbeats, and every node must send them:
    // the timeout drops links that stay silent.
    config_.set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds(1)});
    config_.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(5)});
    config_.add_message_type<broadcast_options>("atrium.broadcast_options");
    config_.add_message_type<wire_packet>("atrium.wire_packet");
    config_.add_message_type<socket_info>("atrium.socket_info");
    config_.add_message_type<socket_infos>("atrium.socket_infos");
    config_.add_message_type<membership_map>("atrium.membership_map");
    config_.add_message_type<recovery_claim>("atrium.recovery_claim");
    config_.add_message_type<exported_states>("atrium.exported_states");
  }
  system_ = std::make_unique<caf::actor_system>(config_);
  if (opts.cluster.port != 0) {
    node_ = opts.cluster.host + ":" + std::to_string(opts.cluster.port);
    cluster_ = system_->spawn(cluster_node, opts.cluster);
    auto bound = opts.cluster.tls()
                   ? caf::openssl::publish(cluster_, opts.cluster.port,
                                           opts.cluster.host.c_str(), true)
                   : system_->middleman().publish(cluster_, opts.cluster.port,
                                                  opts.cluster.host.c_str(), true);
    if (!bound) {
      caf::anon_send_exit(cluster_, caf::exit_reason::user_shutdown);
      throw std::runtime_error("cannot listen for cluster peers on " + opts.cluster.host + ":"
                               + std::to_string(opts.cluster.port) + ": "
                               + system_->render(bound.error()));
    }
  }
  of("/");
}

std::vector<std::string> server_core::peers() {
  std::vector<std::string> result;
  if (!cluster_)
    return result;
  refuse_blocking_call(*this, "server::peers()");
  caf::scoped_actor self{*system_};
  self->request(cluster_, caf::infinite, peers_atom::value)
    .receive([&](std::vector<std::string>& p) { result = std::move(p); }, [](caf::error&) {});
  return result;
}

std::size_t server_core::hand_off_sessions(std::chrono::milliseconds timeout) {
  if (!cluster_ || !recovery_.enabled())
    return 0;
  refuse_blocking_call(*this, "server::hand_off_sessions()");
  std::vector<caf::actor> supervisors;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& entry : namespaces_)
      if (entry.second->supervisor)
        supervisors.push_back(entry.second->supervisor);
  }
  std::size_t handed = 0;
  caf::scoped_actor self{*system_};
  // One budget for all namespaces: a frozen peer must not hold a stopping node past it.
  using std::chrono::steady_clock;
  auto deadline = steady_clock::now() + timeout;
  for (auto& supervisor : supervisors) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline
                                                                      - steady_clock::now());
    if (left.count() <= 0)
      break;
    self
      ->request(supervisor, left, hand_off_atom::value, static_cast<std::uint64_t>(left.count()))
      .receive([&](std::uint64_t n) { handed += n; }, [](caf::error&) {});
  }
  return handed;
}

server_core::~server_core() {
  shutdown();
  for (auto& entry : namespaces_)
    entry.second->ended.store(true, std::memory_order_release);
  system_.reset(); // waits for every actor
  // The application's handlers may hold an operator, which holds the core that holds them: a
  // cycle. Nothing can run them any more, so let them go, and the actor handles with them
  // (their system is gone).
  for (auto& entry : namespaces_) {
    auto& core = *entry.second;
    core.middlewares.clear();
    core.connection_handlers.clear();
    core.adapter_listeners.clear();
    core.event_handlers.clear();
    core.disconnecting_handlers.clear();
    core.disconnect_handlers.clear();
    core.room_handlers.clear();
    core.server_event_handlers.clear();
    core.supervisor = nullptr;
    core.cluster = nullptr;
    core.shards.reset();
  }
}

std::shared_ptr<namespace_core> server_core::of(std::string name) {
  name = normalized(std::move(name));
  std::lock_guard<std::mutex> guard{mutex_};
  auto& core = namespaces_[name];
  if (!core) {
    core = std::make_shared<namespace_core>();
    core->name = name;
    core->recovery = recovery_;
    core->offset_origin = random_id(6);
    // The supervisor reads the core's handler lists only when sockets exist, which is after
    // configuration (see namespace_handle).
    core->cluster = cluster_;
    core->node = node_;
    // One delivery shard per worker: frames to different sockets are put in order in parallel.
    start_namespace(*system_, core, workers_);
    if (cluster_)
      caf::anon_send(cluster_, register_atom::value, name, core->supervisor);
  }
  return core;
}

void server_core::shutdown() {
  std::lock_guard<std::mutex> guard{mutex_};
  stopped_ = true;
  if (cluster_)
    caf::anon_send_exit(cluster_, caf::exit_reason::user_shutdown);
  for (auto& entry : namespaces_)
    if (entry.second->supervisor)
      caf::anon_send_exit(entry.second->supervisor, caf::exit_reason::user_shutdown);
}

void server_core::serving() {
  std::lock_guard<std::mutex> guard{mutex_};
  for (auto& entry : namespaces_)
    entry.second->seal();
}

socket_endpoint_ptr server_core::connect(const std::string& nsp, connection_ptr conn,
                                         handshake_ptr hs, std::string auth_json) {
  std::shared_ptr<const namespace_core> core;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    auto found = namespaces_.find(nsp);
    if (stopped_ || found == namespaces_.end())
      return nullptr;
    core = found->second;
  }
  // A namespace made after the transport started is complete once a client reaches it.
  core->seal();
  if (hs->auth != auth_json) {
    auto presented = std::make_shared<handshake>(*hs);
    presented->auth = std::move(auth_json);
    hs = std::move(presented);
  }
  auto socket = system_->spawn(socket_actor, std::move(core), std::move(conn), std::move(hs));
  return std::make_shared<actor_endpoint>(std::move(socket));
}

std::shared_ptr<namespace_registry> registry_of(server& io) {
  return server_access::core(io);
}

} // namespace atrium
