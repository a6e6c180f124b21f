// Connection state recovery across the nodes of a cluster: a client that comes back to another
// node than the one that kept its session, or after that node stopped (see recovery_store.hpp
// for what the offsets mean on every node).
//
// Exactly once: the node that kept the session answers with what the client missed there and,
// per origin, the last cluster-wide offset it had seen. What this node has of each origin after
// that is the rest, except what is still on its way here: so before it adds its own part, this
// node waits (its cluster actor's barrier) until every peer has sent it everything it had sent
// before. Whatever is sent after that reaches the socket live.

#include <algorithm>
#include <functional>
#include <memory>

#include <caf/all.hpp>

#include "actors/boundary/log.hpp"
#include "actors/boundary/metrics.hpp"
#include "actors/cluster_gather.hpp"
#include "actors/namespace_supervisor.hpp"

namespace atrium {

namespace {

using outcome = recovery_store::outcome;

void count_outcome(outcome result) {
  metrics::count(metrics::recovery_first + static_cast<std::size_t>(result));
}

// What a store answers for a session it keeps; `busy_sids`: the ids of sockets here now.
recovery_claim answer_from(recovery_store& store, const std::string& pid,
                           const std::string& offset,
                           const std::unordered_map<std::string, socket_key>& busy_sids) {
  recovery_claim out;
  auto found = store.restore(pid, offset, recovery_store::clock::now());
  out.outcome = static_cast<std::uint8_t>(found.result);
  if (found.result != outcome::recovered)
    return out;
  if (busy_sids.count(found.kept.sid) > 0) { // its former socket is here still: a later try
    store.keep(std::move(found.kept));
    out.outcome = static_cast<std::uint8_t>(outcome::unknown_session);
    return out;
  }
  out.sid = std::move(found.kept.sid);
  out.rooms = std::move(found.kept.rooms);
  if (found.kept.data)
    out.data = *found.kept.data;
  out.missed.reserve(found.missed.size());
  for (auto& p : found.missed)
    out.missed.push_back(wire_packet{p->text, p->attachments, p->offset});
  out.upto = std::move(found.upto);
  return out;
}

// The outcome of a claim no node granted: what a node that knew the session said, else
// whether some node may have had it but did not answer.
outcome refused(const gathered<recovery_claim>& g) {
  for (auto& answer : g.answers)
    if (answer.outcome != static_cast<std::uint8_t>(outcome::unknown_session))
      return static_cast<outcome>(answer.outcome);
  return g.answers.size() < g.asked ? outcome::unreachable : outcome::unknown_session;
}

} // namespace

bool supervisor_state::kept_elsewhere(const std::string& pid) const {
  if (!recovery || recovery->has_session(pid))
    return false;
  return core->cluster
         || std::any_of(adopted.begin(), adopted.end(),
                        [&](const recovery_store& store) { return store.has_session(pid); });
}

void supervisor_state::after_barrier(std::function<void(bool)> then) {
  if (!core->cluster)
    return then(true);
  auto timeout = core->recovery.cluster_timeout;
  self->request(core->cluster, timeout, barrier_atom::value,
                static_cast<std::uint64_t>(timeout.count()))
    .then([then](bool ok) { then(ok); }, [then](caf::error&) { then(false); });
}

void supervisor_state::claim(const std::string& pid, const std::string& offset,
                             std::function<void(recovery_claim)> done) {
  if (recovery && recovery->has_session(pid)) {
    auto answer = answer_from(*recovery, pid, offset, keys_by_sid);
    count_recovery();
    return done(std::move(answer));
  }
  auto store = std::find_if(adopted.begin(), adopted.end(),
                            [&](const recovery_store& s) { return s.has_session(pid); });
  if (store == adopted.end())
    return done(recovery_claim{});
  auto answer = answer_from(*store, pid, offset, keys_by_sid);
  count_recovery();
  if (!answer.found())
    return done(std::move(answer));
  // The node that kept it is gone: what it would have got since is what this node got since,
  // once what the peers have in flight to it is here too.
  after_barrier([this, answer = std::move(answer), done](bool ok) mutable {
    if (!ok) {
      recovery_claim refused;
      refused.outcome = static_cast<std::uint8_t>(outcome::unreachable);
      return done(std::move(refused));
    }
    for (auto& p : recovery->since(answer.upto, answer.rooms))
      answer.missed.push_back(wire_packet{p->text, p->attachments, p->offset});
    auto upto = recovery->latest();
    upto.insert(answer.upto.begin(), answer.upto.end()); // the origins this node never heard
    answer.upto = std::move(upto);
    done(std::move(answer));
  });
}

void supervisor_state::restore_elsewhere(restore_request req,
                                         caf::typed_response_promise<restore_reply> rp) {
  auto timeout = core->recovery.cluster_timeout;
  // Once the session is granted: wait for what the peers have in flight, then resume it.
  auto granted = [this, rp](restore_request req, recovery_claim answer) mutable {
    auto go = [this, rp, req = std::move(req), answer = std::move(answer)](bool ok) mutable {
      if (!ok) {
        // A peer did not say in time that it has sent everything: what it still sends could
        // reach the client twice. A fresh session, as Socket.IO gives when in doubt.
        count_outcome(outcome::unreachable);
        rp.deliver(restore_reply{});
        return;
      }
      recovery_store::session kept;
      kept.sid = std::move(answer.sid);
      kept.pid = req.pid;
      kept.rooms = std::move(answer.rooms);
      if (!answer.data.empty())
        kept.data = std::make_shared<const std::string>(std::move(answer.data));
      if (keys_by_sid.count(kept.sid) > 0) { // a socket of that id is here already
        count_outcome(outcome::unknown_session);
        rp.deliver(restore_reply{});
        return;
      }
      std::vector<packet_ptr> missed;
      missed.reserve(answer.missed.size());
      for (auto& w : answer.missed) {
        auto p = std::make_shared<encoded_packet>();
        p->text = std::move(w.text);
        p->attachments = std::move(w.attachments);
        p->offset = std::move(w.offset);
        missed.push_back(std::move(p));
      }
      auto here = recovery->since(answer.upto, kept.rooms);
      missed.insert(missed.end(), here.begin(), here.end());
      count_outcome(outcome::recovered);
      rp.deliver(resume(req, std::move(kept), missed));
    };
    after_barrier(std::move(go));
  };
  // A store a stopped node handed this one keeps it.
  if (std::any_of(adopted.begin(), adopted.end(),
                  [&](const recovery_store& store) { return store.has_session(req.pid); })) {
    auto pid = req.pid;
    auto offset = req.offset;
    return claim(pid, offset, [req = std::move(req), rp, granted](recovery_claim answer) mutable {
      if (!answer.found()) {
        count_outcome(static_cast<outcome>(answer.outcome));
        rp.deliver(restore_reply{});
        return;
      }
      granted(std::move(req), std::move(answer));
    });
  }
  auto query = caf::make_message(claim_atom::value, req.pid, req.offset);
  gather<recovery_claim>(
    self, *core, std::move(query), timeout,
    [req = std::move(req), rp, granted](gathered<recovery_claim> g) mutable {
      for (auto& answer : g.answers)
        if (answer.found())
          return granted(std::move(req), std::move(answer));
      count_outcome(refused(g));
      rp.deliver(restore_reply{});
    },
    nodes_asked::others);
}

std::uint64_t supervisor_state::adopt(exported_states states) {
  if (!recovery)
    return 0;
  std::uint64_t sessions = 0;
  auto now = recovery_store::clock::now();
  for (auto& state : states) {
    adopted.push_back(recovery_store::adopted(core->recovery, std::move(state), now));
    sessions += adopted.back().sessions();
  }
  count_recovery();
  return sessions;
}

void supervisor_state::hand_off(std::chrono::milliseconds timeout,
                                caf::typed_response_promise<std::uint64_t> rp) {
  exported_states states;
  std::uint64_t sessions = 0;
  auto now = recovery_store::clock::now();
  if (recovery && recovery->sessions() > 0) {
    sessions += recovery->sessions();
    states.push_back(recovery->exported(now));
  }
  for (auto& store : adopted)
    if (store.sessions() > 0) {
      sessions += store.sessions();
      states.push_back(store.exported(now));
    }
  if (states.empty() || !core->cluster) {
    rp.deliver(std::uint64_t{0});
    return;
  }
  auto handed = std::make_shared<exported_states>(std::move(states));
  // To the first peer that takes them. The attempt in flight holds the function (no cycle).
  using attempt = std::function<void(std::vector<caf::actor>, std::size_t)>;
  auto try_from = std::make_shared<attempt>();
  *try_from = [this, timeout, rp, handed, sessions, next = std::weak_ptr<attempt>{try_from}](
                std::vector<caf::actor> peers, std::size_t i) mutable {
    if (i >= peers.size()) {
      log::warn("recovery hand-off failed", {{"namespace", core->name}, {"sessions", sessions}},
                "atrium: no peer took the " + std::to_string(sessions)
                  + " recovery sessions of " + core->name);
      rp.deliver(std::uint64_t{0});
      return;
    }
    auto peer = peers[i];
    self
      ->request(peer, timeout, ask_atom::value, core->name,
                caf::make_message(adopt_atom::value, *handed))
      .then(
        [this, rp, sessions](std::uint64_t) mutable {
          recovery.emplace(core->recovery);
          adopted.clear();
          count_recovery();
          rp.deliver(sessions);
        },
        [again = next.lock(), peers, i](caf::error&) mutable {
          (*again)(std::move(peers), i + 1);
        });
  };
  self->request(core->cluster, timeout, members_atom::value)
    .then([try_from](std::vector<caf::actor>& peers) { (*try_from)(std::move(peers), 0); },
          [rp](caf::error&) mutable { rp.deliver(std::uint64_t{0}); });
}

} // namespace atrium
