#include "tools/scenario/runner.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include <rapidjson/document.h>

#include "protocol/json.hpp"

namespace atrium::scenario {

namespace {

using std::chrono::milliseconds;

/// An expectation that did not hold; carries the message for the report.
struct step_failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// How long the live engine listens before concluding that nothing more comes.
constexpr std::uint32_t quiet_ms = 300;
/// Bound on the steps that wait for the server without an expectation's own `within`.
constexpr milliseconds step_timeout{5000};

struct client_state {
  std::string name; // empty for a namespace's watcher
  std::string node;
  std::string nsp;
  std::string sid;
  std::unique_ptr<client_link> link;
  std::uint64_t next_ack = 0;
  /// Acks asked for with `-> later` and not matched yet: packet id -> the event emitted.
  std::map<std::uint64_t, std::string> later_acks;
  bool gone = false;
  std::string own_reason; // set when the client itself left, as the official client reports it
};

/// What a client received, in line for its expectations: an event, or the ack of an emit it
/// sent with `-> later`.
struct arrival {
  bool ack = false;
  std::string event; // for an ack: the event it acknowledges
  std::string args;  // a JSON array
};

struct adapter_record {
  std::string type;
  std::string room;
  std::string sid;
};

struct namespace_state {
  std::unique_ptr<client_state> watcher;
  std::deque<adapter_record> adapter; // not yet matched
};

std::string quoted(const std::string& s) {
  std::string out;
  protocol::append_json_string(out, s);
  return out;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

bool same_json(const std::string& a, const std::string& b) {
  auto x = protocol::parse_json(a);
  auto y = protocol::parse_json(b);
  return x && y && *x == *y;
}

class run_state {
public:
  run_state(const script& s, engine& e) : script_(s), engine_(e) {}

  ~run_state() {
    // Links end before the engine's nodes do; a scenario leaves nothing behind.
    for (auto& entry : clients_)
      if (!entry.second.gone)
        entry.second.link->disconnect(true);
    for (auto& entry : namespaces_)
      if (entry.second.watcher)
        entry.second.watcher->link->disconnect(true);
  }

  void execute(const step& st) {
    within_ = milliseconds{st.within_ms};
    std::visit([this](auto& body) { apply(body); }, st.body);
  }

private:
  // -- nodes -------------------------------------------------------------------------------

  void apply(const start_node& x) { engine_.start_node(x.name, x.flags); }

  void apply(const stop_node& x) {
    engine_.stop_node(x.name, x.mode);
    if (x.mode == stop_node::how::restart)
      return;
    // The node's clients and watchers are gone with it.
    for (auto& entry : clients_)
      if (entry.second.node == x.name)
        entry.second.gone = true;
    for (auto it = namespaces_.begin(); it != namespaces_.end();)
      it = it->first.first == x.name ? namespaces_.erase(it) : std::next(it);
  }

  // -- clients -----------------------------------------------------------------------------

  void apply(const connect_client& x) {
    if (clients_.count(x.name) > 0)
      throw step_failed("client " + x.name + " exists already");
    watcher(x.node, x.nsp); // first, so it sees everything this client causes
    client_state c;
    c.name = x.name;
    c.node = x.node;
    c.nsp = x.nsp;
    c.link = engine_.open(x.node, x.mode);
    auto reply = handshake(c, x.auth_json);
    if (x.refused) {
      if (reply.type != sio::packet_type::connect_error)
        throw step_failed("expected the CONNECT of " + x.name + " to be refused with "
                          + quoted(*x.refused) + ", but it was accepted");
      auto message = member(reply.data, "message");
      if (message != quoted(*x.refused))
        throw step_failed("expected the CONNECT of " + x.name + " to be refused with "
                          + quoted(*x.refused) + ", got " + message);
      c.link->disconnect(false);
      c.gone = true;
    } else if (reply.type != sio::packet_type::connect) {
      throw step_failed("expected " + x.name + " to connect to " + x.nsp + ", got " + reply.data);
    } else {
      c.sid = unquoted(member(reply.data, "sid"));
    }
    clients_.emplace(x.name, std::move(c));
  }

  void apply(const disconnect_client& x) {
    auto& c = client(x.name);
    if (!x.abrupt) {
      sio::packet bye;
      bye.type = sio::packet_type::disconnect;
      bye.nsp = c.nsp;
      c.link->send(bye);
    }
    c.link->disconnect(x.abrupt);
    c.gone = true;
    c.own_reason = x.abrupt ? "transport close" : "io client disconnect";
    engine_.settle();
  }

  void apply(const client_emit& x) {
    auto& c = client(x.client);
    if (x.ack_later) {
      c.later_acks.emplace(*send_event(c, x.event, substitute(x.args_json), true), x.event);
      return;
    }
    auto reply = emit(c, x.event, substitute(x.args_json), x.ack_json.has_value());
    if (x.ack_json && !same_json(reply, substitute(*x.ack_json)))
      throw step_failed("expected the ack of " + x.event + " from " + x.client + " to be "
                        + *x.ack_json + ", got " + names_for(reply));
  }

  // -- the server application: through the rooms app ----------------------------------------

  void apply(const membership& x) {
    auto& c = client(x.client);
    std::string rooms = "[";
    for (auto& room : x.rooms)
      rooms += (rooms.size() > 1 ? "," : "") + quoted(substitute(room));
    rooms += "]";
    auto args = x.join ? "[" + rooms + "]" : "[" + rooms.substr(1, rooms.size() - 2) + "]";
    auto reply = emit(c, x.join ? "join" : "leave", args, true);
    if (!same_json(reply, R"([{"ok":true}])"))
      throw step_failed(std::string{"the server refused "} + (x.join ? "join" : "leave") + ": "
                        + reply);
  }

  void apply(const server_emit& x) {
    auto& c = x.client ? client(*x.client) : *watcher(x.node, x.nsp);
    auto list = [this](const std::vector<std::string>& rooms) {
      std::string out = "[";
      for (auto& room : rooms)
        out += (out.size() > 1 ? "," : "") + quoted(substitute(room));
      return out + "]";
    };
    auto spec = "[{\"to\":" + list(x.to) + ",\"except\":" + list(x.except) + ",\"event\":"
                + quoted(x.event) + ",\"args\":" + substitute(x.args_json)
                + ",\"self\":" + (x.client ? "false" : "true") + "}]";
    auto reply = emit(c, "emit", spec, true);
    if (!same_json(reply, R"([{"ok":true}])"))
      throw step_failed("the server refused the emit: " + reply);
  }

  void apply(const kick_client& x) {
    auto& c = client(x.client);
    emit(c, "server-disconnect", std::string{"[{\"close\":"} + (x.close ? "true" : "false") + "}]",
         false);
    engine_.settle();
  }

  // -- expectations ------------------------------------------------------------------------

  void apply(const expect_event& x) {
    auto& c = client(x.client);
    auto got = next_arrival(c, within_);
    if (!got)
      throw step_failed("expected " + x.client + " to receive " + x.event + " " + x.args_json
                        + ", got nothing" + waited());
    if (got->ack || got->event != x.event || !same_json(got->args, substitute(x.args_json)))
      throw step_failed("expected " + x.client + " to receive " + x.event + " " + x.args_json
                        + ", got " + describe(*got));
  }

  void apply(const expect_ack& x) {
    auto& c = client(x.client);
    auto got = next_arrival(c, within_);
    if (!got)
      throw step_failed("expected " + x.client + " to receive the ack of " + x.event + " "
                        + x.args_json + ", got nothing" + waited());
    if (!got->ack || got->event != x.event || !same_json(got->args, substitute(x.args_json)))
      throw step_failed("expected " + x.client + " to receive the ack of " + x.event + " "
                        + x.args_json + ", got " + describe(*got));
  }

  void apply(const expect_nothing& x) {
    auto& c = client(x.client);
    if (auto got = next_arrival(c, milliseconds{x.for_ms}))
      throw step_failed("expected nothing more for " + x.client + ", got " + describe(*got));
  }

  void apply(const expect_disconnected& x) {
    auto& c = client(x.client);
    std::string reason = c.own_reason;
    auto found = !reason.empty() || await(c, within_, [&](std::deque<received>& q, bool closed,
                                                          const std::string&) {
      for (auto& r : q)
        if (r.packet.type == sio::packet_type::disconnect && r.packet.nsp == c.nsp) {
          reason = "io server disconnect";
          return true;
        }
      if (closed)
        reason = "transport close";
      return closed;
    });
    if (!found)
      throw step_failed("expected " + x.client + " to be disconnected" + waited());
    if (x.reason && *x.reason != reason)
      throw step_failed("expected " + x.client + " to be disconnected with " + quoted(*x.reason)
                        + ", got " + quoted(reason));
    c.gone = true;
  }

  void apply(const expect_adapter& x) {
    auto& ns = namespace_of(x.node, x.nsp);
    if (!x.type) {
      collect_adapter(ns, milliseconds{quiet_ms}, true);
      if (!ns.adapter.empty())
        throw step_failed("expected no more adapter events on " + x.node + " " + x.nsp
                          + ", got " + describe(ns.adapter.front()));
      return;
    }
    collect_adapter(ns, within_, false);
    if (ns.adapter.empty())
      throw step_failed("expected adapter event " + *x.type + " " + x.room + " " + x.client
                        + " on " + x.node + " " + x.nsp + ", got none" + waited());
    auto got = ns.adapter.front();
    ns.adapter.pop_front();
    auto want_sid = x.client.empty() ? std::string{} : client(x.client).sid;
    if (got.type != *x.type || got.room != substitute(x.room) || got.sid != want_sid)
      throw step_failed("expected adapter event " + *x.type + " " + x.room
                        + (x.client.empty() ? "" : " " + x.client) + ", got " + describe(got));
  }

  void apply(const expect_state& x) {
    auto& w = *watcher(x.node, x.nsp);
    auto want = canonical(x.json, false, x.sids);
    std::string got;
    auto deadline = std::chrono::steady_clock::now() + within_;
    // The server's maps change without telling anyone (a disconnect), so ask until they
    // match or the bound passes; in-process, everything has run already.
    for (;;) {
      auto reply = emit(w, "adapter", "[]", true);
      auto doc = protocol::parse_json(reply);
      if (!doc || !doc->IsArray() || doc->Empty() || !(*doc)[0].IsObject())
        throw step_failed("the server answered adapter with " + reply);
      auto& maps = (*doc)[0];
      auto key = x.sids ? "sids" : "rooms";
      if (!maps.HasMember(key))
        throw step_failed("the server answered adapter without " + std::string{key});
      got = canonical(protocol::to_json(maps[key]), true, x.sids);
      if (got == want || engine_.deterministic() || std::chrono::steady_clock::now() >= deadline)
        break;
    }
    if (got != want)
      throw step_failed(std::string{"expected "} + (x.sids ? "sids" : "rooms") + " of " + x.node
                        + " " + x.nsp + " to be " + want + ", got " + got);
  }

  void apply(const expect_peers& x) {
    auto& w = *watcher(x.node, "/");
    auto deadline = std::chrono::steady_clock::now() + within_;
    std::string peers;
    std::size_t count = 0;
    // A mesh forms, and a lost node is noticed, without telling anyone: ask until it holds.
    for (;;) {
      auto reply = emit(w, "cluster", "[]", true);
      auto doc = protocol::parse_json(reply);
      if (!doc || !doc->IsArray() || doc->Empty() || !(*doc)[0].IsObject()
          || !(*doc)[0].HasMember("peers") || !(*doc)[0]["peers"].IsArray())
        throw step_failed("the server answered cluster with " + reply);
      count = (*doc)[0]["peers"].Size();
      peers = protocol::to_json((*doc)[0]["peers"]);
      if (count == x.count || engine_.deterministic()
          || std::chrono::steady_clock::now() >= deadline)
        break;
      // Nothing to await here but time: the node tells no one when a peer comes or goes.
      std::this_thread::sleep_for(milliseconds{100});
    }
    if (count != x.count)
      throw step_failed("expected node " + x.node + " to have " + std::to_string(x.count)
                        + " peers, got " + peers + waited());
  }

  // -- helpers -----------------------------------------------------------------------------

  client_state& client(const std::string& name) {
    auto found = clients_.find(name);
    if (found == clients_.end())
      throw step_failed("no client named " + name);
    return found->second;
  }

  namespace_state& namespace_of(const std::string& node, const std::string& nsp) {
    auto found = namespaces_.find({node, nsp});
    if (found == namespaces_.end() || !found->second.watcher)
      throw step_failed("no client has connected to " + node + " " + nsp + " yet");
    return found->second;
  }

  /// The hidden client that watches a namespace's adapter and acts as `io` there.
  client_state* watcher(const std::string& node, const std::string& nsp) {
    auto& ns = namespaces_[{node, nsp}];
    if (!ns.watcher) {
      auto w = std::make_unique<client_state>();
      w->node = node;
      w->nsp = nsp;
      w->link = engine_.open(node, transport::websocket);
      auto reply = handshake(*w, {});
      if (reply.type != sio::packet_type::connect)
        throw step_failed("cannot connect to " + node + " " + nsp + ": " + reply.data);
      w->sid = unquoted(member(reply.data, "sid"));
      auto ack = emit(*w, "watch", "[]", true);
      if (!same_json(ack, R"([{"ok":true}])"))
        throw step_failed("the server refused watch: " + ack);
      ns.watcher = std::move(w);
    }
    return ns.watcher.get();
  }

  /// Sends CONNECT and waits for the answer (CONNECT or CONNECT_ERROR) of that namespace.
  sio::packet handshake(client_state& c, const std::string& auth_json) {
    sio::packet hello;
    hello.type = sio::packet_type::connect;
    hello.nsp = c.nsp;
    hello.data = substitute(auth_json);
    c.link->send(hello);
    std::optional<sio::packet> answer;
    await(c, step_timeout, [&](std::deque<received>& q, bool closed, const std::string&) {
      for (auto it = q.begin(); it != q.end(); ++it)
        if ((it->packet.type == sio::packet_type::connect
             || it->packet.type == sio::packet_type::connect_error)
            && it->packet.nsp == c.nsp) {
          answer = it->packet;
          q.erase(it);
          return true;
        }
      return closed;
    });
    if (!answer)
      throw step_failed("no answer to the CONNECT of " + (c.name.empty() ? "the watcher" : c.name)
                        + " to " + c.node + " " + c.nsp);
    return *answer;
  }

  /// Emits `event` with `args_json` (an array); with `ack`, waits for the ack and returns its
  /// arguments (a JSON array).
  std::string emit(client_state& c, const std::string& event, const std::string& args_json,
                   bool ack) {
    auto id = send_event(c, event, args_json, ack);
    if (!ack)
      return {};
    std::optional<std::string> reply;
    await(c, step_timeout, [&](std::deque<received>& q, bool closed, const std::string&) {
      for (auto it = q.begin(); it != q.end(); ++it)
        if (it->packet.type == sio::packet_type::ack && it->packet.id == id
            && it->packet.nsp == c.nsp) {
          reply = it->packet.data;
          q.erase(it);
          return true;
        }
      return closed;
    });
    if (!reply)
      throw step_failed("no ack for " + event + " from " + (c.name.empty() ? "the server" : c.name)
                        + " within " + std::to_string(step_timeout.count()) + " ms");
    return *reply;
  }

  /// Sends EVENT `event` with `args_json` (an array), asking for an ack when `ack` is set;
  /// returns the packet's ack id (unset without `ack`).
  std::optional<std::uint64_t> send_event(client_state& c, const std::string& event,
                                          const std::string& args_json, bool ack) {
    if (c.gone)
      throw step_failed(c.name + " is not connected any more");
    auto args = protocol::parse_json(args_json);
    if (!args || !args->IsArray())
      throw step_failed("arguments must be a JSON array: " + args_json);
    std::string data = "[" + quoted(event);
    for (auto& v : args->GetArray())
      data += "," + protocol::to_json(v);
    data += "]";
    sio::packet p;
    p.type = sio::packet_type::event;
    p.nsp = c.nsp;
    p.data = std::move(data);
    if (ack)
      p.id = c.next_ack++;
    auto id = p.id;
    c.link->send(std::move(p));
    return id;
  }

  /// Waits until `ready` holds on c's inbox (live, at most `bound`), or checks it once after
  /// everything has run (in-process).
  bool await(client_state& c, milliseconds bound,
             const std::function<bool(std::deque<received>&, bool, const std::string&)>& ready) {
    engine_.settle();
    auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
      bool holds = false;
      auto seen = c.link->received().with(
        [&](std::deque<received>& q, bool closed, const std::string& why) {
          holds = ready(q, closed, why);
        });
      auto left = std::chrono::duration_cast<milliseconds>(deadline
                                                            - std::chrono::steady_clock::now());
      if (holds || engine_.deterministic() || left.count() <= 0)
        return holds;
      c.link->received().wait_change(seen, left);
    }
  }

  /// The next EVENT c received, or ack of an emit it sent `-> later`, that no expectation has
  /// matched yet. Acks the runner waits for itself are not in line: their steps take them.
  std::optional<arrival> next_arrival(client_state& c, milliseconds bound) {
    std::optional<arrival> got;
    await(c, bound, [&](std::deque<received>& q, bool, const std::string&) {
      for (auto it = q.begin(); it != q.end(); ++it) {
        if (it->packet.type == sio::packet_type::ack && it->packet.nsp == c.nsp && it->packet.id) {
          auto later = c.later_acks.find(*it->packet.id);
          if (later == c.later_acks.end())
            continue;
          got.emplace(arrival{true, later->second, it->packet.data});
          c.later_acks.erase(later);
          q.erase(it);
          return true;
        }
        if (it->packet.type != sio::packet_type::event
            && it->packet.type != sio::packet_type::binary_event)
          continue;
        auto doc = protocol::parse_json(it->packet.data);
        if (!doc || !doc->IsArray() || doc->Empty() || !(*doc)[0].IsString())
          continue;
        std::string name = (*doc)[0].GetString();
        doc->Erase(doc->Begin());
        got.emplace(arrival{false, std::move(name), protocol::to_json(*doc)});
        q.erase(it);
        return true;
      }
      return false;
    });
    return got;
  }

  /// Moves the watcher's adapter-event reports into the namespace's log; waits for at least
  /// one (or, with `quiet`, for the whole quiet period) on the live engine.
  void collect_adapter(namespace_state& ns, milliseconds bound, bool quiet) {
    auto& w = *ns.watcher;
    auto drain = [&](std::deque<received>& q, bool, const std::string&) {
      for (auto it = q.begin(); it != q.end();) {
        auto doc = protocol::parse_json(it->packet.data);
        bool report = doc && doc->IsArray() && doc->Size() == 2 && (*doc)[0].IsString()
                      && std::string{(*doc)[0].GetString()} == "adapter-event"
                      && (*doc)[1].IsObject();
        if (!report) {
          it = q.erase(it); // the watcher sees namespace-wide broadcasts too: not ours
          continue;
        }
        auto& e = (*doc)[1];
        auto text = [&e](const char* key) {
          return e.HasMember(key) && e[key].IsString() ? std::string{e[key].GetString()}
                                                        : std::string{};
        };
        auto type = text("type");
        if (type != "disconnecting" && type != "disconnect")
          ns.adapter.push_back({type, text("room"), text("id")});
        it = q.erase(it);
      }
      return !quiet && !ns.adapter.empty();
    };
    if (quiet && !engine_.deterministic()) {
      await(w, bound, [](std::deque<received>&, bool, const std::string&) { return false; });
    }
    await(w, quiet ? milliseconds{0} : bound, drain);
  }

  /// `$name` stands for that client's socket id.
  std::string substitute(const std::string& text) const {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
      if (text[i] == '$') {
        std::size_t end = i + 1;
        while (end < text.size() && is_name_char(text[end]))
          ++end;
        auto found = clients_.find(text.substr(i + 1, end - i - 1));
        if (found != clients_.end() && !found->second.sid.empty()) {
          out += found->second.sid;
          i = end;
          continue;
        }
      }
      out += text[i++];
    }
    return out;
  }

