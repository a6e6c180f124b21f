#pragma once

// Shared by the actor tests: a namespace supervisor on CAF's deterministic scheduler, sockets
// whose connections record what they were sent, and a log of the adapter's events.

#include <memory>
#include <string>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/namespace_supervisor.hpp"
#include "actors/packets.hpp"
#include "actors/socket_actor.hpp"

namespace atrium::testing {

/// Records every packet text sent to it, in order.
struct recording_connection final : connection {
  std::vector<std::string> texts;
  std::vector<urgency> urgencies; // of each text
  std::vector<std::string> released;
  bool closed = false;

  void send(packet_ptr packet, urgency u) override {
    texts.push_back(packet->text);
    urgencies.push_back(u);
  }
  void release(const std::string& nsp) override { released.push_back(nsp); }
  void close() override { closed = true; }

  /// How many received packets carry `fragment`.
  size_t count(const std::string& fragment) const {
    size_t n = 0;
    for (auto& t : texts)
      n += t.find(fragment) != std::string::npos ? 1 : 0;
    return n;
  }
};

struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<namespace_core> core = std::make_shared<namespace_core>();
  std::vector<std::string> log; // adapter events and handler notes, in order
  caf::actor supervisor;

  explicit fixture(std::size_t shards = 1) {
    core->name = "/";
    core->adapter_listeners.push_back([this](const adapter_event& e) {
      log.push_back(std::string{to_string(e.type)} + " " + e.room
                    + (e.sid.empty() ? "" : " " + e.sid));
    });
    start_namespace(sys, core, shards);
    supervisor = core->supervisor;
    consume_messages();
  }

  ~fixture() override {
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
    consume_messages();
  }

  /// A socket registered straight at the supervisor (no socket actor).
  struct member {
    socket_key key;
    std::string sid;
    std::shared_ptr<recording_connection> conn;
    outlet_ptr out;
  };

  member add_member(const std::string& sid) {
    static socket_key next = 1000;
    auto conn = std::make_shared<recording_connection>();
    member m{++next, sid, conn, std::make_shared<outlet>(conn, next)};
    auto hs = std::make_shared<handshake>();
    hs->address = "test";
    self->send(supervisor, register_atom::value, m.key, m.sid, caf::actor{}, m.out,
               handshake_ptr{std::move(hs)}, data_ptr{}, std::string{});
    consume_messages();
    return m;
  }

  void join(const member& m, std::vector<std::string> rooms) {
    self->send(supervisor, join_atom::value, m.key, std::move(rooms));
    consume_messages();
  }

  void leave(const member& m, const std::string& room) {
    self->send(supervisor, leave_atom::value, m.key, room);
    consume_messages();
  }

  void leave_all(const member& m) {
    self->send(supervisor, leave_all_atom::value, m.out, std::uint64_t{0});
    consume_messages();
  }

  void broadcast(broadcast_options opts, const std::string& text) {
    self->send(supervisor, broadcast_atom::value, std::move(opts),
               packets::event("/", "news", args{text}), outlet_ptr{}, std::uint64_t{0});
    consume_messages();
  }

  membership_map rooms() { return ask(rooms_atom::value); }
  membership_map sids() { return ask(sids_atom::value); }

  // (The fixture's own request<T>() does not compile in CAF 0.17.6: it uses an undefined FAIL.)
  template <class Atom>
  membership_map ask(Atom what) {
    auto pending = self->request(supervisor, caf::infinite, what);
    consume_messages();
    membership_map result;
    pending.receive([&](membership_map& m) { result = std::move(m); },
                    [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return result;
  }

  supervisor_state& state() {
    return deref<caf::stateful_actor<supervisor_state>>(supervisor).state;
  }
};

/// The text of an EVENT packet as a socket receives it.
inline std::string news(const std::string& text) {
  return R"(42["news",")" + text + R"("])";
}

} // namespace atrium::testing
