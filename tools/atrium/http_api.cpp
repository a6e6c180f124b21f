#include "tools/atrium/http_api.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include "actors/boundary/metrics.hpp"
#include "atrium/broadcast_operator.hpp"
#include "net/url.hpp"
#include "protocol/binary_json.hpp"
#include "protocol/json.hpp"
#include "protocol/socketio.hpp"
#include "tools/atrium/identity.hpp"
#include "tools/atrium/json_text.hpp"

namespace atrium::app {

namespace {

std::string sha256(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return std::string{reinterpret_cast<const char*>(digest), sizeof digest};
}

net::api_response json_response(unsigned status, std::string body) {
  net::api_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

net::api_response error(unsigned status, std::string_view why) {
  std::string body = R"({"error":)";
  protocol::append_json_string(body, why);
  return json_response(status, body + '}');
}

net::api_response ok() {
  return json_response(200, R"({"ok":true})");
}

/// A request that cannot be carried out as it is: the 400 it gets.
struct bad_request {
  std::string why;
};

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

/// `key` of `body`: absent, a room name, or an array of room names.
std::vector<std::string> rooms_of(const rapidjson::Value& body, const char* key) {
  std::vector<std::string> out;
  auto v = member(body, key);
  if (!v || v->IsNull())
    return out;
  auto add = [&](const rapidjson::Value& s) {
    if (!s.IsString() || s.GetStringLength() == 0)
      throw bad_request{std::string{key} + " must be a room name or an array of room names"};
    out.emplace_back(s.GetString(), s.GetStringLength());
  };
  if (v->IsArray())
    for (auto& item : v->GetArray())
      add(item);
  else
    add(*v);
  return out;
}

bool flag_of(const rapidjson::Value& body, const char* key) {
  auto v = member(body, key);
  if (v && !v->IsBool())
    throw bad_request{std::string{key} + " must be true or false"};
  return v && v->IsTrue();
}

/// A timeout in milliseconds (1 to 60,000: each waiting operation holds an actor), or nullopt.
std::optional<std::chrono::milliseconds> timeout_of(const rapidjson::Value& body, const char* key) {
  auto v = member(body, key);
  if (!v)
    return std::nullopt;
  if (!v->IsUint() || v->GetUint() < 1 || v->GetUint() > 60000)
    throw bad_request{std::string{key} + " must be a number of milliseconds from 1 to 60000"};
  return std::chrono::milliseconds{v->GetUint()};
}

std::string event_of(const rapidjson::Value& body) {
  auto v = member(body, "event");
  if (!v || !v->IsString() || v->GetStringLength() == 0)
    throw bad_request{"event must be a non-empty string"};
  std::string name{v->GetString(), v->GetStringLength()};
  if (sio::is_reserved_event(name))
    throw bad_request{"\"" + name + "\" is a reserved event name"};
  return name;
}

args args_of(const rapidjson::Value& body) {
  auto v = member(body, "args");
  if (!v)
    return {};
  if (!v->IsArray())
    throw bad_request{"args must be an array"};
  auto converted = protocol::from_json_with_binary(*v);
  if (!converted)
    throw bad_request{"args: a {\"$binary\"} value must hold base64"};
  return args::from_json_array(converted->json, std::move(converted->attachments));
}

/// `{ok, timed_out, responses}`: each receiver's first reply argument, binary as $binary.
std::string replies_json(const gathered_replies& r) {
  std::string out = R"({"ok":true,"timed_out":)";
  out += r.complete ? "false" : "true";
  out += R"(,"responses":[)";
  bool first = true;
  for (auto& reply : r.replies) {
    if (!first)
      out += ',';
    first = false;
    out += reply.size() > 0 ? protocol::to_json_with_binary(reply[0], reply.attachments())
                            : "null";
  }
  return out + "]}";
}

struct route {
  std::string_view path;
  std::string_view method;
};

constexpr route routes[] = {
  {"/v1/emit", "POST"},          {"/v1/sockets/join", "POST"},
  {"/v1/sockets/leave", "POST"}, {"/v1/sockets/disconnect", "POST"},
  {"/v1/sockets", "GET"},        {"/v1/rooms", "GET"},
  {"/v1/server-side-emit", "POST"}, {"/v1/stats", "GET"},
};

} // namespace

http_api::http_api(std::map<std::string, namespace_handle> namespaces, std::string key,
                   std::function<std::string()> stats)
  : namespaces_(std::move(namespaces)), key_digest_(sha256(key)), stats_(std::move(stats)) {
}

bool http_api::authorized(const std::string& authorization) const {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size())
    return false;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i])
      return false;
  auto digest = sha256(std::string_view{authorization}.substr(scheme.size()));
  return CRYPTO_memcmp(digest.data(), key_digest_.data(), digest.size()) == 0;
}