  /// The other way: socket ids back to `$name`, for readable reports.
  std::string names_for(std::string text) const {
    for (auto& [name, c] : clients_)
      for (std::size_t pos; !c.sid.empty() && (pos = text.find(c.sid)) != std::string::npos;)
        text.replace(pos, c.sid.size(), "$" + name);
    return text;
  }

  /// A rooms/sids map in a comparable form: keys and members sorted. The expectation is taken
  /// as written (sockets as client names, own-id rooms as `$name`); the server's answer
  /// (`actual`) is translated to that form, and the watchers disappear from it.
  std::string canonical(const std::string& json, bool actual, bool sids) const {
    auto doc = protocol::parse_json(json);
    if (!doc || !doc->IsObject())
      throw step_failed("expected a JSON object of arrays, got " + json);
    std::set<std::string> watchers;
    for (auto& entry : namespaces_)
      if (entry.second.watcher)
        watchers.insert(entry.second.watcher->sid);
    // In `rooms` the keys are rooms and the members sockets; in `sids` the other way round.
    auto as_socket = [&](const std::string& s) { return actual ? socket_name(s) : s; };
    auto as_room = [&](const std::string& s) { return actual ? names_for(s) : s; };
    std::map<std::string, std::set<std::string>> result;
    for (auto& m : doc->GetObject()) {
      std::string key = m.name.GetString();
      if (actual && watchers.count(key) > 0)
        continue;
      auto& values = result[sids ? as_socket(key) : as_room(key)];
      if (!m.value.IsArray())
        throw step_failed("expected arrays in " + json);
      for (auto& v : m.value.GetArray()) {
        if (!v.IsString())
          throw step_failed("expected strings in " + json);
        std::string item = v.GetString();
        if (actual && watchers.count(item) > 0)
          continue;
        values.insert(sids ? as_room(item) : as_socket(item));
      }
    }
    std::string out = "{";
    for (auto& [key, values] : result) {
      out += (out.size() > 1 ? "," : "") + quoted(key) + ":[";
      bool first = true;
      for (auto& v : values) {
        out += (first ? "" : ",") + quoted(v);
        first = false;
      }
      out += "]";
    }
    return out + "}";
  }

