#include "actors/cluster_ops.hpp"

#include <caf/actor_system.hpp>

#include "actors/cluster_gather.hpp"
#include "actors/wire_payload.hpp"

namespace atrium::cluster_ops {

void fetch_sockets(caf::event_based_actor* self, const namespace_core& core,
                   const broadcast_options& opts, std::chrono::milliseconds timeout,
                   sockets_handler done) {
  gather<socket_infos>(self, core, caf::make_message(fetch_atom::value, opts), timeout,
                       [done](gathered<socket_infos> g) {
                         socket_infos all;
                         for (auto& part : g.answers)
                           all.insert(all.end(), part.begin(), part.end());
                         done(all);
                       },
                       opts.local ? nodes_asked::this_one : nodes_asked::all);
}

void fetch_all_rooms(caf::event_based_actor* self, const namespace_core& core,
                     std::chrono::milliseconds timeout, room_names_handler done) {
  gather<membership_map>(self, core, caf::make_message(rooms_atom::value), timeout,
                         [done](gathered<membership_map> g) {
                           std::set<std::string> names;
                           for (auto& part : g.answers)
                             for (auto& entry : part)
                               names.insert(entry.first);
                           done(names);
                         });
}

void server_side_emit(caf::event_based_actor* self, const namespace_core& core,
                      std::string_view name, const args& a, std::chrono::milliseconds timeout,
                      replies_handler done) {
  auto query = caf::make_message(server_emit_atom::value, std::string{name}, to_wire(a),
                                 static_cast<bool>(done));
  if (!done) {
    if (core.cluster)
      self->send(core.cluster, forward_atom::value, core.name, std::move(query));
    return;
  }
  gather<wire_packet>(self, core, std::move(query), timeout,
                      [done](gathered<wire_packet> g) {
                        gathered_replies result;
                        result.complete = g.answers.size() == g.asked;
                        for (auto& w : g.answers)
                          result.replies.push_back(from_wire(std::move(w)));
                        done(result);
                      },
                      nodes_asked::others);
}

namespace {

caf::behavior helper_actor(caf::event_based_actor* self,
                           const std::function<void(caf::event_based_actor*)>& start) {
  start(self);
  // Kept alive by this behavior until the operation's callback has run and quit.
  return {[](run_atom, task& t) { t(); }};
}

} // namespace

void on_helper_actor(const namespace_core& core,
                     std::function<void(caf::event_based_actor*)> start) {
  core.supervisor->home_system().spawn(helper_actor, std::move(start));
}

} // namespace atrium::cluster_ops