void http_api::handle(net::api_request request, net::api_reply reply) const {
  // Before the key: Prometheus scrapers carry none, and the counters tell no secret.
  if (net::parse_target(request.target).path == "/metrics"
      && (request.method == "GET" || request.method == "HEAD")) {
    net::api_response r;
    r.body = metrics::render(metrics::process());
    r.content_type = std::string{metrics::content_type};
    reply(std::move(r));
    return;
  }
  if (!authorized(request.authorization)) {
    auto r = error(401, "missing or wrong API key (Authorization: Bearer <key>)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    reply(std::move(r));
    return;
  }
  auto target = net::parse_target(request.target);
  auto route_it = std::find_if(std::begin(routes), std::end(routes),
                               [&](const route& r) { return r.path == target.path; });
  if (route_it == std::end(routes)) {
    reply(error(404, "no such API path: " + target.path));
    return;
  }
  if (route_it->method != request.method) {
    auto r = error(405, std::string{route_it->path} + " takes " + std::string{route_it->method});
    r.headers.emplace_back("Allow", std::string{route_it->method});
    reply(std::move(r));
    return;
  }
  if (target.path == "/v1/stats") {
    reply(json_response(200, stats_ ? stats_() : "{}"));
    return;
  }
  try {
    // GET takes its parameters from the query, POST from a JSON object body.
    rapidjson::Document body{rapidjson::kObjectType};
    if (request.method == "POST") {
      auto parsed = protocol::parse_json(request.body);
      if (!parsed || !parsed->IsObject())
        throw bad_request{"the body must be a JSON object"};
      body = std::move(*parsed);
    } else {
      for (auto& [key, value] : target.query)
        body.AddMember(rapidjson::Value{key.c_str(), body.GetAllocator()},
                       rapidjson::Value{value.c_str(), body.GetAllocator()}, body.GetAllocator());
    }
    std::string nsp_name = "/";
    if (auto v = member(body, "namespace")) {
      if (!v->IsString())
        throw bad_request{"namespace must be a string"};
      nsp_name.assign(v->GetString(), v->GetStringLength());
    }
    auto nsp_it = namespaces_.find(nsp_name);
    if (nsp_it == namespaces_.end())
      throw bad_request{"unknown namespace " + nsp_name};
    auto& nsp = nsp_it->second;
    bool get = request.method == "GET";
    // The query's strings: `local=true`, and a single room each.
    bool local = get ? (member(body, "local") && std::string_view{member(body, "local")->GetString()} == "true")
                     : flag_of(body, "local");
    auto selection = nsp.to(rooms_of(body, get ? "room" : "to")).except(rooms_of(body, "except"));
    if (local)
      selection = selection.local();

    if (target.path == "/v1/emit") {
      auto name = event_of(body);
      auto a = args_of(body);
      if (flag_of(body, "volatile"))
        selection = selection.as_volatile();
      auto wait = timeout_of(body, "ack_timeout_ms");
      if (!wait) {
        selection.emit(name, a);
        reply(ok());
        return;
      }
      selection.timeout(*wait).emit_with_ack(name, a, [reply](gathered_replies& r) {
        reply(json_response(200, replies_json(r)));
      });
    } else if (target.path == "/v1/sockets/join" || target.path == "/v1/sockets/leave") {
      auto rooms = rooms_of(body, "rooms");
      if (rooms.empty())
        throw bad_request{"rooms must name at least one room"};
      if (target.path == "/v1/sockets/join")
        selection.sockets_join(rooms);
      else
        selection.sockets_leave(rooms);
      reply(ok());
    } else if (target.path == "/v1/sockets/disconnect") {
      selection.disconnect_sockets(flag_of(body, "close"));
      reply(ok());
    } else if (target.path == "/v1/sockets") {
      selection.fetch_sockets(std::chrono::seconds{2}, [reply](const remote_sockets& found) {
        std::vector<const remote_socket*> sorted;
        for (auto& s : found)
          sorted.push_back(&s);
        std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->id < b->id; });
        std::string out = R"({"sockets":[)";
        for (auto* s : sorted) {
          if (out.back() != '[')
            out += ',';
          auto who = identity_of(s->data);
          out += R"({"id":)";
          protocol::append_json_string(out, s->id);
          out += R"(,"rooms":)";
          append_json_strings(out, s->rooms);
          out += R"(,"node":)";
          protocol::append_json_string(out, s->node);
          out += R"(,"address":)";
          protocol::append_json_string(out, s->address);
          out += R"(,"user":)";
          append_json_string_or_null(out, who.user);
          out += R"(,"data":)";
          out += who.data_json.empty() ? "null" : who.data_json;
          out += '}';
        }
        reply(json_response(200, out + "]}"));
      });
    } else if (target.path == "/v1/rooms") {
      nsp.fetch_all_rooms(std::chrono::seconds{2}, [reply](const std::set<std::string>& rooms) {
        std::string out = R"({"rooms":)";
        append_json_strings(out, rooms);
        reply(json_response(200, out + '}'));
      });
    } else if (target.path == "/v1/server-side-emit") {
      auto name = event_of(body);
      auto a = args_of(body);
      auto wait = timeout_of(body, "ack_timeout_ms");
      if (!wait) {
        nsp.server_side_emit(name, a);
        reply(ok());
        return;
      }
      nsp.server_side_emit(name, a, *wait, [reply](gathered_replies& r) {
        reply(json_response(200, replies_json(r)));
      });
    }
  } catch (const bad_request& bad) {
    reply(error(400, bad.why));
  }
}

} // namespace atrium::app