  static std::string member(const std::string& json, const char* key) {
    auto doc = protocol::parse_json(json);
    if (!doc || !doc->IsObject() || !doc->HasMember(key))
      return {};
    return protocol::to_json((*doc)[key]);
  }

  static std::string unquoted(const std::string& json) {
    auto doc = protocol::parse_json(json);
    return doc && doc->IsString() ? doc->GetString() : std::string{};
  }

  std::string describe(const arrival& a) const {
    return (a.ack ? "the ack of " : "") + a.event + " " + names_for(a.args);
  }

  std::string describe(const adapter_record& r) const {
    return r.type + " " + names_for(r.room) + (r.sid.empty() ? "" : " " + socket_name(r.sid));
  }

  /// The client a socket id belongs to (the id itself when it is nobody's).
  std::string socket_name(const std::string& sid) const {
    for (auto& [name, c] : clients_)
      if (c.sid == sid)
        return name;
    return sid;
  }

  std::string waited() const {
    return engine_.deterministic() ? "" : " within " + std::to_string(within_.count()) + " ms";
  }

  const script& script_;
  engine& engine_;
  milliseconds within_{5000};
  std::map<std::string, client_state> clients_;
  std::map<std::pair<std::string, std::string>, namespace_state> namespaces_;
};

} // namespace

outcome run(const script& s, engine& e) {
  run_state state{s, e};
  for (auto& st : s.steps) {
    try {
      state.execute(st);
    } catch (const std::exception& ex) {
      return {false, st.where, ex.what()};
    }
  }
  return {};
}

} // namespace atrium::scenario
