#include "tools/atrium/rooms_app.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "actors/boundary/random_id.hpp"
#include "protocol/json.hpp"
#include "protocol/socketio.hpp"
#include "tools/atrium/identity.hpp"

namespace atrium::app {

namespace {

/// Builds the small JSON objects the app answers with.
class json_object {
public:
  json_object& field(std::string_view key, std::string_view text_value) {
    name(key);
    protocol::append_json_string(out_, text_value);
    return *this;
  }
  json_object& raw(std::string_view key, std::string_view json) {
    name(key);
    out_ += json;
    return *this;
  }
  raw_json done() { return raw_json{out_ + '}'}; }

private:
  void name(std::string_view key) {
    out_ += out_.size() > 1 ? "," : "";
    protocol::append_json_string(out_, key);
    out_ += ':';
  }
  std::string out_ = "{";
};

template <class Strings>
std::string json_array(const Strings& items) {
  std::string out = "[";
  for (auto& s : items) {
    if (out.size() > 1)
      out += ',';
    protocol::append_json_string(out, s);
  }
  return out + ']';
}

std::string json_map(const membership_map& m) {
  json_object obj;
  for (auto& [key, values] : m)
    obj.raw(key, json_array(values));
  return obj.done().text;
}

raw_json ok() {
  return raw_json{R"({"ok":true})"};
}

raw_json refused(std::string_view why) {
  return json_object{}.raw("ok", "false").field("error", why).done();
}

/// Strings of a JSON value that is a string or an array of strings.
bool string_list(const rapidjson::Value& v, std::vector<std::string>& out) {
  if (v.IsString()) {
    out.emplace_back(v.GetString(), v.GetStringLength());
    return true;
  }
  if (!v.IsArray())
    return false;
  for (auto& item : v.GetArray()) {
    if (!item.IsString())
      return false;
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return true;
}

/// A refusal when `name` is an event Socket.IO reserves for its own lifecycle: every member of
/// the target running the official client would read it as a protocol error and disconnect.
std::optional<raw_json> refuse_reserved(std::string_view name) {
  if (!sio::is_reserved_event(name))
    return std::nullopt;
  std::string why = "\"";
  why.append(name.data(), name.size());
  why += "\" is a reserved event name";
  return refused(why);
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject())
    return nullptr;
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

/// Sockets that asked, with `watch`, to see their namespace's adapter events. Written by the
/// sockets' actors, read by the supervisor's listener: hence the lock.
class watchers {
public:
  void add(const std::string& sid) {
    std::lock_guard<std::mutex> guard{mutex_};
    sids_.push_back(sid);
    count_.store(sids_.size(), std::memory_order_relaxed);
  }
  void remove(const std::string& sid) {
    std::lock_guard<std::mutex> guard{mutex_};
    sids_.erase(std::remove(sids_.begin(), sids_.end(), sid), sids_.end());
    count_.store(sids_.size(), std::memory_order_relaxed);
  }
  std::vector<std::string> list() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return sids_;
  }
  /// Whether anyone watches: asked for every adapter event, so without the lock.
  bool any() const noexcept { return count_.load(std::memory_order_relaxed) > 0; }

private:
  mutable std::mutex mutex_;
  std::vector<std::string> sids_;
  std::atomic<std::size_t> count_{0}; // sids_.size(), written under mutex_
};

void tell_watchers(const namespace_handle& nsp, const watchers& w, const std::string& skip,
                   raw_json what) {
  auto targets = w.list();
  targets.erase(std::remove(targets.begin(), targets.end(), skip), targets.end());
  if (!targets.empty()) // watchers are sockets of this node
    nsp.to(targets).local().emit("adapter-event", args{std::move(what)});
}

void on_join(event& ev, const client_policy& policy) {
  std::vector<std::string> rooms;
  if (ev.size() < 1 || !string_list(ev[0], rooms) || rooms.empty()) {
    ev.ack(refused("join expects a room name or an array of room names"));
    return;
  }
  auto& s = ev.socket();
  // A token or the connect hook may have granted this socket patterns of its own.
  auto granted = s.data().empty() ? std::nullopt : identity_of(s.data()).allow_join;
  if (granted && granted->empty()) {
    ev.ack(refused("this socket may not join rooms"));
    return;
  }
  std::optional<client_policy> own;
  if (granted) {
    own = policy;
    own->join_patterns = std::move(*granted);
  }
  if (auto why = (own ? *own : policy).refuse_join(s, rooms)) {
    ev.ack(refused(*why));
    return;
  }
  // A room named like a socket id may be a socket's own room, on this node or another: joining
  // it would receive that socket's private messages. Ask every node whether it is.
  std::vector<std::string> maybe_ids;
  for (auto& room : rooms)
    if (room != s.id() && has_socket_id_form(room))
      maybe_ids.push_back(room);
  if (maybe_ids.empty()) {
    s.join(rooms);
    ev.ack(ok());
    return;
  }
  auto reply = ev.take_ack();
  s.namespace_().to(maybe_ids).fetch_sockets(
                  std::chrono::seconds(2),
                  [&s, rooms, maybe_ids, reply](const remote_sockets& found) {
                    for (auto& info : found)
                      if (std::find(maybe_ids.begin(), maybe_ids.end(), info.id)
                          != maybe_ids.end()) {
                        reply(refused("room " + info.id + " is another socket's private room"));
                        return;
                      }
                    s.join(rooms);
                    reply(ok());
                  });
}

void on_leave(event& ev) {
  if (ev.size() < 1 || !ev[0].IsString()) {
    ev.ack(refused("leave expects a room name"));
    return;
  }
  ev.socket().leave(ev[0].GetString());
  ev.ack(ok());
}

void on_emit(event& ev, const client_policy& policy) {
  const rapidjson::Value* spec = ev.size() > 0 ? &ev[0] : nullptr;
  const rapidjson::Value* name = spec ? member(*spec, "event") : nullptr;
  if (!name || !name->IsString()) {
    ev.ack(refused("emit expects {to, except, event, args, self}"));
    return;
  }
  std::string_view event_name{name->GetString(), name->GetStringLength()};
  if (auto refusal = refuse_reserved(event_name)) {
    ev.ack(std::move(*refusal));
    return;
  }
  std::vector<std::string> to, except;
  auto to_v = member(*spec, "to");
  auto except_v = member(*spec, "except");
  if ((to_v && !string_list(*to_v, to)) || (except_v && !string_list(*except_v, except))) {
    ev.ack(refused("to and except must be arrays of room names"));
    return;
  }
  auto args_v = member(*spec, "args");
  if (args_v && !args_v->IsArray()) {
    ev.ack(refused("args must be an array"));
    return;
  }
  // The args keep their placeholders; the packet's attachments travel with them.
  auto payload_args = args::from_json_array(args_v ? protocol::to_json(*args_v) : "[]",
                                            ev.attachments());
  auto self_v = member(*spec, "self");
  bool self = self_v && self_v->IsTrue();
  auto local_v = member(*spec, "local");
  auto& s = ev.socket();
  if (auto why = policy.refuse_emit(s, to)) {
    ev.ack(refused(*why));
    return;
  }
  auto target = self ? s.namespace_() : s.broadcast();
  if (local_v && local_v->IsTrue())
    target = target.local();
  target.to(to).except(except).emit(event_name, payload_args);
  ev.ack(ok());
}

/// The selection `{to, except, local}` of a cluster-wide operation, namespace-wide (the asking
/// socket included); nullopt when malformed. `to` receives the target rooms.
std::optional<broadcast_operator> selection_of(event& ev, const rapidjson::Value& spec,
                                               std::vector<std::string>& to) {
  std::vector<std::string> except;
  auto to_v = member(spec, "to");
  auto except_v = member(spec, "except");
  if ((to_v && !string_list(*to_v, to)) || (except_v && !string_list(*except_v, except)))
    return std::nullopt;
  auto selection = ev.socket().namespace_().to(to).except(except);
  auto local_v = member(spec, "local");
  if (local_v && local_v->IsTrue())
    selection = selection.local();
  return selection;
}

const rapidjson::Value& spec_of(event& ev) {
  static const rapidjson::Value empty{rapidjson::kObjectType};
  return ev.size() > 0 && ev[0].IsObject() ? ev[0] : empty;
}

/// The `timeout` a client asked for (5 s when none), at most a minute: each pending operation
/// holds a waiting actor, and a client must not keep those alive for days.
std::chrono::milliseconds timeout_of(const rapidjson::Value& spec) {
  constexpr unsigned longest = 60'000;
  auto t = member(spec, "timeout");
  // At least 1 ms: a broadcast with acks needs a timeout.
  return std::chrono::milliseconds{t && t->IsUint() ? std::clamp(t->GetUint(), 1u, longest) : 5000};
}

void on_fetch_sockets(event& ev) {
  auto& spec = spec_of(ev);
  std::vector<std::string> to;
  auto selection = selection_of(ev, spec, to);
  if (!selection) {
    ev.ack(refused("fetch-sockets expects {to, except, timeout}"));
    return;
  }
  auto reply = ev.take_ack();
  selection->fetch_sockets(timeout_of(spec), [reply](const remote_sockets& found) {
    auto sorted = found;
    std::sort(sorted.begin(), sorted.end(),
              [](auto& a, auto& b) { return a.id < b.id; });
    std::string list = "[";
    for (auto& info : sorted) {
      if (list.size() > 1)
        list += ',';
      list += json_object{}.field("id", info.id).raw("rooms", json_array(info.rooms))
                .field("node", info.node).done().text;
    }
    reply(json_object{}.raw("sockets", list + "]").done());
  });
}

void on_sockets_membership(event& ev, bool join) {
  auto& spec = spec_of(ev);
  std::vector<std::string> to;
  auto selection = selection_of(ev, spec, to);
  std::vector<std::string> rooms;
  auto rooms_v = member(spec, "rooms");
  if (!selection || !rooms_v || !string_list(*rooms_v, rooms)) {
    ev.ack(refused("expects {to, except, rooms}"));
    return;
  }
  if (join)
    selection->sockets_join(rooms);
  else
    selection->sockets_leave(rooms);
  ev.ack(ok());
}

void on_disconnect_sockets(event& ev) {
  auto& spec = spec_of(ev);
  std::vector<std::string> to;
  auto selection = selection_of(ev, spec, to);
  if (!selection) {
    ev.ack(refused("disconnect-sockets expects {to, except, close}"));
    return;
  }
  auto close = member(spec, "close");
  // Ack first: the asking socket may be among those leaving.
  ev.ack(ok());
  selection->disconnect_sockets(close && close->IsTrue());
}

/// `{timedOut, responses}`: Socket.IO's `(err, responses)`, each response being the first
/// argument of one receiver's reply (binary replies keep only their placeholders).
raw_json replies_json(const gathered_replies& r) {
  std::string list = "[";
  for (auto& reply : r.replies) {
    if (list.size() > 1)
      list += ',';
    list += reply.size() > 0 ? protocol::to_json(reply[0]) : "null";
  }
  return json_object{}.raw("timedOut", r.complete ? "false" : "true").raw("responses", list + "]")
    .done();
}

void on_emit_with_ack(event& ev, const client_policy& policy) {
  auto& spec = spec_of(ev);
  std::vector<std::string> to;
  auto selection = selection_of(ev, spec, to);
  auto name = member(spec, "event");
  auto args_v = member(spec, "args");
  if (!selection || !name || !name->IsString() || (args_v && !args_v->IsArray())) {
    ev.ack(refused("emit-with-ack expects {to, except, event, args, timeout}"));
    return;
  }
  std::string_view event_name{name->GetString(), name->GetStringLength()};
  if (auto refusal = refuse_reserved(event_name)) {
    ev.ack(std::move(*refusal));
    return;
  }
  if (auto why = policy.refuse_emit(ev.socket(), to)) {
    ev.ack(refused(*why));
    return;
  }
  auto self_v = member(spec, "self");
  if (self_v && self_v->IsFalse())
    *selection = selection->except(ev.socket().id());
  auto reply = ev.take_ack();
  selection->timeout(timeout_of(spec))
    .emit_with_ack(
      event_name,
      args::from_json_array(args_v ? protocol::to_json(*args_v) : "[]", ev.attachments()),
      [reply](gathered_replies& r) { reply(replies_json(r)); });
}

void on_server_side_emit(event& ev) {
  auto& spec = spec_of(ev);
  auto name = member(spec, "event");
  auto args_v = member(spec, "args");
  if (!name || !name->IsString() || (args_v && !args_v->IsArray())) {
    ev.ack(refused("server-side-emit expects {event, args, timeout}"));
    return;
  }
  std::string_view event_name{name->GetString(), name->GetStringLength()};
  // Socket.IO's serverSideEmit refuses them too: other nodes' handlers are event listeners.
  if (auto refusal = refuse_reserved(event_name)) {
    ev.ack(std::move(*refusal));
    return;
  }
  auto event_args = args::from_json_array(args_v ? protocol::to_json(*args_v) : "[]",
                                          ev.attachments());
  if (!ev.wants_ack()) {
    ev.socket().server_side_emit(event_name, event_args);
    return;
  }
  auto reply = ev.take_ack();
  ev.socket().server_side_emit(event_name, event_args, timeout_of(spec),
                               [reply](gathered_replies& r) { reply(replies_json(r)); });
}

void on_private_message(event& ev, const client_policy& policy) {
  if (!policy.private_messages) {
    ev.ack(refused("private messages are off"));
    return;
  }
  if (ev.size() < 1 || !ev[0].IsString())
    return;
  auto& s = ev.socket();
  std::string elements;
  protocol::append_json_string(elements, s.id());
  elements += ',';
  elements += ev.size() > 1 ? protocol::to_json(ev[1]) : "null";
  s.to(std::string{ev[0].GetString(), ev[0].GetStringLength()})
    .emit("private message", args::from_json_array("[" + elements + "]", ev.attachments()));
}

/// `handler`, for clients the policy lets command other sockets; the others get a refusal.
event_handler admin_only(const std::shared_ptr<const client_policy>& policy,
                         event_handler handler) {
  if (policy->admin)
    return handler;
  return [](event& ev) {
    ev.ack(refused("not allowed for clients (the server runs without --allow-admin)"));
  };
}

} // namespace

std::set<std::string> install_rooms_app(namespace_handle nsp, client_policy rules) {
  std::set<std::string> names; // every event the app answers
  auto listen = [&](const std::string& name, shared_event_handler handler) {
    names.insert(name);
    nsp.on_event(name, std::move(handler));
  };
  auto watching = std::make_shared<watchers>();
  auto policy = std::make_shared<const client_policy>(std::move(rules));

  nsp.use([](const handshake& hs) -> std::optional<connect_refusal> {
    auto auth = protocol::parse_json(hs.auth);
    if (!auth)
      return std::nullopt;
    auto reject = member(*auth, "reject");
    if (reject && reject->IsString())
      return connect_refusal{reject->GetString(), {}};
    return std::nullopt;
  });

  nsp.on_adapter_event([nsp, watching](const adapter_event& e) {
    if (!watching->any())
      return; // the common case: no one to tell, no JSON to build
    json_object what;
    what.field("type", to_string(e.type)).field("room", e.room);
    if (!e.sid.empty())
      what.field("id", e.sid);
    tell_watchers(nsp, *watching, {}, what.done());
  });

  // Other nodes' server-side emits: `ping` answers which node heard it, with what it got.
  nsp.on_server_event("ping", [node = nsp.node()](server_event& e) {
    e.ack(raw_json{json_object{}.field("node", node)
                     .raw("args", protocol::to_json(e.array())).done().text});
  });

  // Listeners on the namespace rather than in a connection handler: one copy for all sockets.
  listen("join", [policy](event& ev) { on_join(ev, *policy); });
  listen("leave", on_leave);
  listen("emit", [policy](event& ev) { on_emit(ev, *policy); });
  listen("private message", [policy](event& ev) { on_private_message(ev, *policy); });
  listen("rooms", [](event& ev) {
    ev.ack(raw_json{json_array(ev.socket().rooms())});
  });
  // Connection state recovery: whether this socket is one its client had before.
  listen("session", [](event& ev) {
    auto& s = ev.socket();
    ev.ack(json_object{}.field("id", s.id())
             .raw("recovered", s.recovered() ? "true" : "false").done());
  });
  listen("adapter", admin_only(policy, [](event& ev) {
    auto reply = ev.take_ack();
    auto& s = ev.socket();
    s.fetch_rooms([&s, reply](const membership_map& rooms) {
      auto rooms_json = json_map(rooms);
      s.fetch_sids([reply, rooms_json](const membership_map& sids) {
        reply(json_object{}.raw("rooms", rooms_json).raw("sids", json_map(sids)).done());
      });
    });
  }));
  listen("fetch-sockets", admin_only(policy, on_fetch_sockets));
  listen("sockets-join",
               admin_only(policy, [](event& ev) { on_sockets_membership(ev, true); }));
  listen("sockets-leave",
               admin_only(policy, [](event& ev) { on_sockets_membership(ev, false); }));
  listen("disconnect-sockets", admin_only(policy, on_disconnect_sockets));
  listen("emit-with-ack", [policy](event& ev) { on_emit_with_ack(ev, *policy); });
  listen("server-side-emit", admin_only(policy, on_server_side_emit));
  listen("all-rooms", admin_only(policy, [](event& ev) {
    auto reply = ev.take_ack();
    ev.socket().fetch_all_rooms(timeout_of(spec_of(ev)),
                                [reply](const std::set<std::string>& rooms) {
                                  reply(json_object{}.raw("rooms", json_array(rooms)).done());
                                });
  }));
  listen("cluster", admin_only(policy, [](event& ev) {
    auto reply = ev.take_ack();
    ev.socket().fetch_peers([reply](const std::vector<std::string>& peers) {
      reply(json_object{}.raw("peers", json_array(peers)).done());
    });
  }));
  listen("watch", admin_only(policy, [watching](event& ev) {
    watching->add(ev.socket().id());
    ev.ack(ok());
  }));
  listen("call", [](event& ev) {
    auto reply = ev.take_ack();
    const rapidjson::Value* spec = ev.size() > 0 ? &ev[0] : nullptr;
    auto name = spec ? member(*spec, "event") : nullptr;
    auto call_args = spec ? member(*spec, "args") : nullptr;
    if (!name || !name->IsString() || (call_args && !call_args->IsArray())) {
      reply(refused("call expects {event, args}"));
      return;
    }
    if (auto refusal = refuse_reserved({name->GetString(), name->GetStringLength()})) {
      reply(std::move(*refusal));
      return;
    }
    ev.socket().emit_with_ack(
      name->GetString(),
      args::from_json_array(call_args ? protocol::to_json(*call_args) : "[]", ev.attachments()),
      [reply](std::optional<payload> answer) {
        if (!answer) {
          reply(refused("no acknowledgement"));
          return;
        }
        // The reply's placeholders keep referring to the client's attachments.
        auto result = json_object{}.raw("ok", "true")
                        .raw("reply", protocol::to_json(answer->array())).done();
        reply(args::from_json_array("[" + result.text + "]", answer->attachments()));
      });
  });
  listen("server-disconnect", [](event& ev) {
    auto close = ev.size() > 0 ? member(ev[0], "close") : nullptr;
    ev.socket().disconnect(close && close->IsTrue());
  });
  nsp.on_disconnecting([nsp, watching](socket& s, disconnect_reason) {
    watching->remove(s.id());
    tell_watchers(nsp, *watching, s.id(),
                  json_object{}.field("type", "disconnecting").field("id", s.id())
                    .raw("rooms", json_array(s.rooms())).done());
  });
  nsp.on_disconnect([nsp, watching](socket& s, disconnect_reason why) {
    tell_watchers(nsp, *watching, s.id(),
                  json_object{}.field("type", "disconnect").field("id", s.id())
                    .field("reason", to_string(why)).raw("rooms", json_array(s.rooms()))
                    .done());
  });
  return names;
}

std::set<std::string> install_conformance_app(namespace_handle nsp) {
  nsp.on_connection([](socket& s) { s.emit("auth", args{raw_json{s.handshake().auth}}); });
  nsp.on_event("message", [](event& ev) { ev.socket().emit("message-back", ev.to_args()); });
  nsp.on_event("message-with-ack", [](event& ev) { ev.ack(ev.to_args()); });
  return {"message", "message-with-ack"};
}

} // namespace atrium::app
